// Command admin shows delegated administration: a group manager adds a
// member of their own group (and nothing else), a security administrator
// previews a change before making it, and then reverts it from the audit
// trail.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("admin", run) }

func run(w io.Writer) error {
	ctx := context.Background()
	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()

	// Petra manages the partner referrers group: she may add an external
	// user to it...
	petra := a.Admin("petra")
	if _, err := petra.AddMember(ctx, "new partner organisation", "partner_referrers", "eve"); err != nil {
		return err
	}
	fmt.Fprintln(w, "petra adds eve:", a.Snapshot().Check(rbac.Request{User: "eve", Permission: "referral.create"}))
	// ...but not an internal user, and she cannot hand out roles herself.
	_, err = petra.AddMember(ctx, "", "partner_referrers", "ian")
	fmt.Fprintln(w, "petra adds ian:", err)
	_, err = petra.AssignRole(ctx, "", "eve", "referrer")
	fmt.Fprintln(w, "petra assigns a role:", err)

	// Sam previews making ian an approver: approve is sensitive.
	sam := a.Admin("sam")
	grant := rbac.PutUser(rbac.User{ID: "ian", AccountType: "internal", Roles: []rbac.RoleID{"approver"}})
	impact, err := sam.Preview(ctx, grant)
	if err != nil {
		return err
	}
	for _, ui := range impact {
		gained := make([]string, len(ui.Gained))
		for i, p := range ui.Gained {
			gained[i] = p.String()
		}
		fmt.Fprintf(w, "preview: %s gains %s\n", ui.User, strings.Join(gained, ", "))
	}
	_, err = sam.Apply(ctx, "", grant)
	fmt.Fprintln(w, "without a reason:", err)
	rev, err := sam.Apply(ctx, "cover for the approvals backlog, ticket 1234", grant)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "ian approves:", a.Snapshot().Check(rbac.Request{User: "ian", Permission: "referral.approve"}))

	// The audit trail says who did it and why; the change can be undone.
	hist, err := sam.History(ctx, rbac.HistoryQuery{Kind: rbac.EntityUser, Key: "ian"})
	if err != nil {
		return err
	}
	for _, cs := range hist {
		fmt.Fprintf(w, "history: revision %d by %s: %q\n", cs.Revision, cs.Actor, cs.Reason)
	}
	if _, err := sam.Revert(ctx, rev, "backlog cleared"); err != nil {
		return err
	}
	fmt.Fprintln(w, "after the revert:", a.Snapshot().Check(rbac.Request{User: "ian", Permission: "referral.approve"}))
	return nil
}
