package intern

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

// Equal lists come back as one clipped array equal to them; Copy never
// hands back the caller's array, and Own hands back the first of each.
func TestLists(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var in Lists[string]
		seen := map[string][]string{} // a naive model: the first of each list, by its items
		for i := range rapid.IntRange(1, 30).Draw(t, "lists") {
			l := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c"}), 0, 3).Draw(t, "list")
			own := rapid.Bool().Draw(t, "own")
			var got []string
			if own {
				got = in.Own(l)
			} else {
				got = in.Copy(l)
			}
			if !slices.Equal(got, l) || cap(got) != len(got) {
				t.Fatalf("list %d: got %q (cap %d), want %q clipped", i, got, cap(got), l)
			}
			if len(l) == 0 {
				continue
			}
			key := strings.Join(l, "\x00")
			first, ok := seen[key]
			switch {
			case ok && unsafe.SliceData(got) != unsafe.SliceData(first):
				t.Fatalf("list %d %q: a second array for an equal list", i, l)
			case !ok && !own && unsafe.SliceData(got) == unsafe.SliceData(l):
				t.Fatalf("list %d %q: Copy kept the caller's array", i, l)
			case !ok && own && unsafe.SliceData(got) != unsafe.SliceData(l):
				t.Fatalf("list %d %q: Own copied the first of its kind", i, l)
			}
			if !ok {
				seen[key] = got
			}
		}
	})
}
