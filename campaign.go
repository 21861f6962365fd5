package rbac

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Campaign is an access recertification (ISO 27001 control 5.18): every
// membership of Groups and every direct assignment of Roles is reviewed
// by Due. A reviewer (Admin.Attest) keeps or removes a user's; at Due,
// what is not attested keep is removed by rbac.System with the campaign
// as reason, by the authorizers' own follow loop once their clock passes
// Due (within a heartbeat, WithHeartbeat): no call is needed. That write
// has the change-set ID "campaign." and the campaign's ID, so of several
// replicas exactly one writes it.
type Campaign struct {
	ID     string    `yaml:"id"`
	Groups []GroupID `yaml:"groups,omitempty"`
	Roles  []RoleID  `yaml:"roles,omitempty"`
	Due    time.Time `yaml:"due"`
}

// EntityCampaign is the entity kind of a Campaign.
const EntityCampaign EntityKind = "campaign"

// campaignChangeSetPrefix and the campaign's ID are the ID of the change
// set that removes, at Due, what was not attested keep.
const campaignChangeSetPrefix = "campaign."

// Clone returns a deep copy.
func (c Campaign) Clone() Campaign {
	c.Groups = slices.Clone(c.Groups)
	c.Roles = slices.Clone(c.Roles)
	return c
}

func (c Campaign) EntityKind() EntityKind { return EntityCampaign }
func (c Campaign) EntityKey() string      { return c.ID }
func (c Campaign) cloneEntity() Entity    { return c.Clone() }

// PutCampaign creates or replaces a campaign.
func PutCampaign(c Campaign) Change { return put(c) }

// DeleteCampaign removes a campaign (its attestations stay in the store).
func DeleteCampaign(id string) Change { return Change{Kind: EntityCampaign, Key: id} }

func (v *validator) campaigns() {
	st := v.st
	for _, id := range sortedKeys(st.campaigns) {
		c := st.campaigns[id]
		v.id(EntityCampaign, id, "id", id)
		if len(c.Groups) == 0 && len(c.Roles) == 0 {
			v.add(ErrInvalid, EntityCampaign, id, "reviews nothing: list groups or roles")
		}
		if c.Due.IsZero() || c.Due.Year() < 1 || c.Due.Year() > 9999 {
			v.add(ErrInvalid, EntityCampaign, id, "needs a due time between years 1 and 9999")
		}
		for i, r := range c.Roles {
			if _, ok := st.roles[r]; !ok {
				v.add(ErrNotFound, EntityCampaign, id, "role %q does not exist", r)
			} else if slices.Contains(c.Roles[:i], r) {
				v.add(ErrInvalid, EntityCampaign, id, "role %q is listed twice", r)
			}
		}
		for i, g := range c.Groups {
			if _, ok := st.groups[g]; !ok {
				v.add(ErrNotFound, EntityCampaign, id, "group %q does not exist", g)
			} else if slices.Contains(c.Groups[:i], g) {
				v.add(ErrInvalid, EntityCampaign, id, "group %q is listed twice", g)
			}
		}
	}
}

// campaignCascade: deleting a role or group takes it out of the campaigns
// that review it; a campaign left reviewing nothing is deleted.
func (st *state) campaignCascade(role RoleID, group GroupID) []Change {
	var out []Change
	for _, k := range sortedKeys(st.campaigns) {
		c := st.campaigns[k]
		if !(role != "" && slices.Contains(c.Roles, role) || group != "" && slices.Contains(c.Groups, group)) {
			continue
		}
		c = c.Clone()
		c.Roles = without(c.Roles, role)
		c.Groups = without(c.Groups, group)
		if len(c.Roles) == 0 && len(c.Groups) == 0 {
			out = append(out, DeleteCampaign(c.ID))
		} else {
			out = append(out, PutCampaign(c))
		}
	}
	return out
}

// Attestation is a reviewer's decision on a user's access under review in
// a campaign: keep it, or let it go at Due.
type Attestation struct {
	Campaign string
	User     UserID
	Keep     bool
	By       UserID
	At       time.Time
}

// AttestationStore is an optional capability of a Store, found by type
// assertion: it keeps campaigns' attestations, so that any replica sees
// them at Due. Admin.Attest needs it; without it nothing is attested.
type AttestationStore interface {
	// PutAttestation records a, replacing the attestation of the same
	// campaign and user.
	PutAttestation(ctx context.Context, a Attestation) error
	// Attestations returns the campaign's attestations, by user.
	Attestations(ctx context.Context, campaign string) ([]Attestation, error)
}

// underReview returns what of u campaign c reviews: its memberships of
// c's groups and its direct assignments of c's roles.
func underReview(c Campaign, u *User) (groups []GroupID, roles []RoleID) {
	for _, g := range u.Groups {
		if slices.Contains(c.Groups, g) {
			groups = append(groups, g)
		}
	}
	for _, r := range u.Roles {
		if slices.Contains(c.Roles, r) {
			roles = append(roles, r)
		}
	}
	return groups, roles
}

// campaign returns the campaign id of snapshot s.
func (s *Snapshot) campaign(id string) (Campaign, bool) {
	i := slices.IndexFunc(s.src.campaigns, func(c Campaign) bool { return c.ID == id })
	if i < 0 {
		return Campaign{}, false
	}
	return s.src.campaigns[i], true
}

// Attest records whether user keeps what campaign reviews of his access
// (his memberships of its groups, his direct assignments of its roles).
// The actor reviews: for each group membership, an enabled manager of
// that group or a user manager covering the user (rbac.users.manage at
// scope global or all, or at workgroup over all the user's workgroups);
// for each role, such a user manager. A later attestation replaces an
// earlier one. After Due the campaign is closed (ErrConflict).
func (ad *Admin) Attest(ctx context.Context, campaign string, user UserID, keep bool) error {
	as, ok := ad.a.store.(AttestationStore)
	if !ok {
		return &Error{Op: "attest", Msg: fmt.Sprintf("the store (%T) does not keep attestations (rbac.AttestationStore)", ad.a.store), Err: ErrInvalid}
	}
	if err := checkID(campaign); err != nil {
		return &Error{Op: "attest", Msg: "campaign: " + err.Error(), Err: ErrInvalid}
	}
	if _, err := ad.a.Sync(ctx); err != nil {
		return relabel("attest", "catching up with the store", err)
	}
	s := ad.a.Snapshot()
	c, ok := s.campaign(campaign)
	if !ok {
		return &Error{Op: "attest", Kind: EntityCampaign, ID: campaign, Msg: "no such campaign", Err: ErrNotFound}
	}
	now := ad.a.opts.clock()
	if !now.Before(c.Due) {
		return &Error{Op: "attest", Kind: EntityCampaign, ID: campaign, Msg: fmt.Sprintf("the campaign closed at %s", c.Due.UTC().Format(time.RFC3339)), Err: ErrConflict}
	}
	rec, ok := s.users.Get(string(user))
	if !ok || rec == nil {
		return &Error{Op: "attest", Kind: EntityUser, ID: string(user), Msg: "no such user", Err: ErrNotFound}
	}
	groups, roles := underReview(c, rec.user)
	if len(groups) == 0 && len(roles) == 0 {
		return &Error{Op: "attest", Kind: EntityUser, ID: string(user), Msg: fmt.Sprintf("campaign %s reviews nothing of this user", quoteShort(campaign)), Err: ErrNotFound}
	}
	if ad.actor != System {
		if err := ad.mayReview(s, rec.user, groups, roles); err != nil {
			return err
		}
	}
	err := as.PutAttestation(ctx, Attestation{Campaign: campaign, User: user, Keep: keep, By: ad.actor, At: now})
	if err != nil {
		return relabel("attest", "storing the attestation", err)
	}
	return nil
}

// mayReview: the actor reviews every group membership and role of u
// under review.
func (ad *Admin) mayReview(s *Snapshot, u *User, groups []GroupID, roles []RoleID) error {
	r, err := ad.actorIn(s)
	if err != nil {
		return err
	}
	userManager := r.holds(PermUsersManage) || r.can.canName(PermUsersManage)&scopeBit(ScopeWorkgroup) != 0 && s.CoversUser(ad.actor, u.ID)
	if userManager {
		return nil
	}
	for _, g := range groups {
		if !slices.Contains(s.src.groups[g].Managers, ad.actor) {
			return ad.forbid("reviewing %s's membership of group %s needs a manager of the group or a user manager covering the user", u.ID, quoteShort(string(g)))
		}
	}
	if len(roles) > 0 {
		return ad.forbid("reviewing %s's role %s needs a user manager covering the user", u.ID, quoteShort(string(roles[0])))
	}
	return nil
}

// campaignRemovals returns, for campaign c on snapshot s, each user whose
// reviewed access is not attested keep, without it.
func campaignRemovals(s *Snapshot, c Campaign, kept map[UserID]bool) []Change {
	var out []Change
	s.users.Range(func(id string, rec *userRec) bool {
		if rec == nil || kept[UserID(id)] {
			return true
		}
		groups, roles := underReview(c, rec.user)
		if len(groups) == 0 && len(roles) == 0 {
			return true
		}
		u := rec.user.Clone()
		u.Groups = slices.DeleteFunc(u.Groups, func(g GroupID) bool { return slices.Contains(groups, g) })
		u.Roles = slices.DeleteFunc(u.Roles, func(r RoleID) bool { return slices.Contains(roles, r) })
		out = append(out, PutUser(u))
		return true
	})
	slices.SortFunc(out, func(x, y Change) int { return cmp.Compare(x.Key, y.Key) })
	return out
}

// keptIn reads which users the campaign's attestations keep.
func (a *Authorizer) keptIn(ctx context.Context, campaign string) (map[UserID]bool, error) {
	kept := map[UserID]bool{}
	as, ok := a.store.(AttestationStore)
	if !ok {
		return kept, nil
	}
	list, err := as.Attestations(ctx, campaign)
	if err != nil {
		return nil, err
	}
	for _, at := range list {
		kept[at.User] = at.Keep
	}
	return kept, nil
}

// closeDueCampaigns removes, for each campaign whose Due the clock has
// passed and that this authorizer has not closed yet, what is not
// attested keep. Replicas race: the change set's ID is the campaign's, so
// one writes; the others find nothing left to remove, or the ID taken.
func (a *Authorizer) closeDueCampaigns(ctx context.Context) {
	s := a.snap.Load()
	if s == nil || len(s.src.campaigns) == 0 {
		return
	}
	now := a.opts.clock()
	for _, c := range s.src.campaigns {
		if now.Before(c.Due) || a.campaignClosed(c.ID) {
			continue
		}
		if err := a.closeCampaign(ctx, c); err != nil {
			if ctx.Err() == nil {
				a.setError(err)
			}
			continue
		}
		a.campaignsClosed.Store(c.ID, true)
	}
}

func (a *Authorizer) campaignClosed(id string) bool {
	_, ok := a.campaignsClosed.Load(id)
	return ok
}

// errNothingLeft: a campaign's removals are all made.
var errNothingLeft = errors.New("nothing left to remove")

// maxCloseAttempts bounds the retries of a campaign's removals: after
// that many conflicts its ID is taken (another replica wrote them).
const maxCloseAttempts = 4

func (a *Authorizer) closeCampaign(ctx context.Context, c Campaign) error {
	kept, err := a.keptIn(ctx, c.ID)
	if err != nil {
		return relabel("campaign", "reading the attestations of "+quoteShort(c.ID), err)
	}
	ad := a.Admin(System)
	reason := fmt.Sprintf("recertification campaign %s due %s: access not attested keep is removed", c.ID, c.Due.UTC().Format(time.RFC3339))
	// The removals are computed under the write lock from the model as it
	// is then (read-modify-write), so that no concurrent change to those
	// users is overwritten.
	build := func(s *Snapshot) ([]Change, error) {
		cur, ok := s.campaign(c.ID)
		if !ok || !cur.Due.Equal(c.Due) {
			return nil, errNothingLeft // deleted or postponed meanwhile
		}
		if changes := campaignRemovals(s, cur, kept); len(changes) > 0 {
			return changes, nil
		}
		return nil, errNothingLeft
	}
	for attempt := 0; attempt < maxCloseAttempts; attempt++ {
		_, err := ad.apply(ctx, adminWrite{reason: reason, build: build, id: campaignChangeSetPrefix + c.ID, noRetry: true})
		if errors.Is(err, errNothingLeft) {
			return nil // done here or by another replica
		}
		if err == nil || !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return nil // the ID is taken: another replica closed the campaign
}
