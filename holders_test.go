package rbac

import (
	"cmp"
	"slices"
	"strconv"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac/internal/compile"
)

// TestMergeHolders compares the heap merge of UsersWith with a naive
// model: every id of every run that is not overlaid, at its run's scope,
// sorted by user. Ids share prefixes of eight bytes and more, so that the
// text comparison behind the integer one is exercised; more runs than the
// fixed array UsersWith starts with.
func TestMergeHolders(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nRuns := rapid.IntRange(0, 40).Draw(t, "runs")
		users := compile.NewOverlayMap[*userRec](nil)
		var runs []holderRun
		var want []Holder
		next := 0
		for range nRuns {
			scope := Scope(rapid.IntRange(int(ScopeMine), int(ScopeAll)).Draw(t, "scope"))
			var ids []heldID
			for range rapid.IntRange(0, 12).Draw(t, "size") {
				next += rapid.IntRange(1, 3).Draw(t, "gap")
				id := UserID(rapid.SampledFrom([]string{"u", "user0000", "user00000000"}).Draw(t, "prefix") + strconv.Itoa(next))
				ids = append(ids, newHeldID(id))
				if rapid.IntRange(0, 5).Draw(t, "overlaid") == 0 {
					users = users.With(string(id), nil, true)
				} else {
					want = append(want, Holder{User: id, Scope: scope})
				}
			}
			slices.SortFunc(ids, func(a, b heldID) int { return cmp.Compare(a.id, b.id) })
			runs = append(runs, holderRun{ids, scope})
		}
		slices.SortFunc(want, func(a, b Holder) int { return cmp.Compare(a.User, b.User) })
		live := slices.DeleteFunc(slices.Clone(runs), func(r holderRun) bool { return len(r.ids) == 0 })
		got := mergeHolders(nil, live, users)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("mergeHolders (-naive +got):\n%s", diff)
		}
	})
}
