package compile

import (
	"testing"

	"pgregory.net/rapid"
)

// SubsetOf agrees with a naive model, a set of ints, for sets of any
// lengths (trimmed sets are shorter than full ones).
func TestSubsetOf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		draw := func(name string) (Bits, map[int]bool) {
			n := rapid.IntRange(0, 200).Draw(t, name+" size")
			b := NewBits(n)
			m := map[int]bool{}
			if n > 0 {
				for _, i := range rapid.SliceOfN(rapid.IntRange(0, n-1), 0, 20).Draw(t, name) {
					b.Set(i)
					m[i] = true
				}
			}
			return b, m
		}
		a, am := draw("a")
		b, bm := draw("b")
		if rapid.Bool().Draw(t, "b holds a's bits that fit") { // else a subset is rare
			for i := range am {
				if i < len(b)*64 {
					b.Set(i)
					bm[i] = true
				}
			}
		}
		want := true
		for i := range am {
			want = want && bm[i]
		}
		if got := a.SubsetOf(b); got != want {
			t.Fatalf("%v.SubsetOf(%v) = %v, want %v", am, bm, got, want)
		}
	})
}
