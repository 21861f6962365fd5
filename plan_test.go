package rbac

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// planView is what a plan says, for table tests.
type planView struct {
	Kind             PlanKind
	Reason           Reason
	IncludesInactive bool
	AnyInScope       bool
	Assignee         UserID
	Workgroups       []WorkgroupID
	Owner            OrgSlug
}

func viewOf(p Plan) planView {
	v := planView{Kind: p.Kind(), Reason: p.Reason(), IncludesInactive: p.IncludesInactive(), AnyInScope: p.AnyInScope(), Workgroups: p.Workgroups()}
	v.Assignee, _ = p.Assignee()
	v.Owner, _ = p.Owner()
	return v
}

func TestPlan(t *testing.T) {
	snap := compileText(t, enginePolicy)
	tests := []struct {
		name string
		req  PlanRequest
		want planView
	}{
		{"mine and workgroup: assigned, or in north and its descendants", PlanRequest{User: "alice", Permission: "evaluation.read", Kind: "evaluation"},
			planView{Kind: PlanFilter, Reason: ReasonGranted, Assignee: "alice", Workgroups: []WorkgroupID{"leeds", "north"}}},
		{"mine only: assigned", PlanRequest{User: "alice", Permission: "evaluation.update", Kind: "evaluation"},
			planView{Kind: PlanFilter, Reason: ReasonGranted, Assignee: "alice"}},
		{"active role narrows to mine", PlanRequest{User: "alice", ActiveRoles: []RoleID{"eval_mine"}, Permission: "evaluation.read", Kind: "evaluation"},
			planView{Kind: PlanFilter, Reason: ReasonGranted, Assignee: "alice"}},
		{"all: every record", PlanRequest{User: "root", Permission: "evaluation.read", Kind: "evaluation"},
			planView{Kind: PlanAll, Reason: ReasonGranted, IncludesInactive: true, AnyInScope: true}},
		{"global and ownership: active records owned by dfe", PlanRequest{User: "bob", Permission: "places.edit", Kind: "service"},
			planView{Kind: PlanFilter, Reason: ReasonGranted, AnyInScope: true, Owner: "dfe"}},
		{"bypass: every active service", PlanRequest{User: "carol", Permission: "places.edit", Kind: "service"},
			planView{Kind: PlanFilter, Reason: ReasonGranted, AnyInScope: true}},
		{"no grant", PlanRequest{User: "bob", Permission: "evaluation.read", Kind: "evaluation"}, planView{Kind: PlanNone, Reason: ReasonNoGrant}},
		{"missing prerequisite", PlanRequest{User: "bob", Permission: "client.merge", Kind: "client"}, planView{Kind: PlanNone, Reason: ReasonMissingPrerequisite}},
		{"dynamic separation of duty", PlanRequest{User: "erin", Permission: "cat.suggest", Kind: "cat"}, planView{Kind: PlanNone, Reason: ReasonSeparationOfDuty}},
		{"role not held", PlanRequest{User: "alice", ActiveRoles: []RoleID{"superuser"}, Permission: "evaluation.read"}, planView{Kind: PlanNone, Reason: ReasonRoleNotHeld}},
		{"disabled", PlanRequest{User: "frank", Permission: "evaluation.read"}, planView{Kind: PlanNone, Reason: ReasonDisabled}},
		{"unknown user", PlanRequest{User: "zed", Permission: "evaluation.read"}, planView{Kind: PlanNone, Reason: ReasonUnknownUser}},
		{"wildcard permission", PlanRequest{User: "root", Permission: "evaluation.*"}, planView{Kind: PlanNone, Reason: ReasonInvalidRequest}},
		{"SQL-looking permission", PlanRequest{User: "root", Permission: "x'; DROP TABLE roles;--"}, planView{Kind: PlanNone, Reason: ReasonInvalidRequest}},
		{"principals are not supported yet: denied", PlanRequest{User: "root", Principal: &User{ID: "root", Roles: []RoleID{"superuser"}}, Permission: "evaluation.read"},
			planView{Kind: PlanNone, Reason: ReasonInvalidRequest}},
		{"no org and no bypass: nothing owned", PlanRequest{User: "root", ActiveRoles: []RoleID{"places_editor_only"}, Permission: "places.edit", Kind: "service"},
			planView{Kind: PlanNone, Reason: ReasonRoleNotHeld}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, viewOf(snap.Plan(tt.req))); diff != "" {
				t.Errorf("Plan(%+v) (-want +got):\n%s", tt.req, diff)
			}
		})
	}
}

func TestPlanNoneReasonsThatDependOnRecords(t *testing.T) {
	snap := compileText(t, `
roles:
  - {id: team, grants: [case.read@workgroup]}
  - {id: editor, grants: [service.edit]}
workgroups: [{id: north, name: North}]
users:
  - {id: loner, roles: [team]}
  - {id: orgless, roles: [editor]}
ownership: [{kind: service, bypass: service.admin}]
`)
	if got := viewOf(snap.Plan(PlanRequest{User: "loner", Permission: "case.read", Kind: "case"})); got.Kind != PlanNone || got.Reason != ReasonOutOfScope {
		t.Errorf("workgroup scope without workgroups: %+v, want none (out_of_scope)", got)
	}
	if got := viewOf(snap.Plan(PlanRequest{User: "orgless", Permission: "service.edit", Kind: "service"})); got.Kind != PlanNone || got.Reason != ReasonNotOwner {
		t.Errorf("ownership without an org: %+v, want none (not_owner)", got)
	}
}

func TestPlanAllowsAgreesWithCheck(t *testing.T) {
	snap := compileText(t, enginePolicy)
	records := []Resource{
		{Kind: "evaluation", ID: "1", Assignees: []UserID{"alice"}},
		{Kind: "evaluation", ID: "2", Workgroups: []WorkgroupID{"leeds"}},
		{Kind: "evaluation", ID: "3", Workgroups: []WorkgroupID{"south"}},
		{Kind: "evaluation", ID: "4", Workgroups: []WorkgroupID{"leeds"}, Inactive: true},
		{Kind: "service", ID: "42"},
		{Kind: "service", ID: "43", Owners: []OrgSlug{"dfe"}},
		{Kind: "service", ID: "44", Owners: []OrgSlug{"hmrc"}, Inactive: true},
	}
	for _, u := range []UserID{"alice", "bob", "carol", "root", "dan"} {
		for _, perm := range []Permission{"evaluation.read", "evaluation.update", "places.edit"} {
			for _, kind := range []string{"evaluation", "service"} {
				plan := snap.Plan(PlanRequest{User: u, Permission: perm, Kind: kind})
				for _, r := range records {
					want := r.Kind == kind && snap.Check(Request{User: u, Permission: perm, Resource: &r}).Allowed
					if got := plan.Allows(r); got != want {
						t.Errorf("%s %s %s: plan %v Allows(%+v) = %v, Check says %v", u, perm, kind, plan, r, got, want)
					}
				}
			}
		}
	}
}

func TestPlanAllowsDoesNotAllocate(t *testing.T) {
	snap := compileText(t, enginePolicy)
	plan := snap.Plan(PlanRequest{User: "alice", Permission: "evaluation.read", Kind: "evaluation"})
	r := Resource{Kind: "evaluation", ID: "1", Workgroups: []WorkgroupID{"south", "leeds"}}
	if n := testing.AllocsPerRun(100, func() { plan.Allows(r) }); n != 0 {
		t.Errorf("Allows allocates %v times", n)
	}
	req := PlanRequest{User: "alice", ActiveRoles: []RoleID{"eval_mine"}, Permission: "evaluation.read", Kind: "evaluation"}
	if n := testing.AllocsPerRun(100, func() { snap.Plan(req) }); n != 0 {
		t.Errorf("Plan allocates %v times", n)
	}
}

func TestPermissionsOn(t *testing.T) {
	snap := compileText(t, enginePolicy)
	buttons := []Permission{"evaluation.read", "evaluation.update", "places.edit", "client.add"}
	tests := []struct {
		name string
		req  Request
		want []Permission
	}{
		{"assigned: read and update", Request{User: "alice", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}}}, []Permission{"evaluation.read", "evaluation.update"}},
		{"team record: read only", Request{User: "alice", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}}}, []Permission{"evaluation.read"}},
		{"inactive: nothing", Request{User: "alice", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}, Inactive: true}}, nil},
		{"capability (no record)", Request{User: "bob"}, []Permission{"places.edit", "client.add"}},
		{"unknown user", Request{User: "zed"}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, snap.PermissionsOn(tt.req, buttons)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	req := Request{User: "alice", Resource: &Resource{Kind: "evaluation", Assignees: []UserID{"alice"}}}
	dst := make([]Permission, 0, len(buttons))
	if n := testing.AllocsPerRun(100, func() { dst = snap.AppendPermissionsOn(dst[:0], req, buttons) }); n != 0 {
		t.Errorf("AppendPermissionsOn into a slice with room allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { snap.PermissionsOn(req, buttons) }); n != 1 {
		t.Errorf("PermissionsOn allocates %v times, want 1 (the result)", n)
	}
}

// TestPlanWorkgroupsOfALargeForest: a user at the root of 10,000
// workgroups covers them all; the plan is built without expanding them.
func TestPlanWorkgroupsOfALargeForest(t *testing.T) {
	if testing.Short() {
		t.Skip("a large forest: run without -short")
	}
	text := "roles: [{id: team, grants: [case.read@workgroup]}]\nworkgroups:\n  - {id: root, name: root}\n"
	for i := 0; i < 10000; i++ {
		parent := "root"
		if i >= 100 {
			parent = fmt.Sprintf("w%d", i/100-1)
		}
		text += fmt.Sprintf("  - {id: w%d, name: w%d, parent: %s}\n", i, i, parent)
	}
	text += "  - {id: elsewhere, name: elsewhere}\nusers: [{id: boss, roles: [team], workgroups: [root, w5]}]\n"
	snap := compileText(t, text)
	plan := snap.Plan(PlanRequest{User: "boss", Permission: "case.read", Kind: "case"})
	if got := len(plan.Workgroups()); got != 10001 {
		t.Errorf("Workgroups() has %d entries, want 10001 (root and every descendant, once)", got)
	}
	if !plan.Allows(Resource{Kind: "case", Workgroups: []WorkgroupID{"w9999"}}) || plan.Allows(Resource{Kind: "case", Workgroups: []WorkgroupID{"elsewhere"}}) {
		t.Error("Allows disagrees with the forest")
	}
}

func BenchmarkPlan(b *testing.B) {
	snap := compileText(b, enginePolicy)
	req := PlanRequest{User: "alice", Permission: "evaluation.read", Kind: "evaluation"}
	b.ReportAllocs()
	for b.Loop() {
		snap.Plan(req)
	}
}

func BenchmarkPlanAllows(b *testing.B) {
	snap := compileText(b, enginePolicy)
	plan := snap.Plan(PlanRequest{User: "alice", Permission: "evaluation.read", Kind: "evaluation"})
	r := Resource{Kind: "evaluation", ID: "1", Workgroups: []WorkgroupID{"south", "leeds"}}
	b.ReportAllocs()
	for b.Loop() {
		plan.Allows(r)
	}
}
