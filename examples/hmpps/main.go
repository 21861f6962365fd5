// Command hmpps shows HMPPS Auth's model: roles allocated by account type,
// the probation role every Delius user has, groups for external users, and
// a user with several roles choosing the one to act in (Digital
// Categorisation), guarded by a separation-of-duty constraint.
//
// policy.yaml is a copy of testdata/seeds/hmpps_auth.yaml.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hmpps:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}
	store := memstore.New()
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return err
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		return err
	}
	defer a.Close()

	questions := []struct {
		text string
		req  rbac.Request
	}{
		{"pat (Delius) views a probation case: the probation role comes with the account",
			rbac.Request{User: "pat_probation", Permission: "probation.case.view"}},
		{"omar (DPS) views a probation case",
			rbac.Request{User: "omar_officer", Permission: "probation.case.view"}},
		{"PC Morgan (external) views prisoner details through the West Police group",
			rbac.Request{User: "pc_morgan", Permission: "prisoner.view"}},
		{"mia holds suggest and approve; with both active she may do nothing",
			rbac.Request{User: "mia_manager", Permission: "categorisation.approve"}},
		{"mia picks the approver role from the menu and approves",
			rbac.Request{User: "mia_manager", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.approve"}},
		{"acting as approver, mia tries to suggest",
			rbac.Request{User: "mia_manager", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.suggest"}},
		{"omar picks a role he does not hold",
			rbac.Request{User: "omar_officer", ActiveRoles: []rbac.RoleID{"approve_changes"}, Permission: "categorisation.approve"}},
	}
	for _, q := range questions {
		d, err := a.Explain(ctx, q.req)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n  %s\n", q.text, d)
	}
	return nil
}
