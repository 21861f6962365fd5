package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/mikespook/gorbac/v2"

	"github.com/rolegraph/rbac"
)

// built caches shapes and their engines across benchmark runs (-count),
// since building the large ones takes seconds.
var built sync.Map // name → *engines

type engines struct {
	shape  *shape
	ours   *rbac.Authorizer
	casbin *casbin.Enforcer
	cached *casbin.CachedEnforcer
	gorbac *gorbac.RBAC
	cedar  []*cedarEngine // both encodings; none where they cannot express the shape
}

func enginesFor(b *testing.B, name string, make func() *shape, peers bool) *engines {
	if e, ok := built.Load(name); ok {
		return e.(*engines)
	}
	s := make()
	e := &engines{shape: s}
	ctx := context.Background()
	store := newStore(b, s)
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		b.Fatal(err)
	}
	e.ours = a
	if peers {
		e.casbin = s.casbin(b)
		e.cached = s.casbinCached(b)
		e.gorbac = s.gorbac(b)
	}
	e.cedar = cedarFor(b, s.policy())
	built.Store(name, e)
	return e
}

// request is one question and its right answer.
type request struct {
	user, perm string
	want       bool
}

// benchShape runs one sub-benchmark per library. Each first checks the
// library's answer: a wrong answer is reported (metric wrong=1 and a log
// line), not hidden, and the benchmark still runs.
func benchShape(b *testing.B, e *engines, q request, req rbac.Request) {
	if req.User == "" {
		req = rbac.Request{User: rbac.UserID(q.user), Permission: rbac.Permission(q.perm)}
	}
	snap := e.ours.Snapshot()
	b.Run("rolegraph", func(b *testing.B) {
		if got := snap.Check(req).Allowed; got != q.want {
			b.Fatalf("rolegraph answered %v, want %v: %v", got, q.want, snap.Explain(req))
		}
		b.ReportAllocs()
		cpu := startThreadCPU()
		for b.Loop() {
			snap.Check(req)
		}
		cpu.report(b)
	})
	b.Run("rolegraph-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			// Each goroutine checks its own copy of the request, so that
			// no cache line it reads is shared with anything another core
			// writes (the request escapes to the heap, where it may sit
			// beside the benchmark's bookkeeping).
			req, snap := req, snap
			for pb.Next() {
				snap.Check(req)
			}
		})
	})
	defer benchCedar(b, e, q) // last, and also where Casbin and gorbac are absent
	if e.casbin == nil {
		return
	}
	obj, act := splitPerm(q.perm)
	b.Run("casbin", func(b *testing.B) {
		got, err := e.casbin.Enforce(q.user, obj, act)
		b.ReportAllocs()
		for b.Loop() {
			e.casbin.Enforce(q.user, obj, act)
		}
		reportAnswer(b, "casbin", got, err, q.want)
	})
	b.Run("casbin-cached", func(b *testing.B) {
		got, err := e.cached.Enforce(q.user, obj, act)
		b.ReportAllocs()
		for b.Loop() {
			e.cached.Enforce(q.user, obj, act)
		}
		reportAnswer(b, "casbin-cached", got, err, q.want)
	})
	perm := gorbac.NewStdPermission(q.perm)
	b.Run("gorbac", func(b *testing.B) {
		got := e.gorbac.IsGranted(q.user, perm, nil)
		b.ReportAllocs()
		for b.Loop() {
			e.gorbac.IsGranted(q.user, perm, nil)
		}
		reportAnswer(b, "gorbac", got, nil, q.want)
	})
}

// reportAnswer must run after the loop: b.Loop resets the timer, which
// drops metrics reported before it.
func reportAnswer(b *testing.B, lib string, got bool, err error, want bool) {
	wrong := 0.0
	if err != nil || got != want {
		wrong = 1
		b.Logf("FINDING: %s answered %v (error %v), want %v", lib, got, err, want)
	}
	b.ReportMetric(wrong, "wrong")
}

func BenchmarkRBACSmallAllowed(b *testing.B) {
	benchShape(b, enginesFor(b, "small", func() *shape { return rbacShape(100, 1000) }, true), request{"user501", "data5.read", true}, rbac.Request{})
}

func BenchmarkRBACSmallDenied(b *testing.B) {
	benchShape(b, enginesFor(b, "small", func() *shape { return rbacShape(100, 1000) }, true), request{"user501", "data9.read", false}, rbac.Request{})
}

func BenchmarkRBACMediumAllowed(b *testing.B) {
	benchShape(b, enginesFor(b, "medium", func() *shape { return rbacShape(1000, 10000) }, true), request{"user5001", "data50.read", true}, rbac.Request{})
}

func BenchmarkRBACMediumDenied(b *testing.B) {
	benchShape(b, enginesFor(b, "medium", func() *shape { return rbacShape(1000, 10000) }, true), request{"user5001", "data150.read", false}, rbac.Request{})
}

func BenchmarkRBACLargeAllowed(b *testing.B) {
	benchShape(b, enginesFor(b, "large", func() *shape { return rbacShape(10000, 100000) }, true), request{"user50001", "data500.read", true}, rbac.Request{})
}

func BenchmarkRBACLargeDenied(b *testing.B) {
	benchShape(b, enginesFor(b, "large", func() *shape { return rbacShape(10000, 100000) }, true), request{"user50001", "data1500.read", false}, rbac.Request{})
}

func BenchmarkChain20(b *testing.B) {
	benchShape(b, enginesFor(b, "chain20", func() *shape { return chainShape(20) }, true), request{"user", "data.read", true}, rbac.Request{})
}

func BenchmarkChain1000(b *testing.B) {
	benchShape(b, enginesFor(b, "chain1000", func() *shape { return chainShape(1000) }, true), request{"user", "data.read", true}, rbac.Request{})
}

func BenchmarkDiamond40(b *testing.B) {
	benchShape(b, enginesFor(b, "diamond40", func() *shape { return diamondShape(40, 2) }, true), request{"user", "data.read", true}, rbac.Request{})
}

// A denial must visit the whole diamond; without a visited set that is
// 2^layers paths, so the peers get 20 layers here (2^40 would not finish).
func BenchmarkDiamond20Denied(b *testing.B) {
	benchShape(b, enginesFor(b, "diamond20", func() *shape { return diamondShape(20, 2) }, true), request{"user", "data.write", false}, rbac.Request{})
}

func BenchmarkDiamond40Denied(b *testing.B) {
	benchShape(b, enginesFor(b, "diamond40-ours", func() *shape { return diamondShape(40, 2) }, false), request{"user", "data.write", false}, rbac.Request{})
}

func BenchmarkTree10000Allowed(b *testing.B) {
	benchShape(b, enginesFor(b, "tree", func() *shape { return treeShape(10000) }, true), request{"user", "data.read", true}, rbac.Request{})
}

func BenchmarkTree10000Denied(b *testing.B) {
	benchShape(b, enginesFor(b, "tree", func() *shape { return treeShape(10000) }, true), request{"user", "data.write", false}, rbac.Request{})
}

// scopedShape adds nVIRO's scopes to the large shape: a workgroup forest
// of 1,000 teams under 100 regions under 10 agencies, and a workgroup
// grant; plus ownership of services and an active-role choice.
func scopedShape() *shape {
	s := rbacShape(10000, 100000)
	s.extra = func(p *rbac.Policy) {
		for i := 0; i < 10; i++ {
			p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: rbac.WorkgroupID(fmt.Sprintf("agency%d", i))})
		}
		for i := 0; i < 100; i++ {
			p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: rbac.WorkgroupID(fmt.Sprintf("region%d", i)), Parent: rbac.WorkgroupID(fmt.Sprintf("agency%d", i/10))})
		}
		for i := 0; i < 1000; i++ {
			p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: rbac.WorkgroupID(fmt.Sprintf("team%d", i)), Parent: rbac.WorkgroupID(fmt.Sprintf("region%d", i/10))})
		}
		p.Roles = append(p.Roles,
			rbac.Role{ID: "evaluations_workgroup", Grants: []rbac.Grant{{Permission: "evaluation.read", Scope: rbac.ScopeWorkgroup}}},
			rbac.Role{ID: "places_editor", Grants: []rbac.Grant{{Permission: "places.edit", Scope: rbac.ScopeGlobal}}},
			rbac.Role{ID: "suggester", Grants: []rbac.Grant{{Permission: "cat.suggest", Scope: rbac.ScopeGlobal}}},
			rbac.Role{ID: "approver", Grants: []rbac.Grant{{Permission: "cat.approve", Scope: rbac.ScopeGlobal}}},
		)
		p.Constraints = append(p.Constraints, rbac.Constraint{Name: "suggest-vs-approve", Roles: []rbac.RoleID{"suggester", "approver"}, Max: 1, Dynamic: true})
		p.OwnershipRules = append(p.OwnershipRules, rbac.OwnershipRule{Kind: "service", Bypass: "places.gds_editor"})
		for i := 0; i < 10000; i++ {
			p.Ownerships = append(p.Ownerships, rbac.Ownership{Kind: "service", ID: fmt.Sprint(i), Owners: []rbac.OrgSlug{rbac.OrgSlug(fmt.Sprintf("org%d", i%50)), "hmrc"}})
		}
		for i := range p.Users {
			u := &p.Users[i]
			var n int
			fmt.Sscanf(string(u.ID), "user%d", &n)
			u.Roles = append(u.Roles, "evaluations_workgroup", "places_editor", "suggester")
			if n%2 == 0 {
				u.Roles = append(u.Roles, "approver") // must choose one per request
			}
			u.Workgroups = []rbac.WorkgroupID{rbac.WorkgroupID(fmt.Sprintf("region%d", n%100))}
			u.Org = rbac.OrgSlug(fmt.Sprintf("org%d", n%50))
		}
	}
	return s
}

func scopedEngines(b *testing.B) *engines { return enginesFor(b, "scoped", scopedShape, false) }

// BenchmarkScopedWorkgroup: a workgroup grant; the record sits in two
// teams, the second under user7's region (region7 → team75).
func BenchmarkScopedWorkgroup(b *testing.B) {
	e := scopedEngines(b)
	req := rbac.Request{User: "user7", Permission: "evaluation.read",
		Resource: &rbac.Resource{Kind: "evaluation", ID: "e1", Workgroups: []rbac.WorkgroupID{"team999", "team75"}}}
	benchShape(b, e, request{"user7", "evaluation.read", true}, req)
}

func BenchmarkOwnership(b *testing.B) {
	e := scopedEngines(b)
	// Stored owners of service 57: org7 and hmrc; user7's org is org7.
	req := rbac.Request{User: "user7", Permission: "places.edit", Resource: &rbac.Resource{Kind: "service", ID: "57"}}
	benchShape(b, e, request{"user7", "places.edit", true}, req)
}

func BenchmarkActiveRoles(b *testing.B) {
	e := scopedEngines(b)
	// user8 holds suggester and approver and acts as a suggester.
	req := rbac.Request{User: "user8", Permission: "cat.suggest", ActiveRoles: []rbac.RoleID{"suggester", "places_editor"}}
	benchShape(b, e, request{"user8", "cat.suggest", true}, req)
}

// BenchmarkCompileLarge: import and compile the large shape; the heap
// metric is what the authorizer keeps (store excluded).
func BenchmarkCompileLarge(b *testing.B) {
	benchCompile(b, rbacShape(10000, 100000).policy())
}

// BenchmarkPeerLoadLarge: the peers building their structures from the
// large shape (Casbin's AddPolicies and AddGroupingPolicies, gorbac's roles
// and parents, cedar-go's entities and policies from the rolegraph policy),
// beside BenchmarkCompileLarge; MiB-heap is what each keeps.
func BenchmarkPeerLoadLarge(b *testing.B) {
	s := rbacShape(10000, 100000)
	p := s.policy()
	for _, peer := range []struct {
		name string
		load func(testing.TB) any
	}{
		{"casbin", func(tb testing.TB) any { return s.casbin(tb) }},
		{"gorbac", func(tb testing.TB) any { return s.gorbac(tb) }},
		{"cedar-policies", func(tb testing.TB) any { return mustCedar(tb, p, cedarPolicies) }},
		{"cedar-parents", func(tb testing.TB) any { return mustCedar(tb, p, cedarParents) }},
	} {
		b.Run(peer.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()
				loaded := peer.load(b)
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
				runtime.KeepAlive(loaded)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkValidateLarge: Policy.Validate on the large shape, as Import
// runs it beside its diff.
func BenchmarkValidateLarge(b *testing.B) {
	p := rbacShape(10000, 100000).policy()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileLargeStaticSoD is BenchmarkCompileLarge with one static
// separation-of-duty constraint, which validation checks for every user.
func BenchmarkCompileLargeStaticSoD(b *testing.B) {
	p := rbacShape(10000, 100000).policy()
	p.Constraints = []rbac.Constraint{{Name: "suggest-or-approve", Roles: []rbac.RoleID{"group1", "group2"}, Max: 1}}
	benchCompile(b, p)
}

// BenchmarkCompileXL: 1,000,000 users, 10,000 roles, 500 groups of 10
// roles, 3,000,000 memberships. Set RBAC_BENCH_XL=1 to run it.
func BenchmarkCompileXL(b *testing.B) {
	if os.Getenv("RBAC_BENCH_XL") == "" {
		b.Skip("set RBAC_BENCH_XL=1 to run the 1,000,000-user shape")
	}
	benchCompile(b, xlPolicy())
}

func xlPolicy() *rbac.Policy {
	p := rbacShape(10000, 0).policy()
	for g := 0; g < 500; g++ {
		group := rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", g)), Name: fmt.Sprintf("Group %d", g)}
		for k := 0; k < 10; k++ {
			group.Roles = append(group.Roles, rbac.RoleID(fmt.Sprintf("group%d", (g*10+k)%10000)))
		}
		p.Groups = append(p.Groups, group)
	}
	p.Users = make([]rbac.User, 1000000)
	for i := range p.Users {
		p.Users[i] = rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", i%10000))},
			Groups: []rbac.GroupID{rbac.GroupID(fmt.Sprintf("g%d", i%500)), rbac.GroupID(fmt.Sprintf("g%d", (i+1)%500))}}
	}
	return p
}

func benchCompile(b *testing.B, p *rbac.Policy) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		store := newStoreFromPolicy(b, p)
		// Twice: what the import left in sync.Pools (encoding/json's
		// buffers) survives one collection, and would be subtracted
		// from the figure when the one after New frees it.
		runtime.GC()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		a, err := rbac.New(ctx, store, rbac.WithoutFollow())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
		// The policy and the store were counted before: keep them alive
		// until after, or a collection in between subtracts them.
		runtime.KeepAlive(p)
		runtime.KeepAlive(store)
		a.Close()
		b.StartTimer()
	}
}

// BenchmarkSmallChange: on the large shape, one user joins a group; the
// time from Apply to the change being visible in the snapshot.
func BenchmarkSmallChange(b *testing.B) {
	p := rbacShape(10000, 100000).policy()
	for g := 0; g < 100; g++ {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", g)), Name: fmt.Sprintf("Group %d", g), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", g*100))}})
	}
	ctx := context.Background()
	a, err := rbac.New(ctx, newStoreFromPolicy(b, p), rbac.WithoutFollow())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	users := p.Users
	i := 0
	for b.Loop() {
		u := users[i%len(users)]
		g := i % 100
		u.Groups = []rbac.GroupID{rbac.GroupID(fmt.Sprintf("g%d", g))}
		if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(u)}}); err != nil {
			b.Fatal(err)
		}
		if !a.Snapshot().Check(rbac.Request{User: u.ID, Permission: rbac.Permission(fmt.Sprintf("data%d.read", g*10))}).Allowed {
			b.Fatal("the change is not visible")
		}
		i++
	}
}

// groupsShape is the large shape with every user also in one of 100
// groups, each giving a role of its own (team<g>, granting team<g>.read):
// a user's roles come from two sources, and nearly every user has a role
// set of their own (100,000 distinct sets, where the large shape has
// 10,000).
func groupsShape() *shape {
	s := rbacShape(10000, 100000)
	s.extra = func(p *rbac.Policy) {
		for g := 0; g < 100; g++ {
			role := rbac.RoleID(fmt.Sprintf("team%d", g))
			p.Roles = append(p.Roles, rbac.Role{ID: role, Grants: []rbac.Grant{{Permission: rbac.Permission(fmt.Sprintf("team%d.read", g)), Scope: rbac.ScopeGlobal}}})
			p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", g)), Name: fmt.Sprintf("Group %d", g), Roles: []rbac.RoleID{role}})
		}
		for i := range p.Users {
			u := &p.Users[i]
			var n int
			fmt.Sscanf(string(u.ID), "user%d", &n)
			u.Groups = []rbac.GroupID{rbac.GroupID(fmt.Sprintf("g%d", n%100))}
		}
	}
	return s
}

func groupsEngines(b *testing.B) *engines { return enginesFor(b, "groups", groupsShape, false) }

// BenchmarkGroupsAllowed: user50001 (group g1) reads data500 through a
// direct role and team1 through the group.
func BenchmarkGroupsAllowed(b *testing.B) {
	benchShape(b, groupsEngines(b), request{"user50001", "data500.read", true}, rbac.Request{})
}

func BenchmarkGroupsAllowedByGroup(b *testing.B) {
	benchShape(b, groupsEngines(b), request{"user50001", "team1.read", true}, rbac.Request{})
}

func BenchmarkGroupsDenied(b *testing.B) {
	benchShape(b, groupsEngines(b), request{"user50001", "data1500.read", false}, rbac.Request{})
}
