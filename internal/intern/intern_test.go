package intern

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

// Equal lists come back as one clipped array equal to them; Copy never
// hands back the caller's array, Own hands back the first of each, and
// CopyLong copies one-id lists without sharing them.
func TestLists(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var in Lists[string]
		seen := map[string][]string{} // a naive model: the first of each list, by its items
		var ones [][2][]string        // CopyLong's one-id copies and what they copied
		for i := range rapid.IntRange(1, 30).Draw(t, "lists") {
			l := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c"}), 0, 3).Draw(t, "list")
			mode := rapid.SampledFrom([]string{"own", "copy", "copyLong"}).Draw(t, "mode")
			own := mode == "own"
			var got []string
			switch mode {
			case "own":
				got = in.Own(l)
			case "copy":
				got = in.Copy(l)
			default:
				got = in.CopyLong(l)
			}
			if !slices.Equal(got, l) || cap(got) != len(got) {
				t.Fatalf("list %d: got %q (cap %d), want %q clipped", i, got, cap(got), l)
			}
			if len(l) == 0 {
				continue
			}
			if mode == "copyLong" && len(l) == 1 {
				if unsafe.SliceData(got) == unsafe.SliceData(l) || (seen[l[0]] != nil && unsafe.SliceData(got) == unsafe.SliceData(seen[l[0]])) {
					t.Fatalf("list %d %q: CopyLong shared a one-id list", i, l)
				}
				ones = append(ones, [2][]string{got, slices.Clone(l)})
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
		// Copies carved from one chunk must not overlap.
		for k, o := range ones {
			if !slices.Equal(o[0], o[1]) {
				t.Fatalf("one-id copy %d is %q now, want %q: a later copy overwrote it", k, o[0], o[1])
			}
		}
	})
}
