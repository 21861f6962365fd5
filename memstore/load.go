package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

// Load returns a deep copy of the whole state and its revision. Each list of
// the policy is sorted by key (byte order), so output is deterministic.
func (s *Store) Load(ctx context.Context) (*rbac.Policy, rbac.Revision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "load"); err != nil {
		return nil, 0, err
	}
	p := &rbac.Policy{}
	for _, kind := range rbac.EntityKinds() {
		m := s.entities[kind]
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, strings.Compare)
		for _, k := range keys {
			p.Add(rbac.CloneEntity(m[k]))
		}
	}
	return p, s.rev, nil
}

// LoadEach calls f with every entity, in no particular order, and returns
// the revision they are at: rbac.StreamLoader, which an Authorizer uses to
// start without building, sorting and copying a Policy. Users are handed
// over as the *rbac.User the store keeps, which nobody changes in place
// (a write stores a new one), so that starting on a large store copies no
// user; every other entity is a copy. The store is read-locked meanwhile,
// so f must not call the store.
func (s *Store) LoadEach(ctx context.Context, size func(rbac.EntityKind, int), f func(rbac.Entity) error) (rbac.Revision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "load"); err != nil {
		return 0, err
	}
	for _, kind := range rbac.StreamKinds() {
		size(kind, len(s.entities[kind]))
		for _, e := range s.entities[kind] {
			if _, ok := e.(*rbac.User); !ok {
				e = rbac.CloneEntity(e)
			}
			if err := f(e); err != nil {
				return 0, err
			}
		}
	}
	return s.rev, nil
}

var _ rbac.StreamLoader = (*Store)(nil)
