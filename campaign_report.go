package rbac

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// CampaignRow is one line of a campaign's report for auditors: a user's
// membership of a reviewed group or assignment of a reviewed role, and
// what the review decided.
type CampaignRow struct {
	Campaign string    `json:"campaign"`
	Due      time.Time `json:"due"`
	User     UserID    `json:"user"`
	Group    GroupID   `json:"group,omitempty"` // one of Group and Role
	Role     RoleID    `json:"role,omitempty"`
	// Decision is "keep" or "remove" as attested, or "pending"; an
	// access no longer held (removed at Due or since) is "removed", with
	// the attestation, if any, beside it.
	Decision string    `json:"decision"`
	By       UserID    `json:"by,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// CampaignReport returns the campaign's rows, by user: every access under
// review now with its decision; every access the campaign removed at Due
// ("removed", read from its change set "campaign.ID", with the attestation
// if there was one); and each attested user who no longer holds any for
// another reason ("removed"). It reads the audit trail, so the actor needs
// rbac.audit.read at scope global or all; a change log pruned past the
// campaign's removals is ErrTruncated.
func (ad *Admin) CampaignReport(ctx context.Context, campaign string) ([]CampaignRow, error) {
	if err := ad.mayReadAudit("a campaign's report"); err != nil {
		return nil, err
	}
	s, c, byUser, err := ad.campaignNow(ctx, "campaign report", campaign)
	if err != nil {
		return nil, err
	}
	var rows []CampaignRow
	reviewed := map[UserID]bool{}
	s.users.Range(func(id string, rec *userRec) bool {
		if rec == nil {
			return true
		}
		groups, roles := underReview(c, rec.user)
		u := UserID(id)
		rows = appendCampaignRows(rows, c, u, groups, roles, byUser)
		reviewed[u] = len(groups)+len(roles) > 0
		return true
	})
	removals, err := removedAtDue(ctx, ad.a.store, c)
	if err != nil {
		return nil, relabel("campaign report", "reading the removals at Due", err)
	}
	for _, r := range removals {
		if at, ok := byUser[r.User]; ok {
			r.By, r.At = at.By, at.At
		}
		rows = append(rows, r)
		reviewed[r.User] = true
	}
	for _, at := range byUser {
		if !reviewed[at.User] {
			rows = append(rows, CampaignRow{Campaign: c.ID, Due: c.Due, User: at.User, Decision: "removed", By: at.By, At: at.At})
		}
	}
	slices.SortFunc(rows, func(x, y CampaignRow) int {
		return cmp.Or(cmp.Compare(x.User, y.User), cmp.Compare(x.Group, y.Group), cmp.Compare(x.Role, y.Role))
	})
	return rows, nil
}

// WriteCampaignCSV writes rows as CSV with a header line: campaign, due,
// user, group, role, decision, by, at (times in RFC 3339, UTC).
func WriteCampaignCSV(w io.Writer, rows []CampaignRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"campaign", "due", "user", "group", "role", "decision", "by", "at"})
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, r := range rows {
		cw.Write([]string{r.Campaign, stamp(r.Due), string(r.User), string(r.Group), string(r.Role), r.Decision, string(r.By), stamp(r.At)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteCampaignJSON writes rows as one JSON array.
func WriteCampaignJSON(w io.Writer, rows []CampaignRow) error {
	if rows == nil {
		rows = []CampaignRow{}
	}
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// removedAtDue lists, as "removed" rows, what campaign c's own change set
// took away at Due: each user's memberships of its groups and assignments
// of its roles that the set removed. None before Due. (The set's Time is
// the store's clock, not the authorizer's, so it is found by its ID.)
func removedAtDue(ctx context.Context, s Store, c Campaign) ([]CampaignRow, error) {
	page, err := readHistory(ctx, s, HistoryQuery{Actor: System}, -1)
	if err != nil {
		return nil, err
	}
	id := campaignChangeSetPrefix + c.ID
	i := slices.IndexFunc(page.Sets, func(hs HistorySet) bool { return hs.ChangeSet.ID == id })
	if i < 0 {
		if page.Horizon > 0 {
			return nil, &Error{Op: "campaign report", Kind: EntityCampaign, ID: c.ID, Msg: fmt.Sprintf("change sets up to revision %d were pruned: the removals at Due may be among them", page.Horizon), Err: ErrTruncated}
		}
		return nil, nil
	}
	var rows []CampaignRow
	for _, ch := range page.Sets[i].ChangeSet.Changes {
		before, ok := ch.Before.(User)
		if !ok {
			continue
		}
		var after User
		if u, ok := ch.After.(User); ok {
			after = u
		}
		row := CampaignRow{Campaign: c.ID, Due: c.Due, User: before.ID, Decision: "removed"}
		for _, g := range before.Groups {
			if slices.Contains(c.Groups, g) && !slices.Contains(after.Groups, g) {
				r := row
				r.Group = g
				rows = append(rows, r)
			}
		}
		for _, role := range before.Roles {
			if slices.Contains(c.Roles, role) && !slices.Contains(after.Roles, role) {
				r := row
				r.Role = role
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

// campaignNow catches up with the store and returns the snapshot, campaign
// id in it and its attestations by user: what a report and a reviewer's
// list both read. op names the caller in errors.
func (ad *Admin) campaignNow(ctx context.Context, op, campaign string) (*Snapshot, Campaign, map[UserID]Attestation, error) {
	if _, err := ad.a.Sync(ctx); err != nil {
		return nil, Campaign{}, nil, relabel(op, "catching up with the store", err)
	}
	s := ad.a.Snapshot()
	c, ok := s.campaign(campaign)
	if !ok {
		return nil, Campaign{}, nil, &Error{Op: op, Kind: EntityCampaign, ID: campaign, Msg: "no such campaign", Err: ErrNotFound}
	}
	byUser := map[UserID]Attestation{}
	if as, ok := ad.a.store.(AttestationStore); ok {
		list, err := as.Attestations(ctx, campaign)
		if err != nil {
			return nil, Campaign{}, nil, relabel(op, "reading the attestations", err)
		}
		for _, at := range list {
			byUser[at.User] = at
		}
	}
	return s, c, byUser, nil
}

// appendCampaignRows appends user u's rows of campaign c, one per group
// membership and role under review, each with u's attestation in byUser
// if there is one (else "pending").
func appendCampaignRows(rows []CampaignRow, c Campaign, u UserID, groups []GroupID, roles []RoleID, byUser map[UserID]Attestation) []CampaignRow {
	row := CampaignRow{Campaign: c.ID, Due: c.Due, User: u, Decision: "pending"}
	if at, attested := byUser[u]; attested {
		row.Decision, row.By, row.At = "remove", at.By, at.At
		if at.Keep {
			row.Decision = "keep"
		}
	}
	for _, g := range groups {
		r := row
		r.Group = g
		rows = append(rows, r)
	}
	for _, role := range roles {
		r := row
		r.Role = role
		rows = append(rows, r)
	}
	return rows
}
