package naive_test

import (
	"slices"
	"sort"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/internal/naive"
)

// genPlanRequest draws a list request: a user (now and then unknown or
// given as a principal), a permission (now and then malformed), active
// roles, and the kind with the ownership rule or another.
func genPlanRequest(t *rapid.T, p *rbac.Policy) rbac.PlanRequest {
	req := genRequest(t, p)
	// genRequest draws principals (a token's claims) now and then; "svcs"
	// is a typo of a kind, undeclared when the policy declares kinds.
	if rapid.IntRange(0, 3).Draw(t, "catalogued permission?") > 0 {
		// Mostly names the catalogue knows: an uncatalogued one is a none
		// plan (invalid_request), which genRequest draws often enough.
		req.Permission = rapid.SampledFrom(permPool).Draw(t, "plan permission")
	}
	if req.Principal != nil && rapid.Bool().Draw(t, "keep principal?") {
		req.Principal = nil // fewer principals here, so that the rarer plan shapes still come up
	}
	kind := rapid.SampledFrom([]string{"svc", "svc", "doc"}).Draw(t, "kind")
	if rapid.IntRange(0, 9).Draw(t, "kind typo?") == 0 {
		kind = "svcs"
	}
	return rbac.PlanRequest{User: req.User, Principal: req.Principal, ActiveRoles: req.ActiveRoles, Permission: req.Permission, Kind: kind}
}

// genResource draws a record of the kind, mentioning the users and
// workgroups of the policy and some that do not exist, with owners given
// or (nil) stored.
func genResource(t *rapid.T, p *rbac.Policy, kind string) rbac.Resource {
	r := rbac.Resource{Kind: kind, ID: rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "id"),
		Inactive: rapid.IntRange(0, 3).Draw(t, "inactive") == 0}
	if rapid.Bool().Draw(t, "owners?") {
		r.Owners = []rbac.OrgSlug{}
		for _, o := range []rbac.OrgSlug{"dfe", "hmrc"} {
			if rapid.Bool().Draw(t, "owner") {
				r.Owners = append(r.Owners, o)
			}
		}
	}
	for _, u := range append(p.Users, rbac.User{ID: "ghost"}) {
		if rapid.IntRange(0, 2).Draw(t, "assignee") == 0 {
			r.Assignees = append(r.Assignees, u.ID)
		}
	}
	for _, w := range append(p.Workgroups, rbac.Workgroup{ID: "nowhere"}) {
		if rapid.IntRange(0, 2).Draw(t, "resWG") == 0 {
			r.Workgroups = append(r.Workgroups, w.ID)
		}
	}
	return r
}

// byAccessors decides r from the plan's exported description alone, the
// way a query translator (sqlfilter) reads it; stored owners come from the
// policy, not from the engine.
func byAccessors(p *rbac.Policy, plan rbac.Plan, r rbac.Resource) bool {
	switch plan.Kind() {
	case rbac.PlanNone:
		return false
	case rbac.PlanAll:
		return true
	}
	if r.Inactive && !plan.IncludesInactive() {
		return false
	}
	if !plan.AnyInScope() && !r.Inactive {
		in := false
		if u, ok := plan.Assignee(); ok && slices.Contains(r.Assignees, u) {
			in = true
		}
		wgs := plan.Workgroups()
		for _, w := range r.Workgroups {
			in = in || slices.Contains(wgs, w)
		}
		if !in {
			return false
		}
	} else if !plan.AnyInScope() {
		return false // inactive: only scope all reaches it, and all is AnyInScope
	}
	org, ok := plan.Owner()
	if !ok {
		return true
	}
	owners := r.Owners
	if owners == nil {
		for _, o := range p.Ownerships {
			if o.Kind == r.Kind && o.ID == r.ID {
				owners = o.Owners
			}
		}
	}
	return slices.Contains(owners, org)
}

// TestPlanMatchesCheckAndNaiveModel: on random policies, users, active
// roles and records, a plan admits exactly the records Check allows and
// the naive evaluator allows; its accessors describe the same set; a none
// plan's reason is Check's; and every plan shape is reached.
func TestPlanMatchesCheckAndNaiveModel(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	shapes := map[string]int{}
	want := []string{"none", "none:out_of_scope", "none:not_owner", "all", "filter:active only", "filter:inactive too",
		"filter:any in scope", "filter:assignee", "filter:workgroups", "filter:descendant workgroup", "filter:owner",
		"filter:owner from the record", "filter:owner from stored ownership", "principal"}
	missing := func() []string {
		var out []string
		for _, s := range want {
			if shapes[s] == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	// Every shape must be reached. The rarest come a few times per hundred
	// cases, so the property runs again, with new cases, until they have —
	// at most a few rounds, after which a missing shape is a real failure
	// of the generator.
	for round := 0; round < 4 && len(missing()) > 0 && !t.Failed(); round++ {
		rapid.Check(t, planProperty(shapes))
	}
	if m := missing(); len(m) > 0 && !t.Failed() {
		t.Errorf("no generated plan had shapes %q (seen: %v)", m, shapes)
	}
}

// planProperty is one case of TestPlanMatchesCheckAndNaiveModel; shapes
// counts the plan shapes it reached.
func planProperty(shapes map[string]int) func(*rapid.T) {
	return func(t *rapid.T) {
		p := genPolicy(t)
		a := authorizer(t, p)
		defer a.Close()
		snap := a.Snapshot()
		for i := 0; i < 20; i++ {
			req := genPlanRequest(t, p)
			plan := snap.Plan(req)
			if req.Principal != nil && plan.Kind() != rbac.PlanNone {
				shapes["principal"]++
			}
			countShape(shapes, plan)
			for j := 0; j < 15; j++ {
				r := genResource(t, p, req.Kind)
				creq := rbac.Request{User: req.User, Principal: req.Principal, ActiveRoles: req.ActiveRoles, Permission: req.Permission, Resource: &r}
				check := snap.Check(creq)
				want := naive.Evaluate(p, creq)
				got := plan.Allows(r)
				if got != check.Allowed || got != want.Allowed {
					t.Fatalf("plan %v admits %+v: %v; Check: %v; naive: %v", plan, r, got, check, want)
				}
				if acc := byAccessors(p, plan, r); acc != got {
					t.Fatalf("plan %v: Allows(%+v) = %v but its accessors say %v", plan, r, got, acc)
				}
				if plan.Kind() == rbac.PlanNone {
					switch plan.Reason() {
					case rbac.ReasonOutOfScope, rbac.ReasonNotOwner:
						if check.Reason != rbac.ReasonOutOfScope && check.Reason != rbac.ReasonNotOwner {
							t.Fatalf("plan %v, but Check says %v for %+v", plan, check, r)
						}
					default:
						if check.Reason != plan.Reason() {
							t.Fatalf("plan %v, but Check says %v for %+v", plan, check, r)
						}
					}
				}
				if org, ok := plan.Owner(); ok && check.Allowed {
					if r.Owners == nil {
						shapes["filter:owner from stored ownership"]++
						if !slices.Contains(plan.StoredOwned(), r.ID) {
							t.Fatalf("plan %v admits stored-owned %s, not in StoredOwned %v", plan, r.ID, plan.StoredOwned())
						}
					} else if slices.Contains(r.Owners, org) {
						shapes["filter:owner from the record"]++
					}
				}
				if plan.Kind() == rbac.PlanFilter && check.Allowed && !plan.AnyInScope() {
					for _, w := range r.Workgroups {
						if slices.Contains(plan.Workgroups(), w) && !userHasWorkgroup(p, req.User, w) {
							shapes["filter:descendant workgroup"]++
						}
					}
				}
			}
			// The capability check agrees with the plan being non-empty
			// in reason, when the plan's reason does not depend on records.
			// (A capability check names no kind, so an undeclared kind is
			// left to the records above.)
			undeclared := len(p.Kinds) > 0 && !slices.ContainsFunc(p.Kinds, func(k rbac.Kind) bool { return k.Name == req.Kind })
			if plan.Kind() == rbac.PlanNone && plan.Reason() != rbac.ReasonOutOfScope && plan.Reason() != rbac.ReasonNotOwner && !undeclared {
				cap := snap.Check(rbac.Request{User: req.User, Principal: req.Principal, ActiveRoles: req.ActiveRoles, Permission: req.Permission})
				if cap.Reason != plan.Reason() {
					t.Fatalf("plan %v, capability check %v", plan, cap)
				}
			}
			if ws := plan.Workgroups(); !sort.SliceIsSorted(ws, func(i, j int) bool { return ws[i] < ws[j] }) || len(slices.Compact(slices.Clone(ws))) != len(ws) {
				t.Fatalf("Workgroups() = %v: not sorted or not unique", ws)
			}
		}
	}
}

func userHasWorkgroup(p *rbac.Policy, u rbac.UserID, w rbac.WorkgroupID) bool {
	for _, x := range p.Users {
		if x.ID == u {
			return slices.Contains(x.Workgroups, w)
		}
	}
	return false
}

func countShape(shapes map[string]int, plan rbac.Plan) {
	switch plan.Kind() {
	case rbac.PlanNone:
		shapes["none"]++
		shapes["none:"+string(plan.Reason())]++
		return
	case rbac.PlanAll:
		shapes["all"]++
		return
	}
	if plan.IncludesInactive() {
		shapes["filter:inactive too"]++
	} else {
		shapes["filter:active only"]++
	}
	if plan.AnyInScope() {
		shapes["filter:any in scope"]++
	}
	if _, ok := plan.Assignee(); ok {
		shapes["filter:assignee"]++
	}
	if len(plan.Workgroups()) > 0 {
		shapes["filter:workgroups"]++
	}
	if _, ok := plan.Owner(); ok {
		shapes["filter:owner"]++
	}
}
