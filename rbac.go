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
//
// No lock is held across store I/O on the read and follow paths: Check
// reads an atomic pointer, the follower fetches the change log without a
// lock and takes mu only to apply it in memory. Writes of one authorizer
// take turns (writing), so that they do not conflict with each other, while
// the follower goes on applying other replicas' changes.
type Authorizer struct {
	store Store
	opts  options

	snap   atomic.Pointer[Snapshot]
	notify atomic.Pointer[chan struct{}] // closed and replaced at every new snapshot

	mu     sync.Mutex // guards st, comp and recent; never held across store I/O
	st     *state
	comp   *compiler
	recent recentIDs // IDs of the change sets applied lately, for retries

	writing chan struct{} // a one-slot semaphore: this authorizer's writes take turns

	campaignsClosed sync.Map // campaign id → true once its due removals are done here (campaign.go)
	// adminMu serializes Admin writes, which judge and then write (admin.go).
	adminMu sync.Mutex
	judged  *judgedCompile // what Admin compiled for the write it is about to make (admin.go)

	status atomic.Pointer[Status]
	obs    observer

	life   context.Context // cancelled by Close: ends the follower and every wait
	cancel context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
}

// Status reports how current an authorizer is.
type Status struct {
	Revision Revision // the revision of the current snapshot
	// Synced is when the authorizer last confirmed it was up to date with
	// its store: when its last successful read of the change log began
	// (or when its own write committed on top of what it had).
	Synced time.Time
	// Lag is the time since Synced: how stale the snapshot may be, at
	// most. A follower confirms at least every heartbeat (WithHeartbeat)
	// and at once after each write it is told of, so a healthy replica's
	// lag stays under the heartbeat; while the store cannot be reached it
	// grows. WithMaxLag turns checks away beyond a bound.
	Lag       time.Duration
	LastError error     // the last error met while following the store, nil once it recovers
	ErrorTime time.Time // when LastError happened
}

// Option configures New.
type Option func(*options)

type options struct {
	follow         bool
	retryDelay     time.Duration
	maxRetries     int
	heartbeat      time.Duration
	resolveTimeout time.Duration
	clock          func() time.Time // timed.go
	ownClock       bool             // clock is WithClock's, not time.Now
	proposalExpiry time.Duration    // proposal.go
	maxLag         time.Duration
	obs            observeOptions // observe.go
}

// firstRetryDelay is the follower's first wait after two store errors in a
// row (the first is retried at once); the wait doubles with every further
// failure, up to WithRetryDelay.
const firstRetryDelay = 5 * time.Millisecond

// WithoutFollow stops the authorizer from following the store in the
// background; it then sees only its own writes and catches up when asked
// (Check with AtLeast, Sync).
func WithoutFollow() Option { return func(o *options) { o.follow = false } }

// WithRetryDelay sets the longest the follower waits after a store error
// before trying again (default 200ms). A failed catch-up is retried at
// once, as a lost connection is usually replaced by the next read; only
// when that fails too (the store cannot be reached) does the follower wait:
// 5ms first, doubling, with jitter, with every further failure in a row.
func WithRetryDelay(d time.Duration) Option { return func(o *options) { o.retryDelay = d } }

// WithHeartbeat sets how often an idle follower confirms with the store
// that it is up to date, which keeps Status.Lag meaningful (default 1s).
func WithHeartbeat(d time.Duration) Option { return func(o *options) { o.heartbeat = d } }

// WithMaxLag makes Authorizer.Check and Explain refuse to decide while the
// snapshot may be more than d behind the store (Status.Lag > d): when this
// replica cannot reach the store, a revocation written elsewhere must not
// go on being honoured here for longer than d. Such a check returns the
// zero Decision (not allowed) and an error wrapping ErrUnavailable that
// says how far behind the replica is; handle it as any Check error, by
// denying (HTTP 503, say). Snapshot.Check is unaffected: it answers from
// the snapshot it is given.
//
// The follower confirms it is current at least every heartbeat, so New
// shortens the heartbeat (WithHeartbeat) to d/4 when it is longer: an idle
// but healthy replica then never looks stale. d <= 0 (the default) sets no
// bound.
func WithMaxLag(d time.Duration) Option { return func(o *options) { o.maxLag = d } }

// WithMaxRetries bounds how many times Apply tries a change set without
// Expect when other replicas keep writing first (default 0: no bound but
// ctx; each retry waits a jittered, growing time). When the bound is
// reached, the error wraps ErrConflict and says how many times it tried.
func WithMaxRetries(n int) Option { return func(o *options) { o.maxRetries = max(0, n) } }

// WithResolveTimeout sets how long Apply keeps retrying a write whose
// outcome the store could not know (ErrUnknownOutcome) before it gives up
// and returns that error (default 30s). The retries reuse the change set's
// ID, so they never write twice, and they go on after ctx is cancelled:
// the caller's cancellation must not turn a committed write into an
// unknown one.
func WithResolveTimeout(d time.Duration) Option { return func(o *options) { o.resolveTimeout = d } }

// New loads the store, compiles it and, unless WithoutFollow, follows it
// until Close. It fails if the stored policy is not valid.
func New(ctx context.Context, s Store, opts ...Option) (*Authorizer, error) {
	o := options{follow: true, retryDelay: 200 * time.Millisecond, heartbeat: time.Second, resolveTimeout: 30 * time.Second, clock: time.Now, proposalExpiry: DefaultProposalExpiry,
		obs: observeOptions{lagWarning: DefaultLagWarning, slowCompile: DefaultSlowCompile}}
	for _, f := range opts {
		f(&o)
	}
	if o.maxLag > 0 {
		o.heartbeat = min(o.heartbeat, max(o.maxLag/4, time.Millisecond))
	}
	a := &Authorizer{store: s, opts: o, done: make(chan struct{}), writing: make(chan struct{}, 1)}
	a.life, a.cancel = context.WithCancel(context.Background())
	ch := make(chan struct{})
	a.notify.Store(&ch)
	a.status.Store(&Status{})
	if err := a.reload(ctx); err != nil {
		a.cancel()
		return nil, err
	}
	if o.follow {
		go a.follow(a.life)
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
// when no decision could be made: the wait ended (the error wraps
// ErrUnavailable and the context's cause, e.g. context.DeadlineExceeded)
// or the authorizer was closed (ErrClosed). The decision is then the zero
// Decision: not allowed, with an empty Reason, which means "not decided" —
// not a denial reason; handle it as the error it is (HTTP 503, say).
func (a *Authorizer) Check(ctx context.Context, req Request) (Decision, error) {
	s, err := a.atLeast(ctx, "check", req.AtLeast)
	if err != nil {
		return Decision{}, err
	}
	if err := a.tooStale("check", s); err != nil {
		return Decision{}, err
	}
	d := s.Check(req)
	a.decided(ctx, req, d)
	return d, nil
}

// Explain is Check with the route of the decision in Decision.Path.
func (a *Authorizer) Explain(ctx context.Context, req Request) (Decision, error) {
	s, err := a.atLeast(ctx, "explain", req.AtLeast)
	if err != nil {
		return Decision{}, err
	}
	if err := a.tooStale("explain", s); err != nil {
		return Decision{}, err
	}
	d := s.Explain(req)
	a.decided(ctx, req, d)
	return d, nil
}

// tooStale returns the error of a decision refused because the snapshot
// may be more than WithMaxLag behind the store, or nil.
func (a *Authorizer) tooStale(op string, s *Snapshot) error {
	if a.opts.maxLag <= 0 {
		return nil
	}
	synced := a.status.Load().Synced
	lag := time.Since(synced)
	if lag <= a.opts.maxLag {
		return nil
	}
	return &Error{Op: op, Msg: fmt.Sprintf("the snapshot (revision %d) was last confirmed current with the store %v ago, more than the %v WithMaxLag allows", s.rev, lag.Round(time.Millisecond), a.opts.maxLag), Err: ErrUnavailable}
}

// Sync catches up with the store now and returns the new revision.
func (a *Authorizer) Sync(ctx context.Context) (Revision, error) {
	if a.closed.Load() {
		return 0, &Error{Op: "sync", Err: ErrClosed}
	}
	ctx, stop := a.untilClose(ctx)
	defer stop()
	err := a.sync(ctx)
	if err != nil && a.closed.Load() {
		err = &Error{Op: "sync", Err: ErrClosed}
	}
	return a.stateRev(), err
}

// untilClose returns a context that also ends when the authorizer closes.
func (a *Authorizer) untilClose(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.life, cancel)
	return ctx, func() { stop(); cancel() }
}

// ctxErr is the error of an operation whose context ended: transient, as
// the same call with a live context may succeed; errors.Is also finds the
// context's error.
func ctxErr(op, msg string, ctx context.Context) error {
	return &Error{Op: op, Msg: msg, Err: fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))}
}

func (a *Authorizer) atLeast(ctx context.Context, op string, rev Revision) (*Snapshot, error) {
	s := a.snap.Load()
	if s.rev >= rev {
		return s, nil
	}
	if a.closed.Load() {
		return nil, &Error{Op: op, Err: ErrClosed}
	}
	// Catch up directly rather than wait for the follower's next wake-up.
	// An error here is the follower's to report; the wait below decides.
	wctx, stop := a.untilClose(ctx)
	defer stop()
	a.sync(wctx)
	for {
		ch := *a.notify.Load()
		if s = a.snap.Load(); s.rev >= rev {
			return s, nil
		}
		select {
		case <-ch:
		case <-a.life.Done():
			return nil, &Error{Op: op, Msg: fmt.Sprintf("waiting for revision %d (at %d)", rev, s.rev), Err: ErrClosed}
		case <-ctx.Done():
			return nil, ctxErr(op, fmt.Sprintf("waiting for revision %d (at %d)", rev, s.rev), ctx)
		}
	}
}

// apply is Apply (observe.go) without the observing.
func (a *Authorizer) apply(ctx context.Context, cs ChangeSet) (Revision, error) {
	if a.closed.Load() {
		return 0, &Error{Op: "apply", Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return 0, ctxErr("apply", "", ctx)
	}
	if cs.ID == "" {
		cs.ID = NewChangeSetID()
	} else if err := checkID(cs.ID); err != nil {
		return 0, &Error{Op: "apply", Msg: "change set id: " + err.Error(), Err: ErrInvalid}
	} else if rev, ok, err := a.replayed(cs); ok {
		return rev, err
	}
	select {
	case a.writing <- struct{}{}:
		defer func() { <-a.writing }()
	case <-ctx.Done():
		return 0, ctxErr("apply", "waiting for this authorizer's other writes", ctx)
	case <-a.life.Done():
		return 0, &Error{Op: "apply", Err: ErrClosed}
	}
	// Validate against what other replicas have already written, not only
	// against what this one has seen: one round trip per write.
	if err := a.sync(ctx); err != nil {
		return 0, relabel("apply", "catching up with the store before writing", err)
	}
	if rev, ok, err := a.replayed(cs); ok {
		return rev, err
	}
	for attempt := 1; ; attempt++ {
		a.mu.Lock()
		prev := a.st.rev
		if cs.Expect != 0 && cs.Expect != prev {
			a.mu.Unlock()
			return 0, &Error{Op: "apply", Msg: fmt.Sprintf("expected revision %d, the store is at %d", cs.Expect, prev), Err: ErrConflict}
		}
		expanded, err := a.st.withCascades(cs)
		a.mu.Unlock()
		if err != nil {
			return 0, err
		}
		expanded.Expect = prev
		rev, err := a.write(ctx, expanded)
		if err == nil {
			expanded.Revision = rev
			return a.written(ctx, expanded, prev)
		}
		if !errors.Is(err, ErrConflict) || cs.Expect != 0 {
			return 0, err
		}
		if a.opts.maxRetries > 0 && attempt >= a.opts.maxRetries {
			return 0, &Error{Op: "apply", Msg: fmt.Sprintf("gave up after %d attempts: other writers kept changing the store first", attempt), Err: err}
		}
		// Another writer got there first. Back off for a random time that
		// grows with each attempt, so that no writer starves, then catch up.
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return 0, ctxErr("apply", fmt.Sprintf("gave up after %d attempts, each beaten by another writer", attempt), ctx)
		case <-a.life.Done():
			return 0, &Error{Op: "apply", Err: ErrClosed}
		case <-time.After(wait):
		}
		if err := a.sync(ctx); err != nil {
			return 0, relabel("apply", "catching up with the store after a conflict", err)
		}
		if a.stateRev() == prev {
			// The store refused the write although nobody wrote since:
			// not a race another attempt can win (the ID was used for
			// different changes, say).
			return 0, err
		}
	}
}

// write applies cs to the store. When the outcome is unknown it retries the
// very same change set (same ID, same content): the store then either
// finds the ID logged and returns its revision, or writes it now. Retries
// are detached from ctx, bounded by WithResolveTimeout and Close.
func (a *Authorizer) write(ctx context.Context, cs ChangeSet) (Revision, error) {
	rev, err := a.store.Apply(ctx, cs)
	if !errors.Is(err, ErrUnknownOutcome) {
		return rev, err
	}
	first := err
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opts.resolveTimeout)
	defer cancel()
	rctx, stop := a.untilClose(rctx)
	defer stop()
	wait := firstRetryDelay
	for attempt := 2; ; attempt++ {
		select {
		case <-rctx.Done():
			return 0, &Error{Op: "apply", Msg: fmt.Sprintf("change set %s: could not learn whether it committed in %d attempts over %v; retry with the same ChangeSet.ID", quoteShort(cs.ID), attempt-1, a.opts.resolveTimeout), Err: first}
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
		rev, err = a.store.Apply(rctx, cs)
		switch {
		case err == nil:
			return rev, nil
		case errors.Is(err, ErrClosed):
			return 0, &Error{Op: "apply", Msg: fmt.Sprintf("change set %s: the store closed before it could tell whether the write committed; retry with the same ChangeSet.ID", quoteShort(cs.ID)), Err: first}
		case errors.Is(err, ErrUnknownOutcome), errors.Is(err, ErrUnavailable):
			if errors.Is(err, ErrUnknownOutcome) {
				first = err
			}
			continue // still unknown
		default:
			// A definite answer: the ID is not logged, so the first
			// attempt did not commit, and this one failed for a reason.
			return 0, err
		}
	}
}

// written makes a committed change set visible in the snapshot before
// Apply returns.
func (a *Authorizer) written(ctx context.Context, cs ChangeSet, prev Revision) (Revision, error) {
	rev := cs.Revision
	a.mu.Lock()
	if rev == prev+1 {
		a.applyLocked([]ChangeSet{cs}) // skipped if the follower got there first
		a.mu.Unlock()
		return rev, nil
	}
	a.mu.Unlock()
	// Expect 0 cannot say "the store is empty": another writer got in
	// before this first write. Replay the log in order. The write is
	// committed whatever happens now, so the caller's cancellation does
	// not stop the catching up.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opts.resolveTimeout)
	defer cancel()
	for a.stateRev() < rev {
		if err := a.sync(sctx); err != nil {
			a.setError(err)
			return rev, nil // committed; the follower will catch up
		}
	}
	a.mu.Lock()
	errs := a.st.validate(nil)
	a.mu.Unlock()
	if len(errs) > 0 {
		err := &Error{Op: "apply", Msg: fmt.Sprintf("revision %d was written concurrently with the store's first write and the result is not valid", rev), Err: errors.Join(errs...)}
		a.setError(err)
		return rev, err
	}
	return rev, nil
}

// replayed reports whether cs (as the caller gave it, without cascades)
// was applied lately under its ID, and then what Apply returns: the
// revision, or ErrConflict if the ID was used for other content. Planning
// a retry again could fail where the original succeeded (deleting what it
// deleted), so a retry must be recognised before it is planned.
func (a *Authorizer) replayed(cs ChangeSet) (Revision, bool, error) {
	a.mu.Lock()
	r, ok := a.recent.byID[cs.ID]
	a.mu.Unlock()
	if !ok {
		return 0, false, nil
	}
	asked := cs
	asked.Changes = make([]Change, len(cs.Changes))
	for i, c := range cs.Changes {
		c.Cascade = false // Apply marks its own
		asked.Changes[i] = c
	}
	if r.digest != asked.Digest() {
		return 0, true, &Error{Op: "apply", Msg: fmt.Sprintf("change set id %s was used at revision %d for different changes", quoteShort(cs.ID), r.rev), Err: ErrConflict}
	}
	return r.rev, true, nil
}

// requestDigest is the digest of the changes a caller asked for: the
// change set without the cascades that Apply added.
func requestDigest(cs ChangeSet) string {
	req := cs
	req.Changes = make([]Change, 0, len(cs.Changes))
	for _, c := range cs.Changes {
		if !c.Cascade {
			req.Changes = append(req.Changes, c)
		}
	}
	return req.Digest()
}

// recentIDs remembers the IDs of the last maxRecentIDs change sets applied
// (of up to maxRecentChanges changes each), oldest evicted first.
type recentIDs struct {
	byID  map[string]recentID
	order []string
}

type recentID struct {
	rev    Revision
	digest string
}

const (
	maxRecentIDs     = 4096
	maxRecentChanges = 1000
)

func (r *recentIDs) add(cs ChangeSet) {
	if cs.ID == "" || len(cs.Changes) > maxRecentChanges {
		return
	}
	if r.byID == nil {
		r.byID = make(map[string]recentID)
	}
	if len(r.order) >= maxRecentIDs {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
	r.byID[cs.ID] = recentID{rev: cs.Revision, digest: requestDigest(cs)}
	r.order = append(r.order, cs.ID)
}

// relabel returns err as an error of op: what failed inside an operation is
// reported as that operation's failure, with what it was doing.
func relabel(op, doing string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		// A store that returned a bare error: it did not do the work.
		return &Error{Op: op, Msg: doing, Err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
	}
	out := *e
	out.Op = op
	if out.Msg == "" {
		out.Msg = doing
	} else {
		out.Msg = doing + ": " + out.Msg
	}
	return &out
}

// Close stops following the store and wakes every pending Check, Explain
// and Sync with ErrClosed. It does not close the store.
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
	backoff, failures := time.Duration(0), 0
	for {
		rev := a.stateRev()
		wctx, cancel := context.WithTimeout(ctx, a.untilBoundary(a.opts.heartbeat))
		_, err := a.store.Wait(wctx, rev)
		cancel()
		if ctx.Err() != nil {
			return
		}
		// A quiet heartbeat still syncs: Changes is a round trip that
		// proves the store is reachable and nothing was missed.
		if err == nil || wctx.Err() != nil {
			err = a.sync(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			backoff, failures = 0, 0
			a.closeDueCampaigns(ctx)
			continue
		}
		a.setError(err)
		// Retry at once: a connection killed under the read is discarded,
		// and the next read gets another (sqlstore retries a lost
		// connection itself, on a fresh one). Failing again means the
		// store itself cannot be reached: then retry less and less often
		// while it stays away.
		if failures++; failures == 1 {
			continue
		}
		backoff = min(max(2*backoff, firstRetryDelay), max(a.opts.retryDelay, firstRetryDelay))
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (a *Authorizer) setError(err error) {
	st := *a.status.Load()
	st.LastError, st.ErrorTime = err, time.Now()
	a.status.Store(&st)
	a.followFailed(err)
}

// stateRev returns the revision of the state (which the snapshot follows).
func (a *Authorizer) stateRev() Revision {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st.rev
}

// sync applies the store's change log since the current revision,
// reloading everything if the log was truncated. Syncs may run
// concurrently (each applies only revisions the state has not reached):
// under faults the first read to get through wins, where sharing one read
// would make every caller wait for a read stuck on a dying connection
// (measured: TestChaosHard's PostgreSQL p99 doubled).
func (a *Authorizer) sync(ctx context.Context) error { return a.catchUpOnce(ctx) }

// catchUpOnce reads the change log after the state's revision and applies
// it. It reads the store without holding mu, and takes mu only to apply
// what it read (each apply skips revisions the state has reached:
// concurrent syncs, Apply's own writes and reloads also move it).
func (a *Authorizer) catchUpOnce(ctx context.Context) error {
	began := time.Now()
	sets, err := a.store.Changes(ctx, a.stateRev())
	if errors.Is(err, ErrTruncated) {
		return a.reload(ctx)
	}
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applyLocked(sets)
	// Current as of when the read began, not when it ended: what was
	// written meanwhile is not in the snapshot.
	if st := *a.status.Load(); st.Synced.After(began) {
		st.Synced = began
		a.status.Store(&st)
	}
	return nil
}

// reload loads and compiles the whole store, without holding mu, and
// installs the result unless the state has meanwhile moved past it.
func (a *Authorizer) reload(ctx context.Context) error {
	st, where, early, streamed, err := loadState(ctx, a.store, a.snapshotClock())
	if err != nil {
		return err
	}
	start := time.Now()
	// Index and validate the users on another core while compiling
	// (unless the load's workers did as the users streamed in):
	// compileFull reads loadOrder, not the table, and accepts any state
	// (unknown references compile to nothing, cycles are errors); its
	// result is dropped unless the state is valid.
	var invalid []error
	unique := true
	validated := make(chan struct{})
	go func() {
		defer close(validated)
		if streamed != nil {
			streamed.wait()
		}
		if unique = st.indexUsers(); !unique {
			return
		}
		if streamed != nil && streamed.c != nil && streamed.n == len(st.loadOrder) {
			invalid = st.validateStreamed(streamed.userErrs)
		} else {
			invalid = st.validate(where)
		}
	}()
	comp, snap, err := compileFullWith(st, early, streamed)
	<-validated
	if !unique {
		// The store listed a user twice: the table holds the last of
		// each, and only the table is compiled and validated.
		st.loadOrder = nil
		invalid = st.validate(where)
		comp, snap, err = compileFull(st)
	}
	if len(invalid) > 0 {
		return invalidLoad(st, invalid)
	}
	if err != nil {
		return err
	}
	st.loadOrder = nil // only the first walk of a fresh state may use it
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st != nil && a.st.rev > st.rev {
		return nil // a concurrent sync got further
	}
	a.st, a.comp = st, comp
	a.publish(snap)
	a.compiled(start, snap.rev, true)
	return nil
}

// applyLocked applies committed change sets in order and publishes the
// result, compiling only what changed when it can. Sets the state has
// already reached are skipped; a set that does not follow on from the state
// (a gap: another sync or a reload won a race) stops the run, and the next
// sync fetches from the state's revision.
func (a *Authorizer) applyLocked(sets []ChangeSet) {
	var changed []Change
	for _, cs := range sets {
		if cs.Revision <= a.st.rev {
			continue // already applied (our own write, or a concurrent sync)
		}
		if cs.Revision != a.st.rev+1 {
			break
		}
		for _, c := range cs.Changes {
			a.st.applyChange(c)
		}
		a.st.rev = cs.Revision
		a.recent.add(cs)
		changed = append(changed, cs.Changes...)
	}
	if changed == nil {
		a.touchSynced()
		a.retimeLocked()
		return
	}
	defer a.retimeLocked()
	start := time.Now()
	if comp, snap, ok := a.takeJudged(sets); ok {
		a.comp = comp
		a.publish(snap)
		return
	}
	if snap, ok := a.comp.compileIncremental(a.st, a.snap.Load(), changed); ok {
		a.publish(snap)
		a.compiled(start, snap.rev, false)
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
	a.compiled(start, snap.rev, true)
}

func (a *Authorizer) publish(s *Snapshot) {
	a.snap.Store(s)
	st := *a.status.Load()
	st.Revision, st.Synced, st.LastError = s.rev, time.Now(), nil
	a.status.Store(&st)
	a.followOK(s.rev)
	ch := make(chan struct{})
	old := a.notify.Swap(&ch)
	close(*old)
}

func (a *Authorizer) touchSynced() {
	st := *a.status.Load()
	st.Synced, st.LastError = time.Now(), nil
	a.status.Store(&st)
	a.followOK(st.Revision)
}

// Policy returns a copy of the policy the authorizer currently holds,
// sorted by key: what Import would need to recreate it elsewhere.
func (a *Authorizer) Policy() (*Policy, Revision) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st.policy(), a.st.rev
}
