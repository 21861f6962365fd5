// Package compile holds the generic pieces of the compiled snapshot: dense
// bitsets over interned indexes, the transitive closure of a DAG computed
// once in topological order (iteratively: no recursion, no depth limit), and
// a copy-on-write sharded map that lets a small change publish a new
// snapshot without copying the whole user table.
package compile
