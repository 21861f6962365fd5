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
		for _, g := range groups {
			if diff := cmp.Diff(naive(g), snap.MembersOf(g)); diff != "" {
				t.Fatalf("write %d (%s %s): MembersOf(%s) (-scan +MembersOf):\n%s", i, ch.Kind, ch.Key, g, diff)
			}
		}
	}
}
