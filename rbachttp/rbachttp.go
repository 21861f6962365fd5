package rbachttp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/rolegraph/rbac"
)

// Identity is who makes an HTTP request: a user stored in the policy, or
// a principal that the service vouches for (a verified token's claims).
// When Principal is set, User is ignored.
type Identity struct {
	User      rbac.UserID
	Principal *rbac.User
}

// ID returns the principal's id, or the user's.
func (id Identity) ID() rbac.UserID {
	if id.Principal != nil {
		return id.Principal.ID
	}
	return id.User
}

// IdentifyFunc finds who makes the request: from a session, a header, a
// verified token. An error answers 401 Unauthorized.
type IdentifyFunc func(*http.Request) (Identity, error)

// Principals is the IdentifyFunc of a service whose callers are all
// principals: f verifies the request's token and returns the user its
// claims describe (the same function adminui.Options.Principal takes).
func Principals(f func(*http.Request) (*rbac.User, error)) IdentifyFunc {
	return func(r *http.Request) (Identity, error) {
		p, err := f(r)
		return Identity{Principal: p}, err
	}
}

// ResourceFunc describes the record a request is about, from the URL and
// the service's own data. It returns nil for a capability check (a create,
// say). An error wrapping ErrNoRecord answers 404, any other 500.
type ResourceFunc func(*http.Request) (*rbac.Resource, error)

// ErrNoRecord is what a ResourceFunc returns when the record does not
// exist. The answer is then 404, as it is for a record the user may not
// see, so that the two cannot be told apart.
var ErrNoRecord = errors.New("no such record")

// Guard authorizes HTTP requests with an Authorizer. Its zero value is not
// usable: set Authorizer and Identify. A Guard is safe for concurrent use
// once built; do not change its fields while it serves.
type Guard struct {
	Authorizer *rbac.Authorizer
	Identify   IdentifyFunc

	// Status maps a denial's reason to an HTTP status; nil uses
	// DefaultStatus.
	Status func(rbac.Reason) int
	// Logger, when set, logs: a caller that cannot be identified (401) at
	// info; every denial with its explanation, at info, or at warn for
	// invalid_request (the request names what the model lacks: an
	// identity provider's unknown role, a typo in the service); errors of
	// the store, the authorizer and ResourceFunc at error. Decisions
	// themselves go to the authorizer's decision log (rbac.WithDecisionLog,
	// rbac.SlogDecisionLog).
	Logger *slog.Logger
	// Deny writes a denial or an error response; nil writes the status
	// text. It must not reveal more than the status does.
	Deny func(w http.ResponseWriter, r *http.Request, status int)
	// AtLeast, when set, gives the revision a request must see (read your
	// own writes across replicas: the revision an earlier write returned,
	// kept in a cookie, say). Waiting for it is bounded by the request's
	// context; when that ends first the answer is 503.
	AtLeast func(*http.Request) rbac.Revision
}

// DefaultStatus answers 404 Not Found for out_of_scope and not_owner, so
// that a user cannot learn that a record they may not see exists, and 403
// Forbidden for every other denial.
func DefaultStatus(reason rbac.Reason) int {
	switch reason {
	case rbac.ReasonOutOfScope, rbac.ReasonNotOwner:
		return http.StatusNotFound
	}
	return http.StatusForbidden
}

// guarded is what Require learned about a request, for its handler: one
// context node carries it all, so that passing it costs one allocation
// beside the request's copy (see BenchmarkGuard).
type guarded struct {
	context.Context
	identity Identity
	decision rbac.Decision
	decided  bool
	resource *rbac.Resource
	record   any
}

// guardedKey is the key under which a guarded node answers Value.
type guardedKey struct{}

func (g *guarded) Value(key any) any {
	if key == (guardedKey{}) {
		return g
	}
	return g.Context.Value(key)
}

func guardedFrom(ctx context.Context) *guarded {
	g, _ := ctx.Value(guardedKey{}).(*guarded)
	return g
}

// DecisionFrom returns the decision that Require made for this request.
func DecisionFrom(ctx context.Context) (rbac.Decision, bool) {
	if g := guardedFrom(ctx); g != nil && g.decided {
		return g.decision, true
	}
	return rbac.Decision{}, false
}

// IdentityFrom returns who Require found makes this request.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	if g := guardedFrom(ctx); g != nil {
		return g.identity, true
	}
	return Identity{}, false
}

// ResourceFrom returns the resource that Require's ResourceFunc described
// for this request (nil for a capability check).
func ResourceFrom(ctx context.Context) (*rbac.Resource, bool) {
	if g := guardedFrom(ctx); g != nil && g.resource != nil {
		return g.resource, true
	}
	return nil, false
}

// Keep, called by a ResourceFunc, keeps the service's record it loaded to
// describe the resource, so that the handler reads it with RecordFrom
// instead of loading it again. Outside a ResourceFunc run by Require it
// does nothing.
func Keep(r *http.Request, record any) {
	if g := guardedFrom(r.Context()); g != nil {
		g.record = record
	}
}

// RecordFrom returns the record the ResourceFunc kept (Keep), if it is a T.
func RecordFrom[T any](ctx context.Context) (T, bool) {
	if g := guardedFrom(ctx); g != nil {
		rec, ok := g.record.(T)
		return rec, ok
	}
	var zero T
	return zero, false
}

// Require wraps next so that it runs only if the request's identity may
// use perm on the record that resource describes (nil resource func: a
// capability check). next finds the decision, the identity, the resource
// and the record the ResourceFunc kept in the request's context
// (DecisionFrom, IdentityFrom, ResourceFrom, RecordFrom), and may check
// more with Guard.Check. Answers: 401 when Identify fails; 404 when the
// record does not exist; the mapped status for a denial; 503 when no
// decision could be made in time (the context ended, or the authorizer is
// closed); 500 for any other error.
func (g *Guard) Require(perm rbac.Permission, resource ResourceFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := g.Identify(r)
		if err != nil {
			g.logUnauthenticated(ctx, r, err)
			g.deny(w, r, http.StatusUnauthorized)
			return
		}
		node := &guarded{Context: ctx, identity: id}
		r = r.WithContext(node)
		d, status := g.decide(r, id, perm, resource, node)
		if status != 0 {
			g.deny(w, r, status)
			return
		}
		node.decision, node.decided = d, true
		next.ServeHTTP(w, r)
	})
}

// decide returns the decision, or the status to answer with instead. The
// resource is described by resource, or given (res).
func (g *Guard) decide(r *http.Request, id Identity, perm rbac.Permission, resource ResourceFunc, node *guarded) (rbac.Decision, int) {
	ctx := r.Context()
	req := rbac.Request{User: id.User, Principal: id.Principal, Permission: perm}
	if g.AtLeast != nil {
		req.AtLeast = g.AtLeast(r)
	}
	if resource != nil {
		res, err := resource(r)
		if errors.Is(err, ErrNoRecord) {
			return rbac.Decision{}, http.StatusNotFound
		}
		if err != nil {
			g.logError(ctx, "rbachttp: describe the resource", err, r)
			return rbac.Decision{}, http.StatusInternalServerError
		}
		req.Resource = res
		node.resource = res
	}
	return g.check(r, req)
}

// check asks the authorizer (which logs the decision) and returns the
// status to answer when it is not allowed.
func (g *Guard) check(r *http.Request, req rbac.Request) (rbac.Decision, int) {
	ctx := r.Context()
	d, err := g.Authorizer.Check(ctx, req)
	if err != nil {
		return d, g.failed(r, "rbachttp: check", err)
	}
	if !d.Allowed {
		status := g.status(d.Reason)
		g.logDenial(ctx, r, req, status)
		return d, status
	}
	return d, 0
}

// failed logs an error of the authorizer and returns its status: 503 when
// no decision could be made in time, else 500.
func (g *Guard) failed(r *http.Request, msg string, err error) int {
	g.logError(r.Context(), msg, err, r)
	if errors.Is(err, rbac.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, rbac.ErrClosed) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (g *Guard) status(reason rbac.Reason) int {
	if g.Status != nil {
		return g.Status(reason)
	}
	return DefaultStatus(reason)
}

func (g *Guard) deny(w http.ResponseWriter, r *http.Request, status int) {
	if g.Deny != nil {
		g.Deny(w, r, status)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

// logDenial logs why: the explanation is computed only for a logger, and
// on the current snapshot (so it is not counted again by a decision log).
func (g *Guard) logDenial(ctx context.Context, r *http.Request, req rbac.Request, status int) {
	if g.Logger == nil {
		return
	}
	d := g.Authorizer.Snapshot().Explain(req)
	level := slog.LevelInfo
	if d.Reason == rbac.ReasonInvalidRequest {
		level = slog.LevelWarn
	}
	g.Logger.LogAttrs(ctx, level, "rbachttp: denied",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("user", string(identityID(req))), slog.String("permission", string(req.Permission)),
		slog.String("reason", string(d.Reason)), slog.Int("status", status),
		slog.String("explanation", d.String()))
}

func identityID(req rbac.Request) rbac.UserID {
	if req.Principal != nil {
		return req.Principal.ID
	}
	return req.User
}

func (g *Guard) logUnauthenticated(ctx context.Context, r *http.Request, err error) {
	if g.Logger == nil {
		return
	}
	g.Logger.LogAttrs(ctx, slog.LevelInfo, "rbachttp: unauthenticated", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
}

func (g *Guard) logError(ctx context.Context, msg string, err error, r *http.Request) {
	if g.Logger == nil {
		return
	}
	g.Logger.LogAttrs(ctx, slog.LevelError, msg, slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
}
