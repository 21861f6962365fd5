package rbac_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// reachPolicy has no users: what confers a permission is all a review of
// a service whose users come from tokens can see.
const reachPolicy = `
account_types: [{id: staff, default_roles: [clerk]}, {id: partner}]
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.view}
  - {name: client.merge, sensitive: administrators only, requires: [client.view]}
roles:
  - {id: clerk, grants: [case.read@mine]}
  - {id: lead, contains: [clerk], grants: [case.read@workgroup, case.write]}
  - {id: admin, grants: ["*@all"]}
  - {id: clients, grants: ["client.*"]}
  - {id: partner_only, account_types: [partner], grants: [case.write@mine]}
groups:
  - {id: desk, name: Desk, account_type: staff, roles: [lead]}
  - {id: ops, name: Ops, roles: [admin, clients]}
`

func TestReach(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader(reachPolicy))
	if err != nil {
		t.Fatal(err)
	}
	snap := mustSnapshot(t, p)
	role := func(id string) rbac.Conferrer { return rbac.Conferrer{Role: rbac.RoleID(id)} }
	group := func(id string) rbac.Conferrer { return rbac.Conferrer{Group: rbac.GroupID(id)} }
	accountType := func(id string) rbac.Conferrer { return rbac.Conferrer{AccountType: rbac.AccountType(id)} }
	grant := func(s string) rbac.Grant { return mustGrant(t, s) }
	tests := []struct {
		permission rbac.Permission
		reason     string
		want       []rbac.Reach
	}{
		{
			permission: "case.read",
			reason:     "a direct grant, a wildcard, a contained role, a group's role and an account type's default role each count, once per route",
			want: []rbac.Reach{
				{Conferrer: role("admin"), Grant: grant("*@all"), Scope: rbac.ScopeAll},
				{Conferrer: role("clerk"), Grant: grant("case.read@mine"), Scope: rbac.ScopeMine},
				{Conferrer: role("lead"), Grant: grant("case.read@workgroup"), Scope: rbac.ScopeWorkgroup},
				{Conferrer: role("lead"), Via: "clerk", Scope: rbac.ScopeMine},
				{Conferrer: group("desk"), Via: "lead", Scope: rbac.ScopeWorkgroup},
				{Conferrer: group("ops"), Via: "admin", Scope: rbac.ScopeAll},
				{Conferrer: accountType("staff"), Via: "clerk", Scope: rbac.ScopeMine},
			},
		},
		{
			permission: "client.merge",
			reason:     "a wildcard reaches a permission whose prerequisite the role lacks: reach is what roles grant, not what a holder may exercise",
			want: []rbac.Reach{
				{Conferrer: role("admin"), Grant: grant("*@all"), Scope: rbac.ScopeAll},
				{Conferrer: role("clients"), Grant: grant("client.*@global"), Scope: rbac.ScopeGlobal},
				{Conferrer: group("ops"), Via: "admin", Scope: rbac.ScopeAll},
				{Conferrer: group("ops"), Via: "clients", Scope: rbac.ScopeGlobal},
			},
		},
		{
			permission: "case.write",
			reason:     "a role closed to every type but partner is listed as a role, and no group of another type confers it",
			want: []rbac.Reach{
				{Conferrer: role("admin"), Grant: grant("*@all"), Scope: rbac.ScopeAll},
				{Conferrer: role("lead"), Grant: grant("case.write@global"), Scope: rbac.ScopeGlobal},
				{Conferrer: role("partner_only"), Grant: grant("case.write@mine"), Scope: rbac.ScopeMine},
				{Conferrer: group("desk"), Via: "lead", Scope: rbac.ScopeGlobal},
				{Conferrer: group("ops"), Via: "admin", Scope: rbac.ScopeAll},
			},
		},
		{
			permission: "case.delete",
			reason:     "a name outside the catalogue is reached by nothing, not even *",
		},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, snap.Reach(tt.permission)); diff != "" {
			t.Errorf("Reach(%s): %s (-want +got):\n%s", tt.permission, tt.reason, diff)
		}
	}
	// The access review lists the same routes, with no stored holder.
	review := snap.AccessReview()
	if len(review) != 1 || review[0].Permission.Name != "client.merge" || review[0].Holders != nil {
		t.Fatalf("AccessReview: %+v", review)
	}
	if diff := cmp.Diff(tests[1].want, review[0].Reach); diff != "" {
		t.Errorf("AccessReview's Reach (-want +got):\n%s", diff)
	}
	// Reach is RolesWith, GroupsWith and AccountTypesWith in turn.
	got := append(append(snap.RolesWith("case.read"), snap.GroupsWith("case.read")...), snap.AccountTypesWith("case.read")...)
	if diff := cmp.Diff(tests[0].want, got); diff != "" {
		t.Errorf("RolesWith+GroupsWith+AccountTypesWith (-want +got):\n%s", diff)
	}
	if got := []string{tests[0].want[3].String(), tests[0].want[4].String(), tests[0].want[6].String(), tests[0].want[0].String()}; !cmp.Equal(got, []string{
		"role lead: contains clerk (mine)", "group desk: role lead (workgroup)", "account type staff: default role clerk (mine)", "role admin: grant *@all",
	}) {
		t.Errorf("Reach.String: %q", got)
	}
}

func TestSnapshotPermission(t *testing.T) {
	withCatalogue, err := rbac.LoadPolicy(strings.NewReader(reachPolicy))
	if err != nil {
		t.Fatal(err)
	}
	free, err := rbac.LoadPolicy(strings.NewReader(`
roles:
  - {id: clerk, grants: [case.read, "client.*"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		policy     *rbac.Policy
		permission rbac.Permission
		reason     string
		want       rbac.PermissionDef
		wantErr    error
		wantMsg    string
	}{
		{"catalogued", withCatalogue, "client.merge", "a catalogued name gives its entry", rbac.PermissionDef{Name: "client.merge", Sensitive: "administrators only", Requires: []rbac.Permission{"client.view"}}, nil, ""},
		{"built in", withCatalogue, "rbac.roles.manage", "built-in permissions need no catalogue entry", rbac.PermissionDef{Name: "rbac.roles.manage"}, nil, ""},
		{"typo", withCatalogue, "case.raed", "a name outside the catalogue is unknown, with the nearest name", rbac.PermissionDef{}, rbac.ErrNotFound, `lookup permission "case.raed": not in the catalogue (did you mean "case.read"?) (not found)`},
		{"far", withCatalogue, "zzzzzzzz", "no suggestion when nothing is near", rbac.PermissionDef{}, rbac.ErrNotFound, `lookup permission "zzzzzzzz": not in the catalogue (not found)`},
		{"wildcard", withCatalogue, "case.*", "a checked permission is never a wildcard", rbac.PermissionDef{}, rbac.ErrInvalid, ""},
		{"free granted", free, "case.read", "without a catalogue a granted name is known", rbac.PermissionDef{Name: "case.read"}, nil, ""},
		{"free by wildcard", free, "client.merge", "without a catalogue a name a wildcard grant matches is known", rbac.PermissionDef{Name: "client.merge"}, nil, ""},
		{"free typo", free, "case.reed", "without a catalogue a name no role grants is unknown", rbac.PermissionDef{}, rbac.ErrNotFound, `lookup permission "case.reed": granted by no role (the policy has no catalogue) (did you mean "case.read"?) (not found)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustSnapshot(t, tt.policy).Permission(tt.permission)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("%s: error %v, want %v", tt.reason, err, tt.wantErr)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("%s: error\n%s\nwant\n%s", tt.reason, err, tt.wantMsg)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}

// mustGrant parses a grant a test writes as text.
func mustGrant(t testing.TB, s string) rbac.Grant {
	t.Helper()
	g, err := rbac.ParseGrant(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustSnapshot(t *testing.T, p *rbac.Policy) *rbac.Snapshot {
	t.Helper()
	s, err := snapshotOf(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
