// Command quickstart loads a small policy into a memory store and asks the
// authorizer a few questions, printing each decision with its explanation.
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
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()

	// Load and validate the policy, then write it into a store. A real
	// service would use sqlstore; the authorizer follows either.
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

	// Check is the fast path: no allocation, no explanation.
	d, err := a.Check(ctx, rbac.Request{
		User:       "alice",
		Permission: "case.read",
		Resource:   &rbac.Resource{Kind: "case", ID: "c1", Assignees: []rbac.UserID{"alice"}},
	})
	if err != nil {
		return err
	}
	answer := "no"
	if d.Allowed {
		answer = "yes, at scope " + d.Scope.String()
	}
	fmt.Fprintf(w, "may alice read c1? %s\n\n", answer)

	// Explain answers the same question and says why.
	questions := []struct {
		text string
		req  rbac.Request
	}{
		{"alice reads c1, assigned to her", rbac.Request{User: "alice", Permission: "case.read",
			Resource: &rbac.Resource{Kind: "case", ID: "c1", Assignees: []rbac.UserID{"alice"}}}},
		{"alice reads c2, assigned to dave in Leeds", rbac.Request{User: "alice", Permission: "case.read",
			Resource: &rbac.Resource{Kind: "case", ID: "c2", Assignees: []rbac.UserID{"dave"}, Workgroups: []rbac.WorkgroupID{"leeds"}}}},
		{"bob, supervisor of the North, reads c2", rbac.Request{User: "bob", Permission: "case.read",
			Resource: &rbac.Resource{Kind: "case", ID: "c2", Assignees: []rbac.UserID{"dave"}, Workgroups: []rbac.WorkgroupID{"leeds"}}}},
		{"bob approves c3 in the South", rbac.Request{User: "bob", Permission: "case.approve",
			Resource: &rbac.Resource{Kind: "case", ID: "c3", Workgroups: []rbac.WorkgroupID{"south"}}}},
		{"carol, auditor, reads closed case c4", rbac.Request{User: "carol", Permission: "case.read",
			Resource: &rbac.Resource{Kind: "case", ID: "c4", Inactive: true}}},
		{"alice approves c1", rbac.Request{User: "alice", Permission: "case.approve",
			Resource: &rbac.Resource{Kind: "case", ID: "c1", Assignees: []rbac.UserID{"alice"}}}},
		{"mallory reads c1", rbac.Request{User: "mallory", Permission: "case.read"}},
	}
	for _, q := range questions {
		d, err := a.Explain(ctx, q.req)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n  %s\n", q.text, d)
	}

	// Policies change at run time: promote alice, then ask again, waiting
	// for the revision the change produced (read-your-writes).
	rev, err := a.Apply(ctx, rbac.ChangeSet{
		Actor:   "admin",
		Reason:  "alice leads the Leeds office",
		Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "alice", AccountType: "staff", Groups: []rbac.GroupID{"north_team"}, Roles: []rbac.RoleID{"supervisor"}, Workgroups: []rbac.WorkgroupID{"leeds"}})},
	})
	if err != nil {
		return err
	}
	d, err = a.Explain(ctx, rbac.Request{User: "alice", Permission: "case.approve", AtLeast: rev,
		Resource: &rbac.Resource{Kind: "case", ID: "c2", Workgroups: []rbac.WorkgroupID{"leeds"}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nafter promotion (revision %d), alice approves c2\n  %s\n", rev, d)
	return nil
}
