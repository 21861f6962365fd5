package rbac

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Observability: what an Authorizer tells operators. Nothing here is on
// Snapshot.Check's path, which stays pure and allocation-free; the hooks
// run on Authorizer.Check, Explain and Plan, on compiles and on writes.

// DecisionLog receives every decision Authorizer.Check, Explain and Plan make,
// with the request's context (for trace ids). It runs on the request's
// goroutine, so it must be quick and safe for concurrent use; it must not
// modify the request.
type DecisionLog func(ctx context.Context, req Request, d Decision)

// Observer receives measurements of an Authorizer's own work, for
// metrics (otelrbac adapts them to OpenTelemetry). Its methods must be
// quick and safe for concurrent use.
type Observer interface {
	// Compiled reports a snapshot published at rev; full is false when
	// only the changed users and owners were compiled.
	Compiled(rev Revision, full bool, took time.Duration)
	// Applied reports an Authorizer.Apply: the revision written (0 on
	// error), how long it took and its error.
	Applied(rev Revision, took time.Duration, err error)
}

// Default thresholds of the logger's warnings.
const (
	DefaultLagWarning  = 30 * time.Second
	DefaultSlowCompile = time.Second
)

type observeOptions struct {
	logger      *slog.Logger
	decisions   []DecisionLog
	observers   []Observer
	lagWarning  time.Duration
	slowCompile time.Duration
}

// WithLogger logs what an operator needs to know: errors while following
// the store (warn) and the recovery after them (info), a snapshot older
// than the lag threshold (warn, once per episode; see WithLagWarning),
// compiles slower than the slow-compile threshold (warn; see
// WithSlowCompile), and every change set written through Apply — which
// includes every Admin change — with its actor, reason, revision and
// changes (info). A nil logger logs nothing (the default).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.obs.logger = l } }

// WithLagWarning sets the lag (time since the authorizer last confirmed it
// is up to date) above which the logger warns (default 30s).
func WithLagWarning(d time.Duration) Option { return func(o *options) { o.obs.lagWarning = d } }

// WithSlowCompile sets the compile time above which the logger warns
// (default 1s).
func WithSlowCompile(d time.Duration) Option { return func(o *options) { o.obs.slowCompile = d } }

// WithDecisionLog calls f with every decision of Authorizer.Check,
// Authorizer.Explain and Authorizer.Plan (never of Snapshot's). Several decision logs may
// be given; each is called in order. A decision that could not be made
// (Check returned an error) is not logged: the error is the caller's.
func WithDecisionLog(f DecisionLog) Option {
	return func(o *options) {
		if f != nil {
			o.obs.decisions = append(o.obs.decisions, f)
		}
	}
}

// SlogDecisionLog returns a decision log (WithDecisionLog) that writes
// each decision to l: allowed ones at debug level, denials at info, and
// denials for invalid_request — a request the model cannot answer, often a
// token or a caller naming what the policy does not have — at warn. Each
// record has the user (or principal), the permission, the resource's kind
// and id when there is one, allowed, the reason and, when allowed, the
// scope. It asks l first whether the level is enabled, so a disabled level
// costs nothing more.
func SlogDecisionLog(l *slog.Logger) DecisionLog {
	return func(ctx context.Context, req Request, d Decision) {
		level := slog.LevelDebug
		switch {
		case d.Reason == ReasonInvalidRequest:
			level = slog.LevelWarn
		case !d.Allowed:
			level = slog.LevelInfo
		}
		if !l.Enabled(ctx, level) {
			return
		}
		user := req.User
		if req.Principal != nil {
			user = req.Principal.ID
		}
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.String("user", string(user)), slog.Bool("principal", req.Principal != nil), slog.String("permission", string(req.Permission)))
		if req.Resource != nil {
			attrs = append(attrs, slog.String("kind", req.Resource.Kind))
			if req.Resource.ID != "" {
				attrs = append(attrs, slog.String("id", req.Resource.ID))
			}
		}
		attrs = append(attrs, slog.Bool("allowed", d.Allowed), slog.String("reason", string(d.Reason)))
		if d.Allowed {
			attrs = append(attrs, slog.String("scope", d.Scope.String()))
		}
		l.LogAttrs(ctx, level, "rbac: decision", attrs...)
	}
}

// WithObserver adds an Observer of compiles and writes.
func WithObserver(obs Observer) Option {
	return func(o *options) {
		if obs != nil {
			o.obs.observers = append(o.obs.observers, obs)
		}
	}
}

// observer is an Authorizer's observing state.
type observer struct {
	failing atomic.Bool // the follower's last attempt failed
	lagging atomic.Bool // a lag warning was logged and not yet cleared
}

func (a *Authorizer) decided(ctx context.Context, req Request, d Decision) {
	for _, f := range a.opts.obs.decisions {
		f(ctx, req, d)
	}
}

// Apply validates cs against the current policy, adds the changes that
// deletions cascade to, and writes it to the store atomically. The
// returned revision is visible in Snapshot when Apply returns.
//
// cs.ID is the idempotency key (one is generated when it is empty): Apply
// never writes a change set twice, and when the store cannot tell whether
// a write committed (ErrUnknownOutcome), Apply retries it with the same ID
// until it knows (see WithResolveTimeout), so the caller sees success or a
// definite failure. Calling Apply again with an ID that is already logged
// returns the logged revision without writing.
//
// When cs.Expect is zero and another writer got there first, Apply catches
// up and tries again (see WithMaxRetries); when it is not zero, a stale
// Expect is ErrConflict. Writes of one Authorizer take turns.
//
// With WithLogger every written change set is logged at info level; an
// Observer receives its latency.
func (a *Authorizer) Apply(ctx context.Context, cs ChangeSet) (Revision, error) {
	start := time.Now()
	rev, err := a.apply(ctx, cs)
	took := time.Since(start)
	for _, o := range a.opts.obs.observers {
		o.Applied(rev, took, err)
	}
	if l := a.opts.obs.logger; l != nil && err == nil {
		l.LogAttrs(ctx, slog.LevelInfo, "rbac: change set applied",
			slog.Uint64("revision", uint64(rev)), slog.String("actor", string(cs.Actor)),
			slog.String("reason", cs.Reason), slog.Int("changes", len(cs.Changes)),
			slog.String("summary", summarize(cs.Changes)), slog.Duration("took", took))
	}
	return rev, err
}

// summarize lists the first changes of a set, "put role \"a\", delete
// user \"b\" and 3 more".
func summarize(changes []Change) string {
	const show = 5
	parts := make([]string, 0, min(len(changes), show)+1)
	for i, c := range changes {
		if i == show {
			parts = append(parts, "and "+strconv.Itoa(len(changes)-show)+" more")
			break
		}
		parts = append(parts, c.String())
	}
	return strings.Join(parts, ", ")
}

// compiled reports a compile that started at start and published rev.
func (a *Authorizer) compiled(start time.Time, rev Revision, full bool) {
	took := time.Since(start)
	for _, o := range a.opts.obs.observers {
		o.Compiled(rev, full, took)
	}
	if l := a.opts.obs.logger; l != nil && took > a.opts.obs.slowCompile {
		l.LogAttrs(context.Background(), slog.LevelWarn, "rbac: slow compile",
			slog.Uint64("revision", uint64(rev)), slog.Bool("full", full), slog.Duration("took", took),
			slog.Duration("threshold", a.opts.obs.slowCompile))
	}
}

// followFailed reports an error met while following the store.
func (a *Authorizer) followFailed(err error) {
	a.obs.failing.Store(true)
	l := a.opts.obs.logger
	if l == nil {
		return
	}
	st := a.Status()
	l.LogAttrs(context.Background(), slog.LevelWarn, "rbac: following the store failed; serving the last snapshot",
		slog.Uint64("revision", uint64(st.Revision)), slog.Duration("lag", st.Lag), slog.Any("error", err))
	if st.Lag > a.opts.obs.lagWarning && !a.obs.lagging.Swap(true) {
		l.LogAttrs(context.Background(), slog.LevelWarn, "rbac: snapshot is stale",
			slog.Uint64("revision", uint64(st.Revision)), slog.Duration("lag", st.Lag),
			slog.Duration("threshold", a.opts.obs.lagWarning))
	}
}

// followOK reports that the authorizer is up to date with its store again.
func (a *Authorizer) followOK(rev Revision) {
	wasFailing := a.obs.failing.Swap(false)
	wasLagging := a.obs.lagging.Swap(false)
	if l := a.opts.obs.logger; l != nil && (wasFailing || wasLagging) {
		l.LogAttrs(context.Background(), slog.LevelInfo, "rbac: following the store again",
			slog.Uint64("revision", uint64(rev)))
	}
}
