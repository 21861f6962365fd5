package rbac

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Authorizer answers requests from the latest compiled snapshot of a Store
// and writes validated change sets to it. It follows the store: changes
// written by other authorizers (replicas) are applied in order as they
// appear. It is safe for concurrent use.
type Authorizer struct {
	store Store
	opts  options

	snap   atomic.Pointer[Snapshot]
	notify atomic.Pointer[chan struct{}] // closed and replaced at every new snapshot

	mu sync.Mutex // guards st and comp; held while writing
	// adminMu serializes Admin writes, which judge and then write (admin.go).
	adminMu sync.Mutex
	st      *state
	comp    *compiler

	status atomic.Pointer[Status]

	cancel context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
}

// Status reports how current an authorizer is.
type Status struct {
	Revision  Revision      // the revision of the current snapshot
	Synced    time.Time     // when the authorizer last confirmed it was up to date with its store
	Lag       time.Duration // time since Synced: how stale the snapshot may be
	LastError error         // the last error met while following the store, nil once it recovers
	ErrorTime time.Time     // when LastError happened
}

// Option configures New.
type Option func(*options)

type options struct {
	follow     bool
	retryDelay time.Duration
	maxRetries int
	heartbeat  time.Duration
}

// WithoutFollow stops the authorizer from following the store in the
// background; it then sees only its own writes and catches up when asked
// (Check with AtLeast, Sync).
func WithoutFollow() Option { return func(o *options) { o.follow = false } }

// WithRetryDelay sets how long the follower waits after a store error
// before trying again (default 200ms).
func WithRetryDelay(d time.Duration) Option { return func(o *options) { o.retryDelay = d } }

// WithHeartbeat sets how often an idle follower confirms with the store
// that it is up to date, which keeps Status.Lag meaningful (default 1s).
func WithHeartbeat(d time.Duration) Option { return func(o *options) { o.heartbeat = d } }

// WithMaxRetries bounds how often Apply retries after a conflict with
// another writer when the caller did not ask for a revision (default 30,
// with jittered exponential backoff).
func WithMaxRetries(n int) Option { return func(o *options) { o.maxRetries = n } }

// New loads the store, compiles it and, unless WithoutFollow, follows it
// until Close. It fails if the stored policy is not valid.
func New(ctx context.Context, s Store, opts ...Option) (*Authorizer, error) {
	o := options{follow: true, retryDelay: 200 * time.Millisecond, maxRetries: 30, heartbeat: time.Second}
	for _, f := range opts {
		f(&o)
	}
	a := &Authorizer{store: s, opts: o, done: make(chan struct{})}
	ch := make(chan struct{})
	a.notify.Store(&ch)
	a.status.Store(&Status{})
	a.mu.Lock()
	err := a.reloadLocked(ctx)
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	if o.follow {
		go a.follow(fctx)
	} else {
		close(a.done)
	}
	return a, nil
}

// Snapshot returns the current compiled snapshot. It never blocks.
func (a *Authorizer) Snapshot() *Snapshot { return a.snap.Load() }

// Status reports the current revision and the health of following.
func (a *Authorizer) Status() Status {
	st := *a.status.Load()
	if !st.Synced.IsZero() {
		st.Lag = time.Since(st.Synced)
	}
	return st
}

// Check decides req on the current snapshot, after waiting (bounded by
// ctx) until the authorizer has seen req.AtLeast. The error is non-nil only
// when the wait fails; the decision is then a denial.
func (a *Authorizer) Check(ctx context.Context, req Request) (Decision, error) {
	s, err := a.atLeast(ctx, req.AtLeast)
	if err != nil {
		return Decision{Reason: ReasonInvalidRequest}, err
	}
	return s.Check(req), nil
}

// Explain is Check with the route of the decision in Decision.Path.
func (a *Authorizer) Explain(ctx context.Context, req Request) (Decision, error) {
	s, err := a.atLeast(ctx, req.AtLeast)
	if err != nil {
		return Decision{Reason: ReasonInvalidRequest}, err
	}
	return s.Explain(req), nil
}

// Sync catches up with the store now and returns the new revision.
func (a *Authorizer) Sync(ctx context.Context) (Revision, error) {
	if a.closed.Load() {
		return 0, &Error{Op: "sync", Err: ErrClosed}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.syncLocked(ctx); err != nil {
		return a.st.rev, err
	}
	return a.st.rev, nil
}

func (a *Authorizer) atLeast(ctx context.Context, rev Revision) (*Snapshot, error) {
	s := a.snap.Load()
	if s.rev >= rev {
		return s, nil
	}
	if a.closed.Load() {
		return nil, &Error{Op: "check", Err: ErrClosed}
	}
	// Catch up directly rather than wait for the follower's next wake-up.
	if _, err := a.Sync(ctx); err != nil && ctx.Err() != nil {
		return nil, err
	}
	for {
		ch := *a.notify.Load()
		if s = a.snap.Load(); s.rev >= rev {
			return s, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, &Error{Op: "check", Msg: fmt.Sprintf("waiting for revision %d (at %d)", rev, s.rev), Err: ctx.Err()}
		}
	}
}

// Apply validates cs against the current policy, adds the changes that
// deletions cascade to, and writes it to the store atomically. When
// cs.Expect is zero and another writer got there first, Apply catches up
// and tries again; when it is not zero, a stale Expect is ErrConflict. The
// returned revision is visible in Snapshot when Apply returns.
func (a *Authorizer) Apply(ctx context.Context, cs ChangeSet) (Revision, error) {
	if a.closed.Load() {
		return 0, &Error{Op: "apply", Err: ErrClosed}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// Validate against what other replicas have already written, not only
	// against what this one has seen: one round trip per write.
	if err := a.syncLocked(ctx); err != nil {
		return 0, err
	}
	for attempt := 0; ; attempt++ {
		if cs.Expect != 0 && cs.Expect != a.st.rev {
			if err := a.syncLocked(ctx); err != nil {
				return 0, err
			}
			if cs.Expect != a.st.rev {
				return 0, &Error{Op: "apply", Msg: fmt.Sprintf("expected revision %d, store is at %d", cs.Expect, a.st.rev), Err: ErrConflict}
			}
		}
		expanded, err := a.st.withCascades(cs)
		if err != nil {
			return 0, err
		}
		prev := a.st.rev
		expanded.Expect = prev
		rev, err := a.store.Apply(ctx, expanded)
		if err == nil {
			expanded.Revision = rev
			if rev == prev+1 {
				a.applyLocked([]ChangeSet{expanded})
				return rev, nil
			}
			// Expect 0 cannot say "the store is empty": another writer
			// got in before this first write. Replay the log in order.
			if err := a.syncLocked(ctx); err != nil {
				return rev, err
			}
			if errs := a.st.validate(nil); len(errs) > 0 {
				err := &Error{Op: "apply", Msg: fmt.Sprintf("revision %d was written concurrently with the store's first write and the result is not valid", rev), Err: errors.Join(errs...)}
				a.setError(err)
				return rev, err
			}
			return rev, nil
		}
		if !errors.Is(err, ErrConflict) || cs.Expect != 0 || attempt >= a.opts.maxRetries {
			return 0, err
		}
		// Another writer got there first. Back off (without the lock, so
		// that this authorizer's follower and readers go on) for a random
		// time that grows with each attempt, so that no writer starves.
		a.mu.Unlock()
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		a.mu.Lock()
		if err := ctx.Err(); err != nil {
			return 0, &Error{Op: "apply", Msg: "gave up after a conflict", Err: err}
		}
		if err := a.syncLocked(ctx); err != nil {
			return 0, err
		}
	}
}

// Close stops following the store. It does not close the store.
func (a *Authorizer) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.cancel()
	<-a.done
	return nil
}

// follow waits for new revisions and applies them until ctx ends.
func (a *Authorizer) follow(ctx context.Context) {
	defer close(a.done)
	for {
		rev := a.snap.Load().rev
		wctx, cancel := context.WithTimeout(ctx, a.opts.heartbeat)
		_, err := a.store.Wait(wctx, rev)
		cancel()
		if ctx.Err() != nil {
			return
		}
		// A quiet heartbeat still syncs: Changes is a round trip that
		// proves the store is reachable and nothing was missed.
		if err == nil || wctx.Err() != nil {
			a.mu.Lock()
			err = a.syncLocked(ctx)
			a.mu.Unlock()
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.setError(err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(a.opts.retryDelay):
			}
		}
	}
}

func (a *Authorizer) setError(err error) {
	st := *a.status.Load()
	st.LastError, st.ErrorTime = err, time.Now()
	a.status.Store(&st)
}

// syncLocked applies the store's change log since the current revision,
// reloading everything if the log was truncated.
func (a *Authorizer) syncLocked(ctx context.Context) error {
	sets, err := a.store.Changes(ctx, a.st.rev)
	if errors.Is(err, ErrTruncated) {
		return a.reloadLocked(ctx)
	}
	if err != nil {
		return err
	}
	a.applyLocked(sets)
	return nil
}

// reloadLocked loads and compiles the whole store.
func (a *Authorizer) reloadLocked(ctx context.Context) error {
	st, err := loadState(ctx, a.store)
	if err != nil {
		return err
	}
	comp, snap, err := compileFull(st)
	if err != nil {
		return err
	}
	a.st, a.comp = st, comp
	a.publish(snap)
	return nil
}

// applyLocked applies committed change sets in order and publishes the
// result, compiling only what changed when it can.
func (a *Authorizer) applyLocked(sets []ChangeSet) {
	var changed []Change
	for _, cs := range sets {
		if cs.Revision <= a.st.rev {
			continue // already applied (our own write)
		}
		for _, c := range cs.Changes {
			a.st.applyChange(c)
		}
		a.st.rev = cs.Revision
		changed = append(changed, cs.Changes...)
	}
	if changed == nil {
		a.touchSynced()
		return
	}
	if snap, ok := a.comp.compileIncremental(a.st, a.snap.Load(), changed); ok {
		a.publish(snap)
		return
	}
	comp, snap, err := compileFull(a.st)
	if err != nil {
		// The store holds what validation accepted, so this is a bug or a
		// store written behind our back; keep serving the last snapshot.
		a.setError(err)
		return
	}
	a.comp = comp
	a.publish(snap)
}

func (a *Authorizer) publish(s *Snapshot) {
	a.snap.Store(s)
	st := *a.status.Load()
	st.Revision, st.Synced, st.LastError = s.rev, time.Now(), nil
	a.status.Store(&st)
	ch := make(chan struct{})
	old := a.notify.Swap(&ch)
	close(*old)
}

func (a *Authorizer) touchSynced() {
	st := *a.status.Load()
	st.Synced, st.LastError = time.Now(), nil
	a.status.Store(&st)
}

// Policy returns a copy of the policy the authorizer currently holds,
// sorted by key: what Import would need to recreate it elsewhere.
func (a *Authorizer) Policy() (*Policy, Revision) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st.policy(), a.st.rev
}
