package rbac_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

func TestDiffPolicies(t *testing.T) {
	load := func(s string) *rbac.Policy {
		t.Helper()
		p, err := rbac.LoadPolicy(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := load(`
permissions: [{name: case.read}, {name: client.merge, sensitive: admins only}]
roles:
  - {id: reader, grants: [case.read@mine]}
  - {id: admin, contains: [reader], grants: ["client.*"]}
users:
  - {id: alice, roles: [reader]}
  - {id: bob, roles: [admin]}
`)
	after := load(`
permissions: [{name: case.read}, {name: client.merge, sensitive: admins only}]
roles:
  - {id: reader, grants: [case.read@global]}
  - {id: admin, contains: [reader], grants: ["client.*"]}
users:
  - {id: alice, roles: [admin]}
  - {id: bob, roles: [reader]}
`)
	d, err := rbac.DiffPolicies(before, after)
	if err != nil {
		t.Fatal(err)
	}
	sp := func(p string, s rbac.Scope) rbac.ScopedPermission {
		return rbac.ScopedPermission{Permission: rbac.Permission(p), Scope: s}
	}
	want := &rbac.PolicyDiff{
		Impacts: []rbac.UserImpact{
			{User: "alice", Gained: []rbac.ScopedPermission{sp("case.read", rbac.ScopeGlobal), sp("client.*", rbac.ScopeGlobal), sp("client.merge", rbac.ScopeGlobal)}, Lost: []rbac.ScopedPermission{sp("case.read", rbac.ScopeMine)}},
			{User: "bob", Gained: []rbac.ScopedPermission{sp("case.read", rbac.ScopeGlobal)}, Lost: []rbac.ScopedPermission{sp("case.read", rbac.ScopeMine), sp("client.*", rbac.ScopeGlobal), sp("client.merge", rbac.ScopeGlobal)}},
		},
		Roles: []rbac.RoleImpact{
			{User: "alice", Gained: []rbac.RoleID{"admin"}},
			{User: "bob", Lost: []rbac.RoleID{"admin"}},
		},
		Sensitive: []rbac.SensitiveGain{
			{User: "alice", Gained: sp("client.*", rbac.ScopeGlobal), Permission: rbac.PermissionDef{Name: "client.merge", Sensitive: "admins only"}},
			{User: "alice", Gained: sp("client.merge", rbac.ScopeGlobal), Permission: rbac.PermissionDef{Name: "client.merge", Sensitive: "admins only"}},
		},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("DiffPolicies (-want +got):\n%s", diff)
	}
	if _, err := rbac.DiffPolicies(before, &rbac.Policy{Roles: []rbac.Role{{ID: "a", Contains: []rbac.RoleID{"ghost"}}}}); err == nil {
		t.Error("an invalid policy was diffed")
	}
}
