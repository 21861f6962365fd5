// Command hmpps shows HMPPS Auth's model: roles allocated by account type,
// the probation role every Delius user has, groups for external users, and
// a user with several roles choosing the one to act in (Digital
// Categorisation), guarded by a separation-of-duty constraint.
//
// policy.yaml is a copy of testdata/seeds/hmpps_auth.yaml.
package main

import (
	"context"
	_ "embed"
	"io"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("hmpps", run) }

func run(w io.Writer) error {
	ctx := context.Background()
	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()

	questions := []demo.Question{
		{Text: "pat (Delius) views a probation case: the probation role comes with the account",
			Request: rbac.Request{User: "pat_probation", Permission: "probation.case.view"}},
		{Text: "omar (DPS) views a probation case",
			Request: rbac.Request{User: "omar_officer", Permission: "probation.case.view"}},
		{Text: "PC Morgan (external) views prisoner details through the West Police group",
			Request: rbac.Request{User: "pc_morgan", Permission: "prisoner.view"}},
		{Text: "mia holds suggest and approve; with both active she may do nothing",
			Request: rbac.Request{User: "mia_manager", Permission: "categorisation.approve"}},
		{Text: "mia picks the approver role from the menu and approves",
			Request: rbac.Request{User: "mia_manager", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.approve"}},
		{Text: "acting as approver, mia tries to suggest",
			Request: rbac.Request{User: "mia_manager", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.suggest"}},
		{Text: "omar picks a role he does not hold",
			Request: rbac.Request{User: "omar_officer", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.approve"}},
	}
	return demo.Ask(ctx, w, a, questions)
}
