package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/rolegraph/rbac"
)

// Store is an rbac.Store held in memory. The zero value is not usable; call
// New. A Store is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu       sync.RWMutex
	closed   bool
	rev      rbac.Revision
	horizon  rbac.Revision // change sets at or below it were pruned
	entities map[rbac.EntityKind]map[string]rbac.Entity
	log      []rbac.ChangeSet // revisions horizon+1 .. rev, in order
	// changed is closed (and replaced) on every commit and on Close, so
	// that Wait blocks on a channel instead of polling.
	changed chan struct{}
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the function that stamps change sets whose Time is zero
// (time.Now by default), so that tests can pin the audit trail's times.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// New returns an empty store at revision zero.
func New(opts ...Option) *Store {
	s := &Store{
		now:      time.Now,
		entities: make(map[rbac.EntityKind]map[string]rbac.Entity, len(rbac.EntityKinds)),
		changed:  make(chan struct{}),
	}
	for _, k := range rbac.EntityKinds {
		s.entities[k] = make(map[string]rbac.Entity)
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

var _ rbac.Store = (*Store)(nil)

// check returns the error that op must fail with, if any: ctx's error or
// ErrClosed. The caller holds s.mu.
func (s *Store) check(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &rbac.Error{Op: op, Err: err}
	}
	if s.closed {
		return &rbac.Error{Op: op, Err: rbac.ErrClosed}
	}
	return nil
}

// Close releases the store: pending Waits and every later call return an
// error wrapping rbac.ErrClosed. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.changed)
	}
	return nil
}

// Revision returns the current revision, zero for a new store. Unlike
// Load, it is cheap and works after Close.
func (s *Store) Revision() rbac.Revision {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}
