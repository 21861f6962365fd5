package integration

import (
	"context"
	"errors"
	"flag"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// fewerChecks lowers rapid's number of runs to checks for this test,
// unless -rapid.checks or RAPID_CHECKS was given: each run needs a fresh
// database.
func fewerChecks(t *testing.T, checks string) {
	if checksSetByUser() {
		return
	}
	old := flag.Lookup("rapid.checks").Value.String()
	flag.Set("rapid.checks", checks)
	t.Cleanup(func() { flag.Set("rapid.checks", old) })
}

// checksSetByUser is decided once, before fewerChecks sets the flag
// itself (after which flag.Visit would report it as set).
var checksSetByUser = sync.OnceValue(func() bool {
	set := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	return set
})

// Small id spaces, so that random changes refer to each other, collide
// and sometimes make cycles or dangling references (which Apply refuses on
// both sides alike).
var (
	diffRoles      = []rbac.RoleID{"r1", "r2", "r3", "R1"}
	diffUsers      = []rbac.UserID{"u1", "u2", "U1"}
	diffGroups     = []rbac.GroupID{"g1", "g2"}
	diffWorkgroups = []rbac.WorkgroupID{"w1", "w2", "w3"}
	diffPerms      = []rbac.Permission{"doc.read", "doc.write", "case.read"}
	diffGrants     = []rbac.Permission{"doc.read", "doc.write", "case.read", "doc.*", "*"}
	diffScopes     = []rbac.Scope{rbac.ScopeMine, rbac.ScopeWorkgroup, rbac.ScopeGlobal, rbac.ScopeAll}
)

func someOf[T any](t *rapid.T, label string, from []T, maxN int) []T {
	return rapid.SliceOfNDistinct(rapid.SampledFrom(from), 0, maxN, func(v T) any { return v }).Draw(t, label)
}

func drawDiffChange(t *rapid.T) rbac.Change {
	switch rapid.IntRange(0, 7).Draw(t, "what") {
	case 0, 1:
		r := rbac.Role{ID: rapid.SampledFrom(diffRoles).Draw(t, "role"), Contains: someOf(t, "contains", diffRoles, 2)}
		for _, p := range someOf(t, "grants", diffGrants, 2) {
			r.Grants = append(r.Grants, rbac.Grant{Permission: p, Scope: rapid.SampledFrom(diffScopes).Draw(t, "scope")})
		}
		return rbac.PutRole(r)
	case 2, 3:
		return rbac.PutUser(rbac.User{
			ID: rapid.SampledFrom(diffUsers).Draw(t, "user"), Roles: someOf(t, "roles", diffRoles, 2),
			Groups: someOf(t, "groups", diffGroups, 1), Workgroups: someOf(t, "workgroups", diffWorkgroups, 2),
			Disabled: rapid.IntRange(0, 9).Draw(t, "disabled") == 0,
		})
	case 4:
		id := rapid.SampledFrom(diffGroups).Draw(t, "group")
		return rbac.PutGroup(rbac.Group{ID: id, Name: "group " + string(id), Roles: someOf(t, "group roles", diffRoles, 2)})
	case 5:
		w := rbac.Workgroup{ID: rapid.SampledFrom(diffWorkgroups).Draw(t, "workgroup")}
		if rapid.Bool().Draw(t, "has parent") {
			w.Parent = rapid.SampledFrom(diffWorkgroups).Draw(t, "parent")
		}
		return rbac.PutWorkgroup(w)
	case 6:
		return rbac.DeleteRole(rapid.SampledFrom(diffRoles).Draw(t, "deleted role"))
	default:
		return rbac.DeleteUser(rapid.SampledFrom(diffUsers).Draw(t, "deleted user"))
	}
}

// seedChanges puts every role, workgroup and group of the id spaces, bare,
// so that random users and roles can refer to them.
func seedChanges() []rbac.Change {
	var out []rbac.Change
	for _, r := range diffRoles {
		out = append(out, rbac.PutRole(rbac.Role{ID: r, Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeMine}}}))
	}
	for _, w := range diffWorkgroups {
		out = append(out, rbac.PutWorkgroup(rbac.Workgroup{ID: w}))
	}
	for _, g := range diffGroups {
		out = append(out, rbac.PutGroup(rbac.Group{ID: g, Name: "group " + string(g)}))
	}
	return out
}

func drawRequest(t *rapid.T) rbac.Request {
	req := rbac.Request{User: rapid.SampledFrom(diffUsers).Draw(t, "req user"), Permission: rapid.SampledFrom(diffPerms).Draw(t, "req perm")}
	if rapid.Bool().Draw(t, "active roles") {
		req.ActiveRoles = someOf(t, "active", diffRoles, 2)
	}
	if rapid.Bool().Draw(t, "resource") {
		req.Resource = &rbac.Resource{
			Kind: "doc", ID: "d1",
			Assignees:  someOf(t, "assignees", diffUsers, 2),
			Workgroups: someOf(t, "resource workgroups", diffWorkgroups, 2),
			Inactive:   rapid.Bool().Draw(t, "inactive"),
		}
	}
	return req
}

// The same random change sets applied through an authorizer on memstore
// and one on sqlstore: the same errors, the same revisions, and the same
// decision on every random request.
func TestDifferential(t *testing.T) {
	fewerChecks(t, "15")
	forEachDatabase(t, func(t *testing.T, db database) {
		var applied, allowed int // across runs: the test must exercise something
		rapid.Check(t, func(rt *rapid.T) {
			ctx := context.Background()
			mem := memstore.New()
			defer mem.Close()
			sqls := newStore(t, db)
			defer sqls.Close()
			ref, err := rbac.New(ctx, mem, rbac.WithoutFollow())
			if err != nil {
				rt.Fatal(err)
			}
			defer ref.Close()
			got, err := rbac.New(ctx, sqls, rbac.WithoutFollow())
			if err != nil {
				rt.Fatal(err)
			}
			defer got.Close()
			if _, err := ref.Apply(ctx, rbac.ChangeSet{Changes: seedChanges()}); err != nil {
				rt.Fatal(err)
			}
			if _, err := got.Apply(ctx, rbac.ChangeSet{Changes: seedChanges()}); err != nil {
				rt.Fatal(err)
			}
			steps := rapid.IntRange(1, 12).Draw(rt, "steps")
			for step := range steps {
				var cs rbac.ChangeSet
				for range rapid.IntRange(1, 3).Draw(rt, "changes") {
					cs.Changes = append(cs.Changes, drawDiffChange(rt))
				}
				refRev, refErr := ref.Apply(ctx, cs)
				gotRev, gotErr := got.Apply(ctx, cs)
				if refRev != gotRev || (refErr == nil) != (gotErr == nil) || !sameSentinel(refErr, gotErr) {
					rt.Fatalf("step %d, Apply(%v): memstore %d, %v; sqlstore %d, %v", step, cs.Changes, refRev, refErr, gotRev, gotErr)
				}
				if gotErr == nil {
					applied++
				}
				for range 10 {
					req := drawRequest(rt)
					want := ref.Snapshot().Check(req)
					if d := cmp.Diff(want, got.Snapshot().Check(req)); d != "" {
						rt.Fatalf("step %d, %+v: decisions differ (-memstore +sqlstore):\n%s", step, req, d)
					}
					if want.Allowed {
						allowed++
					}
				}
			}
			// And a fresh authorizer on the SQL store, compiled from Load
			// rather than from the change log, agrees too.
			fresh, err := rbac.New(ctx, sqls, rbac.WithoutFollow())
			if err != nil {
				rt.Fatal(err)
			}
			defer fresh.Close()
			for range 20 {
				req := drawRequest(rt)
				if d := cmp.Diff(ref.Snapshot().Check(req), fresh.Snapshot().Check(req)); d != "" {
					rt.Fatalf("reloaded, %+v: decisions differ (-memstore +sqlstore):\n%s", req, d)
				}
			}
		})
		if applied == 0 || allowed == 0 {
			t.Errorf("the runs applied %d change sets and allowed %d requests: the generator exercises nothing", applied, allowed)
		}
		t.Logf("%d change sets applied, %d requests allowed", applied, allowed)
	})
}

func sameSentinel(a, b error) bool {
	for _, s := range []error{rbac.ErrNotFound, rbac.ErrExists, rbac.ErrInvalid, rbac.ErrCycle, rbac.ErrConflict, rbac.ErrForbidden, rbac.ErrSeparationOfDuty} {
		if errors.Is(a, s) != errors.Is(b, s) {
			return false
		}
	}
	return true
}
