package compile

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestOverlayMapMatchesMap compares every operation with a plain map that
// is copied on each change.
func TestOverlayMapMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		model := map[string]int{}
		for i := range rapid.IntRange(0, 50).Draw(t, "base") {
			model[strconv.Itoa(i)] = i
		}
		base := map[string]int{}
		for k, v := range model {
			base[k] = v
		}
		m := NewOverlayMap(base)
		history := []*OverlayMap[int]{m}
		models := []map[string]int{cloneModel(model)}
		steps := rapid.IntRange(0, 3*maxOverlay).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			k := strconv.Itoa(rapid.IntRange(0, 80).Draw(t, "key"))
			if rapid.Bool().Draw(t, "del") {
				m = m.With(k, 0, true)
				delete(model, k)
			} else {
				m = m.With(k, i, false)
				model[k] = i
			}
			if i%97 == 0 {
				history = append(history, m)
				models = append(models, cloneModel(model))
			}
		}
		history = append(history, m)
		models = append(models, model)
		// Older versions must be unchanged by later Withs.
		for i, h := range history {
			got := map[string]int{}
			h.Range(func(k string, v int) bool { got[k] = v; return true })
			if diff := cmp.Diff(models[i], got); diff != "" {
				t.Fatalf("version %d (-want +got):\n%s", i, diff)
			}
			if h.Len() != len(models[i]) {
				t.Fatalf("version %d: Len %d, want %d", i, h.Len(), len(models[i]))
			}
			for k, v := range models[i] {
				if g, ok := h.Get(k); !ok || g != v {
					t.Fatalf("version %d: Get(%q) = %d, %v; want %d", i, k, g, ok, v)
				}
			}
		}
	})
}

func cloneModel(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestClosureFindsCycles checks the closure on a diamond and a cycle.
func TestClosure(t *testing.T) {
	// 0 contains 1 and 2, both contain 3.
	got, err := Closure(4, [][]int32{{1, 2}, {3}, {3}, nil})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{4, 2, 2, 1}
	for i, b := range got {
		if b.Count() != want[i] {
			t.Errorf("closure of %d has %d roles, want %d", i, b.Count(), want[i])
		}
	}
	if _, err := Closure(3, [][]int32{{1}, {2}, {0}}); err == nil {
		t.Error("a cycle was not reported")
	}
}
