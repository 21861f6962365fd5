package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

const examplePolicy = `
roles:
  - id: evaluations_manager_mine
    grants: [evaluation.read@mine, evaluation.update@mine]
  - id: evaluations_manager_workgroup
    contains: [evaluations_manager_mine]
    grants: [evaluation.read@workgroup]
groups:
  - {id: permitting, name: Permitting, roles: [evaluations_manager_workgroup]}
workgroups:
  - {id: north, name: North region}
  - {id: leeds, name: Leeds team, parent: north}
users:
  - {id: alice, groups: [permitting], workgroups: [north]}
`

func Example() {
	ctx := context.Background()
	policy, err := rbac.LoadPolicy(strings.NewReader(examplePolicy))
	if err != nil {
		panic(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, policy); err != nil {
		panic(err)
	}
	authz, err := rbac.New(ctx, store)
	if err != nil {
		panic(err)
	}
	defer authz.Close()

	snap := authz.Snapshot()
	leeds := &rbac.Resource{Kind: "evaluation", ID: "e1", Workgroups: []rbac.WorkgroupID{"leeds"}}
	fmt.Println(snap.Check(rbac.Request{User: "alice", Permission: "evaluation.read", Resource: leeds}))
	fmt.Println(snap.Explain(rbac.Request{User: "alice", Permission: "evaluation.read", Resource: leeds}))
	fmt.Println(snap.Explain(rbac.Request{User: "alice", Permission: "evaluation.update", Resource: leeds}))
	// Output:
	// allowed (granted, workgroup)
	// allowed (granted, workgroup): user alice → group permitting → role evaluations_manager_workgroup → grant evaluation.read@workgroup → workgroup north (resource in leeds, under north)
	// denied (out_of_scope): user alice → group permitting → role evaluations_manager_workgroup → role evaluations_manager_mine → grant evaluation.update@mine: holds evaluation.update@mine, resource not assigned to alice
}

func ExampleParseGrant() {
	g, err := rbac.ParseGrant("evaluation.read@mine")
	fmt.Println(g.Permission, g.Scope, err)
	g, _ = rbac.ParseGrant("client.*") // no scope: global
	fmt.Println(g, g.Permission.Matches("client.merge"))
	_, err = rbac.ParseGrant("evaluation.read@everywhere")
	fmt.Println(errors.Is(err, rbac.ErrInvalid))
	// Output:
	// evaluation.read mine <nil>
	// client.*@global true
	// true
}

func ExampleLoadPolicy_errors() {
	_, err := rbac.LoadPolicy(strings.NewReader(`
roles:
  - {id: viewer, contains: [writer]}
  - {id: writer, contains: [viewer]}
users:
  - {id: alice, roles: [admin]}
`))
	fmt.Println(errors.Is(err, rbac.ErrCycle), errors.Is(err, rbac.ErrNotFound))
	fmt.Println(err)
	// Output:
	// true true
	// policy:3: validate role "viewer": containment cycle viewer → writer → viewer (cycle)
	// policy:6: validate user "alice": role "admin" does not exist (not found)
}

func ExampleSnapshot_OwnersForNew() {
	ctx := context.Background()
	policy, _ := rbac.LoadPolicy(strings.NewReader(`
roles:
  - {id: editor, grants: [places.edit]}
  - {id: gds_editor, contains: [editor], grants: [places.gds_editor]}
users:
  - {id: dee, org: dfe, roles: [editor]}
  - {id: gus, org: gds, roles: [gds_editor]}
ownership:
  - {kind: service, bypass: places.gds_editor}
`))
	store := memstore.New()
	rbac.Import(ctx, store, policy)
	authz, _ := rbac.New(ctx, store)
	defer authz.Close()
	snap := authz.Snapshot()

	fmt.Println(snap.OwnersForNew("dee", "service", nil))
	_, err := snap.OwnersForNew("dee", "service", []rbac.OrgSlug{"hmrc"})
	fmt.Println(errors.Is(err, rbac.ErrForbidden))
	owners, _ := snap.OwnersForNew("gus", "service", []rbac.OrgSlug{"hmrc", "dfe"})
	fmt.Println(rbac.FormatOwners(owners))
	// Output:
	// [dfe] <nil>
	// true
	// hmrc,dfe
}

// A service whose identity provider issues roles checks the claims of a
// verified token as a principal: nothing is looked up in the store, and a
// claim the policy does not know denies.
func ExampleRequest_principal() {
	policy, _ := rbac.LoadPolicy(strings.NewReader(`
account_types:
  - {id: council}
roles:
  - {id: caseworker, grants: [case.read]}
kinds:
  - {name: case}
`))
	store := memstore.New()
	ctx := context.Background()
	rbac.Import(ctx, store, policy)
	authz, _ := rbac.New(ctx, store)
	defer authz.Close()
	snap := authz.Snapshot()

	claims := &rbac.User{ID: "colin", AccountType: "council", Roles: rbac.Roles("caseworker")}
	fmt.Println(snap.Check(rbac.Request{Principal: claims, Permission: "case.read", Resource: &rbac.Resource{Kind: "case", ID: "1"}}))
	fmt.Println(snap.Explain(rbac.Request{Principal: claims, Permission: "case.read", Resource: &rbac.Resource{Kind: "cases", ID: "1"}}))
	claims.Roles = rbac.Roles("casewroker")
	fmt.Println(snap.Explain(rbac.Request{Principal: claims, Permission: "case.read"}))
	// Output:
	// allowed (granted, global)
	// denied (invalid_request): resource kind "cases" is not declared (did you mean "case"?)
	// denied (invalid_request): principal colin: unknown role "casewroker" (did you mean "caseworker"?)
}

// A replica that may be more than five seconds behind its store (it cannot
// reach the database, say) refuses to decide rather than go on honouring
// access that was revoked elsewhere. The refusal is an error wrapping
// ErrUnavailable: deny, and tell the client to come back (HTTP 503).
func ExampleWithMaxLag() {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(examplePolicy))
	if err != nil {
		panic(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		panic(err)
	}
	authz, err := rbac.New(ctx, store, rbac.WithMaxLag(5*time.Second))
	if err != nil {
		panic(err)
	}
	defer authz.Close()

	d, err := authz.Check(ctx, rbac.Request{User: "alice", Permission: "evaluation.read"})
	switch {
	case errors.Is(err, rbac.ErrUnavailable):
		fmt.Println("503: this replica is too far behind:", err)
	case err != nil || !d.Allowed:
		fmt.Println("403")
	default:
		fmt.Printf("allowed; at most %v behind\n", authz.Status().Lag.Round(5*time.Second))
	}
	// Output: allowed; at most 0s behind
}
