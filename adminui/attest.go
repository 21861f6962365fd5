package adminui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// The reviewer's page of recertification campaigns (rbac.Campaign): for
// each open campaign, the users whose access under review the actor may
// attest, with keep and remove buttons. rbac.Admin.CampaignToReview
// decides the list and rbac.Admin.Attest judges each decision, so the page
// offers only what the Admin API would accept.

type attestView struct {
	Campaigns []campaignToReview
	Error     string
}

type campaignToReview struct {
	ID     string
	Due    time.Time
	Closed bool
	Users  []userToReview
}

// userToReview is one user's access under review: an attestation keeps or
// removes all of it.
type userToReview struct {
	User     rbac.UserID
	Access   []string // "group x" or "role y"
	Decision string   // keep, remove or pending
	By       rbac.UserID
	At       time.Time
}

func (c *console) attestPage(req *request) error {
	return c.renderAttest(req, http.StatusOK, "")
}

func (c *console) renderAttest(req *request, status int, errMsg string) error {
	v := attestView{Error: errMsg}
	policy, _ := c.authz.Policy()
	now := c.now() // Attest judges Due by the same clock
	if policy == nil {
		policy = &rbac.Policy{}
	}
	for _, camp := range policy.Campaigns {
		rows, err := req.admin().CampaignToReview(req.r.Context(), camp.ID)
		if errors.Is(err, rbac.ErrNotFound) {
			continue // deleted since the policy was read
		} else if err != nil {
			return err
		}
		ct := campaignToReview{ID: camp.ID, Due: camp.Due, Closed: !now.Before(camp.Due)}
		for _, r := range rows {
			access := "group " + string(r.Group)
			if r.Role != "" {
				access = "role " + string(r.Role)
			}
			if n := len(ct.Users); n > 0 && ct.Users[n-1].User == r.User {
				ct.Users[n-1].Access = append(ct.Users[n-1].Access, access)
				continue
			}
			ct.Users = append(ct.Users, userToReview{User: r.User, Access: []string{access}, Decision: r.Decision, By: r.By, At: r.At})
		}
		if len(ct.Users) > 0 {
			v.Campaigns = append(v.Campaigns, ct)
		}
	}
	return c.render(req, status, "attest", "Reviews", "attest", v)
}

// attest records the actor's keep or remove for the posted campaign and
// user.
func (c *console) attest(req *request) error {
	campaign := strings.TrimSpace(req.r.PostFormValue("campaign"))
	user := rbac.UserID(strings.TrimSpace(req.r.PostFormValue("user")))
	var keep bool
	switch req.r.PostFormValue("decision") {
	case "keep":
		keep = true
	case "remove":
	default:
		return badRequest("Choose keep or remove.")
	}
	if err := req.admin().Attest(req.r.Context(), campaign, user, keep); err != nil {
		status, msg := refusal(err)
		if status == 0 {
			status = http.StatusOK
		}
		return c.renderAttest(req, status, msg)
	}
	req.seeOther("attest")
	return nil
}
