package rbac

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFirstCheckAllocatesNothing: the first Check on a freshly compiled
// snapshot allocates nothing either (testing.AllocsPerRun warms up first,
// so it cannot see a cost paid once). Active-role requests used to build
// their per-role profiles on first use.
func TestFirstCheckAllocatesNothing(t *testing.T) {
	reqs := []Request{
		{User: "alice", Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", Workgroups: []WorkgroupID{"leeds"}}},
		{User: "bob", Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
		{User: "erin", ActiveRoles: []RoleID{"suggester"}, Permission: "cat.suggest"},
		{User: "carol", ActiveRoles: []RoleID{"client_section"}, Permission: "client.merge"},
		{User: "carol", ActiveRoles: []RoleID{"client_section", "yj"}, Permission: "client.merge"},
		{User: "root", ActiveRoles: []RoleID{"superuser"}, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "x"}},
		{User: "carol", ActiveRoles: []RoleID{"places_editor"}, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "42"}},
	}
	for _, req := range reqs {
		// A deterministic first-call cost shows on every fresh snapshot;
		// the minimum of a few tries removes allocations by other
		// goroutines of the test binary.
		least := uint64(1 << 62)
		for range 3 {
			snap := compileText(t, enginePolicy)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			snap.Check(req)
			runtime.ReadMemStats(&after)
			least = min(least, after.Mallocs-before.Mallocs)
		}
		if least != 0 {
			t.Errorf("the first Check(%+v) on a fresh snapshot allocates %d times", req, least)
		}
	}
}

// TestReviewIndexFollowsWrites: after every incremental write, UsersWith
// and UsersWithRole agree with a capability Check of every user, through
// more writes than the user table's overlay holds (so the index is
// rebuilt on a fold as well as read through the overlay).
func TestReviewIndexFollowsWrites(t *testing.T) {
	st := compileTextState(t, enginePolicy)
	comp, snap, err := compileFull(st)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	roles := sortedKeys(st.roles)
	perms := []Permission{"evaluation.read", "client.add", "client.merge", "places.edit", "probation.view", "cat.suggest", "x.y"}
	var ids []UserID
	for i := range 40 {
		ids = append(ids, UserID(fmt.Sprintf("u%02d", i)))
	}
	ids = append(ids, sortedKeys(st.users)...)
	for step := range 2500 {
		id := ids[rng.IntN(len(ids))]
		var ch Change
		if _, ok := st.users[id]; ok && rng.IntN(5) == 0 {
			delete(st.users, id)
			ch = Change{Kind: EntityUser, Key: string(id)}
		} else {
			u := User{ID: id, AccountType: "internal", Disabled: rng.IntN(6) == 0}
			for range rng.IntN(3) {
				u.Roles = append(u.Roles, roles[rng.IntN(len(roles))])
			}
			if rng.IntN(3) == 0 {
				u.Groups = []GroupID{"permitting"}
			}
			st.users[id] = &u
			ch = PutUser(u)
		}
		st.rev++
		next, ok := comp.compileIncremental(st, snap, []Change{ch})
		if !ok {
			t.Fatal("a user change was not compiled incrementally")
		}
		snap = next
		if step%7 != 0 && step < 2490 {
			continue // check often, not every time: the naive side is slow
		}
		all := sortedKeys(st.users)
		for _, p := range perms {
			var want []Holder
			for _, u := range all {
				if d := snap.Check(Request{User: u, Permission: p}); d.Allowed {
					want = append(want, Holder{u, d.Scope})
				}
			}
			if diff := cmp.Diff(want, snap.UsersWith(p)); diff != "" {
				t.Fatalf("step %d: UsersWith(%s) (-check +UsersWith):\n%s", step, p, diff)
			}
		}
		for _, r := range roles {
			var want []UserID
			for _, u := range all {
				if rec := st.users[u]; !rec.Disabled && slices.ContainsFunc(snap.RolesOf(u), func(s RoleSource) bool { return s.Role == r }) {
					want = append(want, u)
				}
			}
			if diff := cmp.Diff(want, snap.UsersWithRole(r)); diff != "" {
				t.Fatalf("step %d: UsersWithRole(%s) (-want +got):\n%s", step, r, diff)
			}
		}
	}
}

func compileTextState(t testing.TB, text string) *state {
	t.Helper()
	p, err := DecodePolicy(strings.NewReader(text), "engine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return stateOf(p, 1)
}
