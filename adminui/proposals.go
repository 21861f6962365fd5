package adminui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// The inbox of four-eyes proposals (rbac.Admin.Propose): pending ones with
// their preview, to approve or reject, and the latest resolved ones. The
// Admin API decides who may list, approve and reject; the page shows its
// refusals.

type proposalsView struct {
	Pending  []rbac.Proposal
	Resolved []rbac.Proposal
	Error    string
	Missing  string // the store keeps no proposals
}

// resolvedShown bounds the resolved proposals listed.
const resolvedShown = 20

func (c *console) proposals(req *request) error {
	return c.renderProposals(req, http.StatusOK, "")
}

func (c *console) renderProposals(req *request, status int, errMsg string) error {
	v := proposalsView{Error: errMsg}
	list, err := req.admin().Proposals(req.r.Context())
	switch {
	case errors.Is(err, rbac.ErrForbidden):
		return errForbidden
	case errors.Is(err, rbac.ErrInvalid):
		v.Missing = err.Error()
	case err != nil:
		return err
	}
	now := c.now()                        // Approve judges expiry by the same clock
	for i := len(list) - 1; i >= 0; i-- { // newest first
		p := list[i]
		if p.StateAt(now) == rbac.ProposalPending {
			v.Pending = append(v.Pending, p)
		} else if len(v.Resolved) < resolvedShown {
			p.State = p.StateAt(now)
			v.Resolved = append(v.Resolved, p)
		}
	}
	return c.render(req, status, "proposals", "Proposals", "proposals", v)
}

// resolveProposal approves or rejects the posted proposal as the actor.
func (c *console) resolveProposal(req *request) error {
	id := strings.TrimSpace(req.r.PostFormValue("id"))
	reason := strings.TrimSpace(req.r.PostFormValue("reason"))
	var err error
	var rev rbac.Revision
	switch req.r.PostFormValue("decision") {
	case "approve":
		rev, err = req.admin().Approve(req.r.Context(), id, reason)
	case "reject":
		err = req.admin().Reject(req.r.Context(), id, reason)
	default:
		return badRequest("Choose approve or reject.")
	}
	if err != nil {
		status, msg := refusal(err)
		if status == 0 {
			status = http.StatusOK
		}
		return c.renderProposals(req, status, msg)
	}
	target := "proposals"
	if rev != 0 {
		target += "?done=applied-" + strconv.FormatUint(uint64(rev), 10)
	}
	req.seeOther(target)
	return nil
}
