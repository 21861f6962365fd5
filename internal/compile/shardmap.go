package compile

import "hash/maphash"

const shardCount = 64

// ShardMap is an immutable string-keyed map split into shards. With
// returns a new map that shares every shard but the one it changes, so a
// one-entry change copies about 1/64 of the map.
type ShardMap[V any] struct {
	seed   maphash.Seed
	shards [shardCount]map[string]V
	n      int
}

// NewShardMap builds a map from m.
func NewShardMap[V any](m map[string]V) *ShardMap[V] {
	s := &ShardMap[V]{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i] = make(map[string]V, len(m)/shardCount+1)
	}
	for k, v := range m {
		s.shards[s.shard(k)][k] = v
	}
	s.n = len(m)
	return s
}

func (s *ShardMap[V]) shard(k string) int { return int(maphash.String(s.seed, k) % shardCount) }

// Get returns the value for k. It does not allocate.
func (s *ShardMap[V]) Get(k string) (V, bool) {
	if s == nil {
		var zero V
		return zero, false
	}
	v, ok := s.shards[s.shard(k)][k]
	return v, ok
}

// Len returns the number of entries.
func (s *ShardMap[V]) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// With returns a copy of s in which k maps to v (del: k is removed).
func (s *ShardMap[V]) With(k string, v V, del bool) *ShardMap[V] {
	out := *s
	i := s.shard(k)
	old := s.shards[i]
	m := make(map[string]V, len(old)+1)
	for kk, vv := range old {
		m[kk] = vv
	}
	_, had := m[k]
	if del {
		delete(m, k)
		if had {
			out.n--
		}
	} else {
		m[k] = v
		if !had {
			out.n++
		}
	}
	out.shards[i] = m
	return &out
}

// Range calls f for every entry until f returns false.
func (s *ShardMap[V]) Range(f func(k string, v V) bool) {
	if s == nil {
		return
	}
	for _, m := range s.shards {
		for k, v := range m {
			if !f(k, v) {
				return
			}
		}
	}
}
