package adminui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// TestHistoryShowsProposerAndApprover: a change set made by approving a
// proposal names both people (four eyes).
func TestHistoryShowsProposerAndApprover(t *testing.T) {
	f := newFixture(t, "nviro")
	paula, _ := f.authz.Snapshot().User("paula")
	paula.Name = "Paula P."
	if _, err := f.authz.Apply(context.Background(), rbac.ChangeSet{Actor: "sam", ProposedBy: "sven", Reason: "ticket 9 (approved: ok)", Changes: []rbac.Change{rbac.PutUser(paula)}}); err != nil {
		t.Fatal(err)
	}
	h := f.get("sam", "/admin/history?entity=paula")
	if !strings.Contains(h.body, "by <strong>sam</strong>, approving the proposal of <strong>sven</strong>") {
		t.Errorf("history does not name the approver and the proposer:\n%s", h.body)
	}
}

const inboxPolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: case.write}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, case.write]}
  - {id: case_writer, grants: [case.write]}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer]}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: sue, account_type: internal, roles: [security_admin]}
  - {id: int1, account_type: internal}
approvals:
  - {name: writers-group, groups: [writers]}
`

// TestInboxApprovesByASecondAdministrator: the console's proposals page
// lists a pending proposal with its preview; the proposer's own approval is
// refused with the rule's words; another administrator's applies it.
func TestInboxApprovesByASecondAdministrator(t *testing.T) {
	ctx := context.Background()
	f := yamlFixture(t, inboxPolicy)
	a := f.authz
	prop, err := a.Admin("sam").Propose(ctx, "ticket 5", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Groups: []rbac.GroupID{"writers"}}))
	if err != nil {
		t.Fatal(err)
	}
	inbox := f.get("sue", "/admin/proposals")
	for _, want := range []string{"Proposed by sam", "ticket 5", "<code>writers-group</code>", "case.write@global", `value="` + prop.ID + `"`} {
		if !strings.Contains(inbox.body, want) {
			t.Errorf("the inbox does not show %q:\n%s", want, inbox.body)
		}
	}
	own := f.post("sam", "/admin/proposals", "/admin/proposal", url.Values{"id": {prop.ID}, "decision": {"approve"}, "reason": {"mine"}})
	if own.status != 403 || !strings.Contains(own.body, "needs a second person") {
		t.Errorf("the proposer's approval: %d\n%s", own.status, own.body)
	}
	ok := f.post("sue", "/admin/proposals", "/admin/proposal", url.Values{"id": {prop.ID}, "decision": {"approve"}, "reason": {"checked"}})
	if loc := ok.header.Get("Location"); ok.status != 303 || !strings.HasPrefix(loc, "proposals?done=applied-") {
		t.Fatalf("sue's approval: %d to %q (want a relative Location, which keeps the host's prefix)\n%s", ok.status, loc, ok.body)
	}
	if u, _ := a.Snapshot().User("int1"); len(u.Groups) != 1 {
		t.Errorf("int1 after the approval: %+v", u)
	}
	after := f.get("sue", "/admin/proposals")
	if !strings.Contains(after.body, "No proposal is waiting") || !strings.Contains(after.body, "<td>approved</td><td>sue</td>") {
		t.Errorf("the inbox after the approval:\n%s", after.body)
	}
}
