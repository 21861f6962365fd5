package rbac

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMembersOfFollowsWrites: MembersOf reads the review index over the
// base of the user table and the overlay of later writes. Over more writes
// than an overlay holds (so the base is folded and re-indexed), it must
// equal a scan of the writer's users after every write.
func TestMembersOfFollowsWrites(t *testing.T) {
	st := compileTextState(t, enginePolicy)
	comp, snap, err := compileFull(st)
	if err != nil {
		t.Fatal(err)
	}
	groups := []GroupID{"permitting", "nothing"} // "nothing" is no group: never a member
	naive := func(g GroupID) []UserID {
		var out []UserID
		for id, u := range st.users {
			if slices.Contains(u.Groups, g) {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 2500 {
		if i%7 == 0 {
			// A change to a role's grants alone: its compile keeps the
			// users and carries the member index over, folding in the
			// users changed since it was built.
			was := st.roles["eval_mine"]
			r := was
			r.Title = "v" + strconv.Itoa(i)
			r.Grants = append(slices.Clip(r.Grants), Grant{Permission: Permission("p" + strconv.Itoa(i) + ".read"), Scope: ScopeMine})
			st.roles[r.ID] = r
			nc, next, ok := comp.compileGrants(st, snap, []Change{{Kind: EntityRole, Key: string(r.ID), Before: was, After: r}})
			if !ok {
				t.Fatalf("write %d: a grant change is not compiled alone", i)
			}
			comp, snap = nc, next
			checkMembers(t, i, snap, naive, groups)
			continue
		}
		id := UserID("member" + strconv.Itoa(rnd.IntN(60)))
		var ch Change
		if old, ok := st.users[id]; ok && rnd.IntN(4) == 0 {
			ch = Change{Kind: EntityUser, Key: string(id), Before: *old}
			delete(st.users, id)
		} else {
			u := User{ID: id, AccountType: "internal", Disabled: rnd.IntN(5) == 0}
			if rnd.IntN(2) == 0 {
				u.Groups = []GroupID{"permitting"}
			}
			st.users[id] = &u
			ch = PutUser(u)
		}
		next, ok := comp.compileIncremental(st, snap, []Change{ch})
		if !ok {
			t.Fatalf("write %d: not incremental", i)
		}
		snap = next
		checkMembers(t, i, snap, naive, groups)
	}
}

func checkMembers(t *testing.T, write int, snap *Snapshot, naive func(GroupID) []UserID, groups []GroupID) {
	t.Helper()
	for _, g := range groups {
		if diff := cmp.Diff(naive(g), snap.MembersOf(g)); diff != "" {
			t.Fatalf("after write %d: MembersOf(%s) (-scan +MembersOf):\n%s", write, g, diff)
		}
	}
}
