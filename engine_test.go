package rbac

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// enginePolicy is a small policy drawn from the seeds: nVIRO scopes and
// workgroups, HMPPS account types and role switching, places-manager
// ownership, One IYSS prerequisites and section wildcards.
const enginePolicy = `
account_types:
  - {id: internal, title: Internal Agency User}
  - {id: delius, title: Probation, default_roles: [probation]}
  - {id: external, title: External user}
permissions:
  - {name: evaluation.read}
  - {name: evaluation.update}
  - {name: client.add}
  - {name: client.merge, sensitive: admins only, requires: [yj.case.view]}
  - {name: yj.case.view}
  - {name: places.edit}
  - {name: places.gds_editor}
  - {name: probation.view}
  - {name: cat.suggest}
  - {name: cat.approve}
roles:
  - {id: eval_mine, grants: [evaluation.read@mine, evaluation.update@mine]}
  - {id: eval_workgroup, account_types: [internal], grants: [evaluation.read@workgroup]}
  - {id: eval_global, contains: [eval_workgroup], account_types: [internal], grants: [evaluation.read@global]}
  - {id: eval_admin, contains: [eval_global], account_types: [internal], grants: [evaluation.read@all]}
  - {id: client_section, grants: ["client.*"]}
  - {id: yj, grants: [yj.case.view]}
  - {id: places_editor, grants: [places.edit]}
  - {id: gds_editor, contains: [places_editor], grants: [places.gds_editor]}
  - {id: probation, account_types: [delius], grants: [probation.view]}
  - {id: suggester, grants: [cat.suggest]}
  - {id: approver, grants: [cat.approve]}
  - {id: superuser, grants: ["*@all"]}
groups:
  - {id: permitting, name: Permitting, account_type: internal, roles: [eval_workgroup]}
workgroups:
  - {id: north, name: North}
  - {id: leeds, name: Leeds, parent: north}
  - {id: south, name: South}
users:
  - {id: alice, account_type: internal, org: defra, groups: [permitting], roles: [eval_mine], workgroups: [north]}
  - {id: bob, account_type: internal, org: dfe, roles: [client_section, places_editor]}
  - {id: carol, account_type: internal, org: gds, roles: [gds_editor, client_section, yj]}
  - {id: dan, account_type: delius}
  - {id: erin, account_type: internal, roles: [suggester, approver]}
  - {id: frank, account_type: internal, disabled: true, roles: [superuser]}
  - {id: root, account_type: internal, roles: [superuser]}
constraints:
  - {name: suggest-vs-approve, dynamic: true, max: 1, roles: [suggester, approver]}
ownership:
  - {kind: service, bypass: places.gds_editor}
owners:
  - {kind: service, id: "42", owners: [dfe, hmrc]}
`

func compileText(t testing.TB, text string) *Snapshot {
	t.Helper()
	p, err := DecodePolicy(strings.NewReader(text), "engine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, snap, err := compileFull(stateOf(p, 1))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestEngineDecisions(t *testing.T) {
	snap := compileText(t, enginePolicy)
	eval := func(wg ...WorkgroupID) *Resource {
		return &Resource{Kind: "evaluation", ID: "e1", Workgroups: wg}
	}
	tests := []struct {
		reason string
		req    Request
		want   Decision
	}{
		{"workgroup grant covers a descendant workgroup", Request{User: "alice", Permission: "evaluation.read", Resource: eval("leeds")},
			Decision{Allowed: true, Scope: ScopeWorkgroup, Reason: ReasonGranted}},
		{"workgroup grant does not reach another tree", Request{User: "alice", Permission: "evaluation.read", Resource: eval("south")},
			Decision{Reason: ReasonOutOfScope}},
		{"mine covers an assigned record", Request{User: "alice", Permission: "evaluation.update", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}}},
			Decision{Allowed: true, Scope: ScopeMine, Reason: ReasonGranted}},
		{"mine does not cover an inactive record", Request{User: "alice", Permission: "evaluation.update", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}, Inactive: true}},
			Decision{Reason: ReasonOutOfScope}},
		{"capability check reports the widest scope", Request{User: "alice", Permission: "evaluation.read"},
			Decision{Allowed: true, Scope: ScopeWorkgroup, Reason: ReasonGranted}},
		{"section wildcard", Request{User: "bob", Permission: "client.add"},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"with a catalogue, an uncatalogued name is invalid, even under a wildcard", Request{User: "bob", Permission: "client.anything.else"},
			Decision{Reason: ReasonInvalidRequest}},
		{"prerequisite missing", Request{User: "bob", Permission: "client.merge"},
			Decision{Reason: ReasonMissingPrerequisite}},
		{"prerequisite held", Request{User: "carol", Permission: "client.merge"},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"owner by org", Request{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"not an owner", Request{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "7", Owners: []OrgSlug{"hmrc"}}},
			Decision{Reason: ReasonNotOwner}},
		{"no owners: only bypass", Request{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "unowned"}},
			Decision{Reason: ReasonNotOwner}},
		{"bypass", Request{User: "carol", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "7", Owners: []OrgSlug{"hmrc"}}},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"account type default role", Request{User: "dan", Permission: "probation.view"},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"dynamic SoD with every role active", Request{User: "erin", Permission: "cat.suggest"},
			Decision{Reason: ReasonSeparationOfDuty}},
		{"dynamic SoD satisfied by choosing one role", Request{User: "erin", ActiveRoles: []RoleID{"suggester"}, Permission: "cat.suggest"},
			Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}},
		{"the other role is not active", Request{User: "erin", ActiveRoles: []RoleID{"suggester"}, Permission: "cat.approve"},
			Decision{Reason: ReasonNoGrant}},
		{"both active", Request{User: "erin", ActiveRoles: []RoleID{"suggester", "approver"}, Permission: "cat.approve"},
			Decision{Reason: ReasonSeparationOfDuty}},
		{"active role not held", Request{User: "alice", ActiveRoles: []RoleID{"superuser"}, Permission: "evaluation.read"},
			Decision{Reason: ReasonRoleNotHeld}},
		{"unknown active role", Request{User: "alice", ActiveRoles: []RoleID{"nope"}, Permission: "evaluation.read"},
			Decision{Reason: ReasonRoleNotHeld}},
		{"active role closes over containment", Request{User: "root", ActiveRoles: []RoleID{"superuser"}, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "x"}},
			Decision{Allowed: true, Scope: ScopeAll, Reason: ReasonGranted}},
		{"disabled", Request{User: "frank", Permission: "evaluation.read"}, Decision{Reason: ReasonDisabled}},
		{"unknown user", Request{User: "zed", Permission: "evaluation.read"}, Decision{Reason: ReasonUnknownUser}},
		{"wildcard permission is invalid", Request{User: "root", Permission: "client.*"}, Decision{Reason: ReasonInvalidRequest}},
		{"empty permission is invalid", Request{User: "root"}, Decision{Reason: ReasonInvalidRequest}},
		{"SQL-looking permission is invalid", Request{User: "root", Permission: "x'; DROP TABLE roles;--"}, Decision{Reason: ReasonInvalidRequest}},
		{"superuser reaches inactive records", Request{User: "root", Permission: "evaluation.read", Resource: &Resource{Inactive: true}},
			Decision{Allowed: true, Scope: ScopeAll, Reason: ReasonGranted}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, snap.Check(tt.req)); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
			ex := snap.Explain(tt.req)
			if ex.Allowed != tt.want.Allowed || ex.Reason != tt.want.Reason || ex.Scope != tt.want.Scope {
				t.Errorf("Explain disagrees with Check: %v", ex)
			}
			if len(ex.Path) == 0 {
				t.Errorf("Explain gave no path: %v", ex)
			}
		})
	}
}

func TestExplainRoutes(t *testing.T) {
	snap := compileText(t, enginePolicy)
	tests := []struct {
		reason string
		req    Request
		want   string
	}{
		{"group and containment route", Request{User: "alice", Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}}},
			"allowed (granted, workgroup): user alice → group permitting → role eval_workgroup → grant evaluation.read@workgroup → workgroup north (resource in leeds, under north)"},
		{"nearest miss on mine", Request{User: "alice", Permission: "evaluation.update", Resource: &Resource{Kind: "evaluation"}},
			"denied (out_of_scope): user alice → role eval_mine → grant evaluation.update@mine: holds evaluation.update@mine, resource not assigned to alice"},
		{"default role", Request{User: "dan", Permission: "probation.view"},
			"allowed (granted, global): user dan → account_type delius (default role) → role probation → grant probation.view@global"},
		{"owner", Request{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
			"allowed (granted, global): user bob → role places_editor → grant places.edit@global → owner dfe (owners [dfe, hmrc])"},
		{"bypass through containment", Request{User: "carol", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
			"allowed (granted, global): user carol → role gds_editor → role places_editor → grant places.edit@global → bypass places.gds_editor"},
		{"not owner", Request{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "9", Owners: []OrgSlug{"hmrc"}}},
			`denied (not_owner): user bob → role places_editor → grant places.edit@global: service "9" is owned by [hmrc]; bob's org is dfe and the active roles lack the bypass places.gds_editor`},
		{"prerequisite", Request{User: "bob", Permission: "client.merge"},
			"denied (missing_prerequisite): user bob → role client_section → grant client.*@global (matches client.merge): client.merge requires yj.case.view, which bob does not hold"},
		{"separation of duty", Request{User: "erin", Permission: "cat.approve"},
			"denied (separation_of_duty): user erin → constraint suggest-vs-approve: roles suggester, approver are active at once; at most 1 may be"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, snap.Explain(tt.req).String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
		}
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	snap := compileText(t, enginePolicy)
	reqs := []Request{
		{User: "alice", Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}}},
		{User: "alice", Permission: "evaluation.update", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}}},
		{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
		{User: "bob", Permission: "client.anything.else"},
		{User: "erin", ActiveRoles: []RoleID{"suggester"}, Permission: "cat.suggest"},
		{User: "root", ActiveRoles: []RoleID{"superuser"}, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "x"}},
		{User: "zed", Permission: "evaluation.read"},
		{User: "bob", Permission: "client.merge"},
	}
	for _, req := range reqs {
		if n := testing.AllocsPerRun(200, func() { snap.Check(req) }); n != 0 {
			t.Errorf("Check(%+v) allocates %v times", req, n)
		}
	}
}

func TestDeepChainAndDiamondCompile(t *testing.T) {
	var b strings.Builder
	b.WriteString("roles:\n  - {id: r0, grants: [top.perm]}\n")
	const depth = 10000
	for i := 1; i < depth; i++ {
		b.WriteString("  - {id: r" + strconv.Itoa(i) + ", contains: [r" + strconv.Itoa(i-1) + "]}\n")
	}
	b.WriteString("users:\n  - {id: u, roles: [r" + strconv.Itoa(depth-1) + "]}\n")
	snap := compileText(t, b.String())
	if d := snap.Check(Request{User: "u", Permission: "top.perm"}); !d.Allowed {
		t.Fatalf("10,000-deep chain: %v", d)
	}
	if d := snap.Explain(Request{User: "u", Permission: "top.perm"}); len(d.Path) != depth+2 {
		t.Fatalf("path has %d steps, want %d", len(d.Path), depth+2)
	}
}

func BenchmarkSnapshotCheckSmall(b *testing.B) {
	snap := compileText(b, enginePolicy)
	reqs := map[string]Request{
		"capability": {User: "bob", Permission: "client.add"},
		"workgroup":  {User: "alice", Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}}},
		"ownership":  {User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
		"active":     {User: "erin", ActiveRoles: []RoleID{"suggester"}, Permission: "cat.suggest"},
		"denied":     {User: "alice", Permission: "places.edit"},
	}
	for _, name := range sortedKeys(reqs) {
		req := reqs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				snap.Check(req)
			}
		})
	}
}

// largeState is Casbin's large RBAC shape: 100,000 users, 10,000 roles,
// each role granting read on its own data object.
func largeState() *state {
	st := newEmptyState()
	for i := 0; i < 10000; i++ {
		id := RoleID("group" + strconv.Itoa(i))
		st.roles[id] = Role{ID: id, Grants: []Grant{{Permission: Permission("data" + strconv.Itoa(i) + ".read"), Scope: ScopeGlobal}}}
	}
	for i := 0; i < 100000; i++ {
		id := UserID("user" + strconv.Itoa(i))
		st.users[id] = &User{ID: id, Roles: []RoleID{RoleID("group" + strconv.Itoa(i/10))}}
	}
	return st
}

func BenchmarkCompileLarge(b *testing.B) {
	st := largeState()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := compileFull(st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSnapshotCheckLarge(b *testing.B) {
	_, snap, err := compileFull(largeState())
	if err != nil {
		b.Fatal(err)
	}
	allowed := Request{User: "user99999", Permission: "data9999.read"}
	denied := Request{User: "user99999", Permission: "data1.read"}
	if !snap.Check(allowed).Allowed || snap.Check(denied).Allowed {
		b.Fatal("wrong decisions on the large shape")
	}
	for name, req := range map[string]Request{"allowed": allowed, "denied": denied} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				snap.Check(req)
			}
		})
	}
}

func BenchmarkIncrementalUserChange(b *testing.B) {
	st := largeState()
	comp, snap, err := compileFull(st)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := UserID("user" + strconv.Itoa(i%100000))
		u := *st.users[id] // stored users are immutable: change a copy
		u.Roles = []RoleID{RoleID("group" + strconv.Itoa(i%10000))}
		st.users[id] = &u
		next, ok := comp.compileIncremental(st, snap, []Change{PutUser(u)})
		if !ok {
			b.Fatal("not incremental")
		}
		snap = next
		i++
	}
}

func TestExplainInactiveUnderWorkgroup(t *testing.T) {
	snap := compileText(t, enginePolicy)
	got := snap.Explain(Request{User: "alice", Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}, Inactive: true}}).String()
	want := "denied (out_of_scope): user alice → group permitting → role eval_workgroup → grant evaluation.read@workgroup: holds evaluation.read@workgroup, resource is inactive; holds evaluation.read@mine, resource is inactive"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
