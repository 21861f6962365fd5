package rbac_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// logRecorder collects slog records as JSON objects, safely.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logRecorder) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// find returns the records with that message.
func (l *logRecorder) find(t *testing.T, msg string) []map[string]any {
	var out []map[string]any
	for _, r := range l.records(t) {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func newLogger(rec *logRecorder) *slog.Logger {
	return slog.New(slog.NewJSONHandler(rec, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestLoggerLogsEveryAppliedChangeSet(t *testing.T) {
	rec := &logRecorder{}
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithLogger(newLogger(rec)), rbac.WithSlowCompile(time.Hour))
	ctx := context.Background()
	rev, err := a.Apply(ctx, rbac.ChangeSet{Actor: "alice", Reason: "carol joins", Changes: []rbac.Change{
		rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A refused change set is the caller's error, not an admin change.
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("nobody")}}); err == nil {
		t.Fatal("deleting nobody succeeded")
	}
	got := rec.find(t, "rbac: change set applied")
	if len(got) != 1 {
		t.Fatalf("%d change-set records, want 1: %v", len(got), rec.records(t))
	}
	r := got[0]
	want := map[string]any{"level": "INFO", "revision": float64(rev), "actor": "alice", "reason": "carol joins", "changes": float64(1), "summary": `put user "carol"`}
	for k, v := range want {
		if diff := cmp.Diff(v, r[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if len(rec.find(t, "rbac: slow compile")) != 0 {
		t.Error("a compile was logged as slow under a one-hour threshold")
	}
}

func TestLoggerWarnsOfSlowCompiles(t *testing.T) {
	rec := &logRecorder{}
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithLogger(newLogger(rec)), rbac.WithSlowCompile(time.Nanosecond), rbac.WithoutFollow())
	if _, err := a.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "r", Grants: []rbac.Grant{{Permission: "x.y", Scope: rbac.ScopeGlobal}}})}}); err != nil {
		t.Fatal(err)
	}
	slow := rec.find(t, "rbac: slow compile")
	// The initial load and the write: both full compiles.
	if len(slow) != 2 || slow[1]["level"] != "WARN" || slow[1]["full"] != true {
		t.Fatalf("slow compile records: %v", slow)
	}
}

// outageStore fails Changes and Wait while down is set.
type outageStore struct {
	rbac.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (f *outageStore) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Changes(ctx, after)
}

func (f *outageStore) Wait(ctx context.Context, after rbac.Revision) (rbac.Revision, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Store.Wait(ctx, after)
}

func TestLoggerFollowsTheStoreThroughAnOutage(t *testing.T) {
	rec := &logRecorder{}
	_, mem := newAuthorizer(t, authzPolicy, rbac.WithoutFollow())
	store := &outageStore{Store: mem}
	a, err := rbac.New(context.Background(), store, rbac.WithLogger(newLogger(rec)),
		rbac.WithHeartbeat(5*time.Millisecond), rbac.WithRetryDelay(5*time.Millisecond), rbac.WithLagWarning(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	store.down.Store(true)
	waitFor(t, "a stale-snapshot warning", func() bool { return len(rec.find(t, "rbac: snapshot is stale")) > 0 })
	failed := rec.find(t, "rbac: following the store failed; serving the last snapshot")
	if len(failed) == 0 || failed[0]["level"] != "WARN" || failed[0]["error"] != "connection refused" {
		t.Fatalf("follow error records: %v", failed)
	}
	if stale := rec.find(t, "rbac: snapshot is stale"); len(stale) != 1 {
		t.Errorf("the stale warning is logged once per outage, got %d", len(stale))
	}
	store.down.Store(false)
	waitFor(t, "the recovery", func() bool { return len(rec.find(t, "rbac: following the store again")) > 0 })
	if again := rec.find(t, "rbac: following the store again"); again[0]["level"] != "INFO" {
		t.Errorf("recovery record: %v", again[0])
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestDecisionLogSeesAuthorizerDecisionsOnly(t *testing.T) {
	type entry struct {
		User   rbac.UserID
		Reason rbac.Reason
		Path   bool
		Trace  any
	}
	var mu sync.Mutex
	var got []entry
	type traceKey struct{}
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithDecisionLog(func(ctx context.Context, req rbac.Request, d rbac.Decision) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, entry{req.User, d.Reason, len(d.Path) > 0, ctx.Value(traceKey{})})
	}))
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-1")
	a.Check(ctx, rbac.Request{User: "alice", Permission: "doc.write"})
	a.Explain(ctx, rbac.Request{User: "bob", Permission: "doc.write"})
	a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}) // not logged
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	a.Check(short, rbac.Request{User: "alice", Permission: "doc.read", AtLeast: 1 << 40}) // undecided: not logged
	want := []entry{{"alice", rbac.ReasonGranted, false, "trace-1"}, {"bob", rbac.ReasonNoGrant, true, "trace-1"}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decision log (-want +got):\n%s", diff)
	}
}

// Waiting for a revision that does not come is an error, not a denial
// reason: the decision is the zero Decision.
func TestCheckTimeoutIsAnErrorNotAReason(t *testing.T) {
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithoutFollow())
	for _, call := range []func(context.Context, rbac.Request) (rbac.Decision, error){a.Check, a.Explain} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		d, err := call(ctx, rbac.Request{User: "alice", Permission: "doc.read", AtLeast: 1 << 40})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
		}
		if diff := cmp.Diff(rbac.Decision{}, d); diff != "" {
			t.Errorf("decision (-want zero +got):\n%s", diff)
		}
	}
	a.Close()
	d, err := a.Check(context.Background(), rbac.Request{User: "alice", Permission: "doc.read", AtLeast: 1 << 40})
	if !errors.Is(err, rbac.ErrClosed) || d.Reason != "" || d.Allowed {
		t.Errorf("closed: %v, %v", d, err)
	}
}

// TestSlogDecisionLog: every decision of Check, Explain and Plan reaches
// the logger, at a level by its outcome: allowed at debug, denied at info,
// invalid_request (the model cannot answer: a configuration error) at warn.
func TestSlogDecisionLog(t *testing.T) {
	var rec logRecorder
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithDecisionLog(rbac.SlogDecisionLog(newLogger(&rec))))
	ctx := context.Background()
	a.Check(ctx, rbac.Request{User: "alice", Permission: "doc.write", Resource: &rbac.Resource{Kind: "doc", ID: "d1"}})
	a.Explain(ctx, rbac.Request{User: "bob", Permission: "doc.write"})
	a.Check(ctx, rbac.Request{Principal: &rbac.User{ID: "tok", Roles: []rbac.RoleID{"editor"}}, Permission: "doc.read"})
	if _, err := a.Plan(ctx, rbac.PlanRequest{User: "bob", Permission: "doc.read", Kind: "doc"}); err != nil {
		t.Fatal(err)
	}
	a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}) // not an authorizer's decision
	type line struct{ Level, User, Permission, Kind, ID, Reason, Scope string }
	var got []line
	for _, r := range rec.find(t, "rbac: decision") {
		s := func(k string) string { v, _ := r[k].(string); return v }
		got = append(got, line{s("level"), s("user"), s("permission"), s("kind"), s("id"), s("reason"), s("scope")})
	}
	want := []line{
		{"DEBUG", "alice", "doc.write", "doc", "d1", "granted", "global"},
		{"INFO", "bob", "doc.write", "", "", "no_grant", ""},
		{"WARN", "tok", "doc.read", "", "", "invalid_request", ""}, // a token's unknown role
		{"DEBUG", "bob", "doc.read", "doc", "", "granted", ""},     // a list: the plan's kind, no id or scope
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decision records (-want +got):\n%s", diff)
	}
	// A logger at info level skips the allowed decisions.
	var quiet logRecorder
	b, _ := newAuthorizer(t, authzPolicy, rbac.WithDecisionLog(rbac.SlogDecisionLog(slog.New(slog.NewJSONHandler(&quiet, nil)))))
	b.Check(ctx, rbac.Request{User: "alice", Permission: "doc.write"})
	b.Check(ctx, rbac.Request{User: "bob", Permission: "doc.write"})
	if n := len(quiet.find(t, "rbac: decision")); n != 1 {
		t.Errorf("at info level: %d records, want the denial only", n)
	}
}

// TestAuthorizerPlanWaitsAndIsLogged: Authorizer.Plan is Snapshot.Plan on
// a snapshot at AtLeast, and every plan reaches the decision log, as a
// request for the kind.
func TestAuthorizerPlanWaitsAndIsLogged(t *testing.T) {
	var logged []string
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithDecisionLog(func(_ context.Context, req rbac.Request, d rbac.Decision) {
		logged = append(logged, fmt.Sprintf("%s %s %s %v %s", req.User, req.Permission, req.Resource.Kind, d.Allowed, d.Reason))
	}))
	ctx := context.Background()
	for _, user := range []rbac.UserID{"alice", "bob"} {
		req := rbac.PlanRequest{User: user, Permission: "doc.write", Kind: "doc"}
		got, err := a.Plan(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if want := a.Snapshot().Plan(req); got.String() != want.String() {
			t.Errorf("%s: Authorizer.Plan %v, Snapshot.Plan %v", user, got, want)
		}
	}
	if diff := cmp.Diff([]string{"alice doc.write doc true granted", "bob doc.write doc false no_grant"}, logged); diff != "" {
		t.Errorf("decision log (-want +got):\n%s", diff)
	}
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if _, err := a.Plan(short, rbac.PlanRequest{User: "alice", Permission: "doc.write", Kind: "doc", AtLeast: 1 << 40}); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, rbac.ErrUnavailable) {
		t.Errorf("a revision never reached: %v", err)
	}
}
