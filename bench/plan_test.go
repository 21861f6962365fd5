package bench

import (
	"fmt"
	"testing"

	"github.com/rolegraph/rbac"
)

// Query plans on the scoped 100,000-user shape. A plan is built once per
// list request; its cost is the check path's (user, profile and ownership
// rule lookups), whatever the size of the workgroup forest.

func benchPlan(b *testing.B, req rbac.PlanRequest, want rbac.PlanKind) {
	snap := scopedEngines(b).ours.Snapshot()
	if got := snap.Plan(req); got.Kind() != want {
		b.Fatalf("plan %v, want kind %v", got, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.Plan(req)
	}
}

// BenchmarkPlanWorkgroup: user7's workgroup grant (region7 and its ten
// teams).
func BenchmarkPlanWorkgroup(b *testing.B) {
	benchPlan(b, rbac.PlanRequest{User: "user7", Permission: "evaluation.read", Kind: "evaluation"}, rbac.PlanFilter)
}

// BenchmarkPlanOwnership: services owned by user7's org.
func BenchmarkPlanOwnership(b *testing.B) {
	benchPlan(b, rbac.PlanRequest{User: "user7", Permission: "places.edit", Kind: "service"}, rbac.PlanFilter)
}

// BenchmarkPlanActiveRoles: user8 acting as a suggester (dynamic
// separation of duty resolved at plan time).
func BenchmarkPlanActiveRoles(b *testing.B) {
	benchPlan(b, rbac.PlanRequest{User: "user8", Permission: "cat.suggest", ActiveRoles: []rbac.RoleID{"suggester", "places_editor"}, Kind: "cat"}, rbac.PlanFilter)
}

// BenchmarkList1M filters 1,000,000 in-memory evaluations for user7 (a
// workgroup grant over region7): with one plan, and with Check per record.
// Each op is the whole list; ns/record is per record.
func BenchmarkList1M(b *testing.B) {
	snap := scopedEngines(b).ours.Snapshot()
	records := make([]rbac.Resource, 1_000_000)
	for i := range records {
		records[i] = rbac.Resource{Kind: "evaluation", ID: fmt.Sprint(i), Inactive: i%7 == 0,
			Workgroups: []rbac.WorkgroupID{rbac.WorkgroupID(fmt.Sprintf("team%d", i%1000))}}
	}
	req := rbac.PlanRequest{User: "user7", Permission: "evaluation.read", Kind: "evaluation"}
	var planned int
	b.Run("plan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			plan := snap.Plan(req)
			planned = 0
			for i := range records {
				if plan.Allows(records[i]) {
					planned++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(records)), "ns/record")
	})
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		checked := 0
		for b.Loop() {
			checked = 0
			for i := range records {
				if snap.Check(rbac.Request{User: req.User, Permission: req.Permission, Resource: &records[i]}).Allowed {
					checked++
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(records)), "ns/record")
		if checked != planned || checked == 0 {
			b.Fatalf("Check allows %d records, the plan %d", checked, planned)
		}
	})
}
