//go:build go1.25

// synctest (Go 1.25) gives these tests an exact clock; the module says go 1.24.

package rbac_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// readCountingStore counts and times the change-log reads made on it; the
// next failNext of them fail as a killed connection does.
type readCountingStore struct {
	rbac.Store
	mu       sync.Mutex
	failNext int
	reads    []time.Time
}

func (s *readCountingStore) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	s.mu.Lock()
	s.reads = append(s.reads, time.Now())
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if fail {
		return nil, &rbac.Error{Op: "changes", Msg: "lost the database connection", Err: rbac.ErrUnavailable}
	}
	return s.Store.Changes(ctx, after)
}

func (s *readCountingStore) readTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.reads...)
}

func memWithPolicy(t *testing.T) *memstore.Store {
	t.Helper()
	p, err := rbac.LoadPolicy(strings.NewReader(authzPolicy))
	if err != nil {
		t.Fatal(err)
	}
	mem := memstore.New()
	if _, err := rbac.Import(context.Background(), mem, p); err != nil {
		t.Fatal(err)
	}
	return mem
}

// TestFollowerRetriesAFailedCatchUpAtOnce: a catch-up that fails (a
// connection killed under the read) is retried at once, without a wait;
// only when the retry fails too does the follower back off. The clock is
// synctest's, so "at once" is exact: no time passes.
func TestFollowerRetriesAFailedCatchUpAtOnce(t *testing.T) {
	for _, tc := range []struct {
		failures int
		waited   []bool // whether time passed before each retry
		reason   string
	}{
		{1, []bool{false}, "one lost connection: the retry reads at once, on another"},
		{3, []bool{false, true, true}, "the retry failing too means the store is unreachable: back off"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				mem := memWithPolicy(t)
				s := &readCountingStore{Store: mem}
				a, err := rbac.New(ctx, s, rbac.WithRetryDelay(time.Second))
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				synctest.Wait() // the follower waits for a new revision
				s.mu.Lock()
				s.failNext, s.reads = tc.failures, nil
				s.mu.Unlock()
				rev, err := mem.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}})}})
				if err != nil {
					t.Fatal(err)
				}
				for a.Snapshot().Revision() < rev {
					time.Sleep(time.Millisecond)
				}
				reads := s.readTimes()
				if len(reads) != tc.failures+1 {
					t.Fatalf("%d reads, want %d failed ones and one that succeeded", len(reads), tc.failures)
				}
				var waited []bool
				for i := 1; i < len(reads); i++ {
					waited = append(waited, reads[i].After(reads[i-1]))
				}
				if d := cmp.Diff(tc.waited, waited); d != "" {
					t.Errorf("waits before the retries (-want +got):\n%s", d)
				}
			})
		})
	}
}

// TestWithMaxLagRefusesChecksWhileTheStoreIsAway: with WithMaxLag, checks
// decide while the replica is current, even when idle; once it has not
// confirmed it is current for longer than the bound, Check and Explain
// return an error wrapping ErrUnavailable and the zero decision, and
// decide again when the store is back. Status.Lag says how far behind.
func TestWithMaxLagRefusesChecksWhileTheStoreIsAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		const maxLag = 100 * time.Millisecond
		flaky := &flakyStore{Store: memWithPolicy(t)}
		a, err := rbac.New(ctx, flaky, rbac.WithMaxLag(maxLag), rbac.WithRetryDelay(10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		req := rbac.Request{User: "alice", Permission: "doc.read"}
		type outcome struct {
			Allowed     bool
			Unavailable bool
			LagOverMax  bool
		}
		observe := func() []outcome {
			var got []outcome
			for _, f := range []func(context.Context, rbac.Request) (rbac.Decision, error){a.Check, a.Explain} {
				d, err := f(ctx, req)
				if err != nil && !errors.Is(err, rbac.ErrUnavailable) {
					t.Errorf("error wraps no ErrUnavailable: %v", err)
				}
				if err != nil && (d.Allowed || d.Reason != "") {
					t.Errorf("an error with decision %v", d)
				}
				got = append(got, outcome{d.Allowed, err != nil, a.Status().Lag > maxLag})
			}
			return got
		}
		current := []outcome{{Allowed: true}, {Allowed: true}}
		stale := []outcome{{Unavailable: true, LagOverMax: true}, {Unavailable: true, LagOverMax: true}}
		for _, step := range []struct {
			down  bool
			sleep time.Duration
			want  []outcome
			why   string
		}{
			{false, 0, current, "just started"},
			{false, 5 * maxLag, current, "idle for five times the bound: the heartbeat keeps it current"},
			{true, maxLag / 2, current, "the store away for half the bound"},
			{true, 2 * maxLag, stale, "the store away for longer than the bound"},
			{false, maxLag / 2, current, "the store back"},
		} {
			flaky.setDown(step.down)
			time.Sleep(step.sleep)
			synctest.Wait()
			if d := cmp.Diff(step.want, observe()); d != "" {
				t.Errorf("%s: Check, Explain (-want +got):\n%s", step.why, d)
			}
		}
	})
}

// TestCheckWithMaxLagAllocatesNothing: the lag bound costs Check no
// allocation.
func TestCheckWithMaxLagAllocatesNothing(t *testing.T) {
	a, _ := newAuthorizer(t, authzPolicy, rbac.WithMaxLag(time.Minute))
	ctx := context.Background()
	req := rbac.Request{User: "alice", Permission: "doc.read"}
	if n := testing.AllocsPerRun(200, func() { a.Check(ctx, req) }); n != 0 {
		t.Errorf("Authorizer.Check with WithMaxLag: %v allocations", n)
	}
}
