package compile

import "fmt"

// Closure computes, for every node of a DAG with n nodes and edges
// edges[i] (i contains edges[i]...), the set of nodes reachable from i,
// i included. Each set is trimmed of its trailing zero words (see Trim):
// copy it into NewBits(n) before Or-ing other sets into it. It sorts the graph topologically first (Kahn's algorithm),
// so deep chains cost no stack and dense diamonds are visited once per
// edge. A cycle is an error naming one node on it.
func Closure(n int, edges [][]int32) ([]Bits, error) {
	// indegree counts, for each node, how many of its children are not yet
	// closed; a node is ready when all its children are.
	pending := make([]int32, n)
	parents := make([][]int32, n)
	for i, es := range edges {
		pending[i] = int32(len(es))
		for _, c := range es {
			parents[c] = append(parents[c], int32(i))
		}
	}
	ready := make([]int32, 0, n)
	for i := 0; i < n; i++ {
		if pending[i] == 0 {
			ready = append(ready, int32(i))
		}
	}
	out := make([]Bits, n)
	scratch := NewBits(n)
	done := 0
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		scratch.Reset()
		scratch.Set(int(i))
		for _, c := range edges[i] {
			scratch.Or(out[c])
		}
		out[i] = scratch.Trim().Clone()
		done++
		for _, p := range parents[i] {
			pending[p]--
			if pending[p] == 0 {
				ready = append(ready, p)
			}
		}
	}
	if done != n {
		for i := 0; i < n; i++ {
			if out[i] == nil {
				return nil, fmt.Errorf("containment cycle through node %d", i)
			}
		}
	}
	return out, nil
}
