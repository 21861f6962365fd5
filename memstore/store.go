package memstore

import (
	"context"
	"fmt"
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
	ids      map[string]loggedID
	keepIDs  time.Duration
	// changed is closed (and replaced) on every commit and on Close, so
	// that Wait blocks on a channel instead of polling.
	changed chan struct{}
	// proposals are the rbac.ProposalStore's (proposals.go).
	proposals map[string]rbac.Proposal
	// attestations are the rbac.AttestationStore's (attestations.go).
	attestations map[attestationKey]rbac.Attestation
}

// loggedID is what the store remembers of a change set's ID, also after
// Prune dropped the change set.
type loggedID struct {
	rev    rbac.Revision
	digest string
	time   time.Time // when the change set was written (by the store's clock)
}

// DefaultIDRetention is how long Prune keeps the ID of a change set it
// drops, so that a retry within that time is still recognised.
const DefaultIDRetention = 24 * time.Hour

// Option configures a Store.
type Option func(*Store)

// WithClock sets the function that stamps change sets whose Time is zero
// (time.Now by default), so that tests can pin the audit trail's times.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithIDRetention sets how long Prune keeps the IDs of the change sets it
// drops (DefaultIDRetention by default): a retry of a pruned change set
// with the same ID is recognised for that long after its write.
func WithIDRetention(d time.Duration) Option {
	return func(s *Store) { s.keepIDs = max(0, d) }
}

// New returns an empty store at revision zero.
func New(opts ...Option) *Store {
	s := &Store{
		now:      time.Now,
		entities: make(map[rbac.EntityKind]map[string]rbac.Entity, len(rbac.EntityKinds())),
		changed:  make(chan struct{}),
		ids:      make(map[string]loggedID),
		keepIDs:  DefaultIDRetention,
	}
	for _, k := range rbac.EntityKinds() {
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
	if ctx.Err() != nil {
		return ctxError(ctx, op)
	}
	if s.closed {
		return &rbac.Error{Op: op, Err: rbac.ErrClosed}
	}
	return nil
}

// ctxError is the error of an operation whose context ended: it wraps
// rbac.ErrUnavailable (the same call with a live context may succeed) and
// the context's error.
func ctxError(ctx context.Context, op string) error {
	return &rbac.Error{Op: op, Err: fmt.Errorf("%w: %w", rbac.ErrUnavailable, context.Cause(ctx))}
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
