package policytest_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/policytest"
)

// Results runs a policy's tests without the testing package, as a command
// line tool would. In a go test, policytest.Run(t, "policy.yaml") does all
// of this and reports each test as a subtest.
func ExampleResults() {
	const policy = `
roles:
  - {id: evaluations_manager_mine, grants: [evaluation.read@mine]}
users:
  - {id: paula, roles: [evaluations_manager_mine]}
tests:
  - name: paula reads an evaluation assigned to her
    request: {user: paula, permission: evaluation.read, resource: {kind: evaluation, id: e1, assignees: [paula]}}
    expect: {allowed: true, scope: mine}
  - name: paula reads an evaluation assigned to someone else
    request: {user: paula, permission: evaluation.read, resource: {kind: evaluation, id: e2, assignees: [sven]}}
    expect: {allowed: true}
`
	p, err := rbac.LoadPolicy(strings.NewReader(policy))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		fmt.Println(err)
		return
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	for _, r := range policytest.Results(p, a.Snapshot()) {
		fmt.Println(r.Test.Where, r.Passed(), summary(r))
	}
	// Output:
	// policy:7 true allowed (granted, mine)
	// policy:10 false denied (out_of_scope)
}

// summary keeps the verdict of a result's decision, without the route.
func summary(r policytest.Result) string {
	d := r.Decision
	d.Path = nil
	return d.String()
}
