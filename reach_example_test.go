package rbac_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A service whose users come from tokens stores none: its review and its
// pull-request gate read the roles, groups and account types instead.
func ExampleSnapshot_Reach() {
	p, err := rbac.LoadPolicy(strings.NewReader(`
account_types: [{id: staff, default_roles: [clerk]}]
permissions: [{name: case.read}, {name: case.merge, sensitive: administrators only}]
roles:
  - {id: clerk, grants: [case.read@mine]}
  - {id: lead, contains: [clerk], grants: ["case.*@workgroup"]}
groups: [{id: desk, name: Desk, account_type: staff, roles: [lead]}]
`))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		panic(err)
	}
	authz, err := rbac.New(ctx, store)
	if err != nil {
		panic(err)
	}
	defer authz.Close()
	snap := authz.Snapshot()
	for _, r := range snap.Reach("case.read") {
		fmt.Println(r)
	}
	if _, err := snap.Permission("case.raed"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// role clerk: grant case.read@mine
	// role lead: grant case.*@workgroup
	// role lead: contains clerk (mine)
	// group desk: role lead (workgroup)
	// account type staff: default role clerk (mine)
	// lookup permission "case.raed": not in the catalogue (did you mean "case.read"?) (not found)
}

// DiffPolicies compares what each role, group and account type confers,
// so a change that nobody stored gains is still seen, sensitive gains
// included.
func ExampleDiffPolicies_conferrers() {
	load := func(s string) *rbac.Policy {
		p, err := rbac.LoadPolicy(strings.NewReader(s))
		if err != nil {
			panic(err)
		}
		return p
	}
	const catalogue = "permissions: [{name: case.read}, {name: case.merge, sensitive: administrators only}]\n"
	before := load(catalogue + "roles: [{id: clerk, grants: [case.read]}]")
	after := load(catalogue + `roles: [{id: clerk, grants: [case.read, "*"]}]`)
	d, err := rbac.DiffPolicies(before, after)
	if err != nil {
		panic(err)
	}
	for _, c := range d.Conferrers {
		fmt.Println(c.Conferrer, "gains", c.Gained)
	}
	for _, s := range d.Sensitive {
		fmt.Printf("%s newly reaches %s through %s\n", s.Holder(), s.Permission.Name, s.Gained)
	}
	// Output:
	// role clerk gains [*@global case.merge@global]
	// role clerk newly reaches case.merge through *@global
	// role clerk newly reaches case.merge through case.merge@global
}
