package rbac

import (
	"cmp"
	"context"
	"slices"
)

// CampaignToReview returns the rows of the campaign that the actor may
// attest (Admin.Attest): for each user whose access under review the
// actor reviews in full (a manager of each of his reviewed groups, or a
// user manager covering him), each membership and role under review
// with its decision so far. Unlike CampaignReport it needs no
// rbac.audit.read: a reviewer sees only his own list. A campaign that
// gives the actor nothing to review answers no rows.
func (ad *Admin) CampaignToReview(ctx context.Context, campaign string) ([]CampaignRow, error) {
	s, c, byUser, err := ad.campaignNow(ctx, "campaign to review", campaign)
	if err != nil {
		return nil, err
	}
	var rows []CampaignRow
	s.users.Range(func(id string, rec *userRec) bool {
		if rec == nil {
			return true
		}
		groups, roles := underReview(c, rec.user)
		if len(groups) == 0 && len(roles) == 0 {
			return true
		}
		// The same rule Attest applies, so the list offers only what
		// Attest would accept.
		if ad.actor != System && ad.mayReview(s, rec.user, groups, roles) != nil {
			return true
		}
		rows = appendCampaignRows(rows, c, UserID(id), groups, roles, byUser)
		return true
	})
	slices.SortFunc(rows, func(x, y CampaignRow) int {
		return cmp.Or(cmp.Compare(x.User, y.User), cmp.Compare(x.Group, y.Group), cmp.Compare(x.Role, y.Role))
	})
	return rows, nil
}
