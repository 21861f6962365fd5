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
		Conferrers: []rbac.ConferrerImpact{
			{Conferrer: rbac.Conferrer{Role: "admin"}, Gained: []rbac.ScopedPermission{sp("case.read", rbac.ScopeGlobal)}, Lost: []rbac.ScopedPermission{sp("case.read", rbac.ScopeMine)}},
			{Conferrer: rbac.Conferrer{Role: "reader"}, Gained: []rbac.ScopedPermission{sp("case.read", rbac.ScopeGlobal)}, Lost: []rbac.ScopedPermission{sp("case.read", rbac.ScopeMine)}},
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

// TestDiffPoliciesConferrers: what each role, group and account type
// confers, gained and lost, with no stored user at all (users from
// tokens), and the sensitive gains among them.
func TestDiffPoliciesConferrers(t *testing.T) {
	const base = `
account_types: [{id: staff}, {id: probation, default_roles: [reader]}]
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.view}
  - {name: client.merge, sensitive: admins only, requires: [client.view]}
roles:
  - {id: reader, grants: [case.read@mine]}
  - {id: writer, contains: [reader], grants: [case.write]}
  - {id: viewer, grants: ["client.view@all"]}
groups:
  - {id: team, name: Team, account_type: staff, roles: [writer]}
`
	sp := func(p string, s rbac.Scope) rbac.ScopedPermission {
		return rbac.ScopedPermission{Permission: rbac.Permission(p), Scope: s}
	}
	role := func(id string) rbac.Conferrer { return rbac.Conferrer{Role: rbac.RoleID(id)} }
	group := func(id string) rbac.Conferrer { return rbac.Conferrer{Group: rbac.GroupID(id)} }
	accountType := func(id string) rbac.Conferrer { return rbac.Conferrer{AccountType: rbac.AccountType(id)} }
	type sps = []rbac.ScopedPermission
	merge := rbac.PermissionDef{Name: "client.merge", Sensitive: "admins only", Requires: []rbac.Permission{"client.view"}}
	tests := []struct {
		name, reason  string
		edit          func(string) string
		wantImpacts   []rbac.ConferrerImpact
		wantSensitive []rbac.SensitiveGain
	}{
		{
			name:   "unchanged",
			reason: "the same policy confers the same",
			edit:   func(s string) string { return s },
		},
		{
			name:   "role gains *",
			reason: "a wildcard reaches every catalogued name, a sensitive one included, with nobody stored to hold it",
			edit: func(s string) string {
				return strings.Replace(s, `{id: viewer, grants: ["client.view@all"]}`, `{id: viewer, grants: ["client.view@all", "*"]}`, 1)
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: role("viewer"), Gained: sps{sp("*", rbac.ScopeGlobal), sp("case.read", rbac.ScopeGlobal), sp("case.write", rbac.ScopeGlobal), sp("client.merge", rbac.ScopeGlobal), sp("client.view", rbac.ScopeGlobal)}},
			},
			wantSensitive: []rbac.SensitiveGain{
				{Conferrer: role("viewer"), Gained: sp("*", rbac.ScopeGlobal), Permission: merge},
				{Conferrer: role("viewer"), Gained: sp("client.merge", rbac.ScopeGlobal), Permission: merge},
			},
		},
		{
			name:   "contained role gains",
			reason: "a grant added to a contained role is gained by every role containing it, and by the groups and account types holding them",
			edit: func(s string) string {
				return strings.Replace(s, `{id: reader, grants: [case.read@mine]}`, `{id: reader, grants: [case.read@mine, client.merge@workgroup]}`, 1)
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: role("reader"), Gained: sps{sp("client.merge", rbac.ScopeWorkgroup)}},
				{Conferrer: role("writer"), Gained: sps{sp("client.merge", rbac.ScopeWorkgroup)}},
				{Conferrer: group("team"), Gained: sps{sp("client.merge", rbac.ScopeWorkgroup)}},
				{Conferrer: accountType("probation"), Gained: sps{sp("client.merge", rbac.ScopeWorkgroup)}},
			},
			wantSensitive: []rbac.SensitiveGain{
				{Conferrer: role("reader"), Gained: sp("client.merge", rbac.ScopeWorkgroup), Permission: merge},
				{Conferrer: role("writer"), Gained: sp("client.merge", rbac.ScopeWorkgroup), Permission: merge},
				{Conferrer: group("team"), Gained: sp("client.merge", rbac.ScopeWorkgroup), Permission: merge},
				{Conferrer: accountType("probation"), Gained: sp("client.merge", rbac.ScopeWorkgroup), Permission: merge},
			},
		},
		{
			name:   "group gains a role",
			reason: "a group confers its roles' closure",
			edit: func(s string) string {
				return strings.Replace(s, `roles: [writer]}`, `roles: [writer, viewer]}`, 1)
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: group("team"), Gained: sps{sp("client.view", rbac.ScopeAll)}},
			},
		},
		{
			name:   "account type defaults change",
			reason: "an account type confers its default roles' closure: a new default is gained, a replaced one lost",
			edit: func(s string) string {
				return strings.Replace(s, `default_roles: [reader]}`, `default_roles: [viewer]}`, 1)
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: accountType("probation"), Gained: sps{sp("client.view", rbac.ScopeAll)}, Lost: sps{sp("case.read", rbac.ScopeMine)}},
			},
		},
		{
			name:   "scope narrowed",
			reason: "a grant at another scope is a loss of the old scope and a gain of the new one",
			edit: func(s string) string {
				return strings.Replace(s, `grants: [case.write]}`, `grants: [case.write@mine]}`, 1)
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: role("writer"), Gained: sps{sp("case.write", rbac.ScopeMine)}, Lost: sps{sp("case.write", rbac.ScopeGlobal)}},
				{Conferrer: group("team"), Gained: sps{sp("case.write", rbac.ScopeMine)}, Lost: sps{sp("case.write", rbac.ScopeGlobal)}},
			},
		},
		{
			name:   "role removed",
			reason: "a deleted role (and its place in a group) confers nothing any more",
			edit: func(s string) string {
				s = strings.Replace(s, "  - {id: viewer, grants: [\"client.view@all\"]}\n", "", 1)
				return s
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: role("viewer"), Lost: sps{sp("client.view", rbac.ScopeAll)}},
			},
		},
		{
			name:   "grant widened to a wildcard",
			reason: "a wildcard confers every catalogued name it matches, the sensitive one included",
			edit: func(s string) string {
				s = strings.Replace(s, `{id: viewer, grants: ["client.view@all"]}`, `{id: viewer, grants: ["client.*@all"]}`, 1)
				return s
			},
			wantImpacts: []rbac.ConferrerImpact{
				{Conferrer: role("viewer"), Gained: sps{sp("client.*", rbac.ScopeAll), sp("client.merge", rbac.ScopeAll)}},
			},
			wantSensitive: []rbac.SensitiveGain{
				{Conferrer: role("viewer"), Gained: sp("client.*", rbac.ScopeAll), Permission: merge},
				{Conferrer: role("viewer"), Gained: sp("client.merge", rbac.ScopeAll), Permission: merge},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := rbac.LoadPolicy(strings.NewReader(base))
			if err != nil {
				t.Fatal(err)
			}
			after, err := rbac.LoadPolicy(strings.NewReader(tt.edit(base)))
			if err != nil {
				t.Fatal(err)
			}
			d, err := rbac.DiffPolicies(before, after)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantImpacts, d.Conferrers); diff != "" {
				t.Errorf("%s: Conferrers (-want +got):\n%s", tt.reason, diff)
			}
			if diff := cmp.Diff(tt.wantSensitive, d.Sensitive); diff != "" {
				t.Errorf("%s: Sensitive (-want +got):\n%s", tt.reason, diff)
			}
			if len(d.Impacts) != 0 || len(d.Roles) != 0 {
				t.Errorf("no user is stored, yet users are affected: %+v %+v", d.Impacts, d.Roles)
			}
		})
	}
}
