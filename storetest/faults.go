package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/storetest/faultdriver"
)

// RunFaults runs the fault tests on stores over database/sql. open returns a
// fresh store whose *sql.DB comes from faultdriver.Open wrapping the real
// driver, and the Injector of that database; the store is closed after each
// test. With connections lost before, during and after COMMIT, and contexts
// cancelled as COMMIT runs, every error must wrap exactly one rbac sentinel,
// a definite failure must have written nothing, an ErrUnknownOutcome must be
// resolved by a retry with the same ID, and every success must be in the
// log exactly once.
func RunFaults(t *testing.T, open func(t *testing.T) (rbac.Store, *faultdriver.Injector)) {
	ctx := context.Background()
	user := func(id string) rbac.Change { return put(withKey(rbac.EntityUser, id)) }
	run := func(name string, f func(t *testing.T, s rbac.Store, in *faultdriver.Injector)) {
		t.Run(name, func(t *testing.T) {
			s, in := open(t)
			defer s.Close()
			f(t, s, in)
		})
	}
	// once makes a rule that faults the first call matching op.
	once := func(op faultdriver.Op, contains string, after bool) faultdriver.Rule {
		var done atomic.Bool
		return func(c faultdriver.Call) *faultdriver.Fault {
			if c.Op == op && strings.Contains(c.Query, contains) && done.CompareAndSwap(false, true) {
				return &faultdriver.Fault{After: after}
			}
			return nil
		}
	}

	for _, tc := range []struct {
		name  string
		after bool
		why   string
	}{
		{"CommitReplyLost", true, "the database committed, the client never heard"},
		{"CommitNeverArrived", false, "the connection died before COMMIT reached the database"},
	} {
		run(tc.name, func(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
			mustApply(t, s, user("a"))
			in.SetRule(once(faultdriver.OpCommit, "", tc.after))
			cs := rbac.ChangeSet{ID: "op-1", Changes: []rbac.Change{user("b")}}
			rev, err := s.Apply(ctx, cs)
			in.SetRule(nil)
			wantOneSentinel(t, "Apply ("+tc.why+")", err)
			switch {
			case err == nil:
			case errors.Is(err, rbac.ErrUnknownOutcome):
				t.Logf("Apply (%s): %v; retrying with the same ID", tc.why, err)
				rev, err = s.Apply(ctx, cs)
				if err != nil {
					t.Fatalf("the retry with the same ID: %v", err)
				}
			default:
				t.Fatalf("Apply (%s): %v; want success or an error wrapping %q", tc.why, err, rbac.ErrUnknownOutcome)
			}
			if rev != 2 {
				t.Errorf("Apply (%s): revision %d, want 2", tc.why, rev)
			}
			if again, err := s.Apply(ctx, cs); err != nil || again != rev {
				t.Errorf("Apply again with the same ID: %d, %v; want %d", again, err, rev)
			}
			wantState(t, s, policyOf(withKey(rbac.EntityUser, "a"), withKey(rbac.EntityUser, "b")), 2)
			if log := mustChanges(t, s, 1); len(log) != 1 || log[0].ID != "op-1" {
				t.Errorf("Changes(1): IDs %v, want [op-1]: written once", ids(log))
			}
		})
	}

	run("LostMidTransaction", func(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
		mustApply(t, s, user("a"))
		in.SetRule(once(faultdriver.OpExec, "INSERT", false))
		_, err := s.Apply(ctx, rbac.ChangeSet{ID: "op-1", Changes: []rbac.Change{user("b")}})
		in.SetRule(nil)
		// Nothing can have committed: the transaction died with its
		// connection, before COMMIT.
		wantErr(t, "Apply with the connection lost before COMMIT", err, rbac.ErrUnavailable)
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a")), 1)
		if rev := mustApplySet(t, s, rbac.ChangeSet{ID: "op-1", Changes: []rbac.Change{user("b")}}); rev != 2 {
			t.Errorf("the retry: revision %d, want 2", rev)
		}
	})

	run("LostOnRead", func(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
		mustApply(t, s, user("a"))
		for _, what := range []string{"Load", "Changes", "Wait"} {
			in.SetRule(func(c faultdriver.Call) *faultdriver.Fault {
				if c.Op == faultdriver.OpQuery || c.Op == faultdriver.OpBegin {
					return &faultdriver.Fault{}
				}
				return nil
			})
			var err error
			switch what {
			case "Load":
				_, _, err = s.Load(ctx)
			case "Changes":
				_, err = s.Changes(ctx, 0)
			case "Wait":
				_, err = s.Wait(ctx, 0)
			}
			in.SetRule(nil)
			wantErr(t, what+" with the connection lost", err, rbac.ErrUnavailable)
		}
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a")), 1)
	})

	run("CancelledDuringCommit", func(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
		// The caller gives up while COMMIT runs: the write commits, and
		// Apply must say so.
		for i := range 5 {
			cctx, cancel := context.WithCancel(ctx)
			in.SetRule(func(c faultdriver.Call) *faultdriver.Fault {
				if c.Op == faultdriver.OpCommit {
					cancel()
				}
				return nil
			})
			rev, err := s.Apply(cctx, rbac.ChangeSet{Changes: []rbac.Change{user(fmt.Sprintf("u%d", i))}})
			cancel()
			in.SetRule(nil)
			if err != nil || rev != rbac.Revision(i+1) {
				t.Fatalf("Apply cancelled during COMMIT: %d, %v; want revision %d: COMMIT must not run under the caller's context", rev, err, i+1)
			}
		}
		if _, rev := mustLoad(t, s); rev != 5 {
			t.Errorf("Load: revision %d, want 5", rev)
		}
	})

	run("Random", func(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
		testRandomFaults(t, s, in)
	})
}

// testRandomFaults writes from several goroutines while a tenth of the
// driver calls fail (before or after they run) and contexts are cancelled
// at random, then checks every outcome against the log.
func testRandomFaults(t *testing.T, s rbac.Store, in *faultdriver.Injector) {
	ctx := context.Background()
	in.SetRule(func(c faultdriver.Call) *faultdriver.Fault {
		if c.Op == faultdriver.OpRollback || rand.IntN(10) != 0 {
			return nil
		}
		return &faultdriver.Fault{After: rand.IntN(2) == 0}
	})
	const writers, writes = 4, 25
	type outcome struct {
		cs  rbac.ChangeSet
		rev rbac.Revision
		err error
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				cs := rbac.ChangeSet{ID: fmt.Sprintf("w%d-%d", w, i), Changes: []rbac.Change{put(withKey(rbac.EntityUser, fmt.Sprintf("w%d-%d", w, i)))}}
				cctx, cancel := context.WithCancel(ctx)
				if rand.IntN(8) == 0 {
					go cancel()
				}
				rev, err := s.Apply(cctx, cs)
				cancel()
				// Reads under faults too.
				if _, err := s.Changes(ctx, 0); SentinelProblem(err) != "" {
					t.Errorf("Changes under faults: %s", SentinelProblem(err))
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{cs, rev, err})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	in.SetRule(nil)
	calls, faults := in.Stats()

	log := mustChanges(t, s, 0)
	logged := map[string]rbac.Revision{}
	for _, cs := range log {
		if _, dup := logged[cs.ID]; dup {
			t.Errorf("ID %q is logged twice", cs.ID)
		}
		logged[cs.ID] = cs.Revision
	}
	var ok, definite, unknown int
	for _, o := range outcomes {
		if msg := SentinelProblem(o.err); msg != "" {
			t.Errorf("Apply(%s): %s", o.cs.ID, msg)
			continue
		}
		rev, isLogged := logged[o.cs.ID]
		switch {
		case o.err == nil:
			ok++
			if !isLogged || rev != o.rev {
				t.Errorf("Apply(%s) succeeded at revision %d, but the log has it at %d (logged: %v)", o.cs.ID, o.rev, rev, isLogged)
			}
		case errors.Is(o.err, rbac.ErrUnknownOutcome):
			unknown++
			again, err := s.Apply(ctx, o.cs)
			if err != nil {
				t.Errorf("retrying %s after %v: %v", o.cs.ID, o.err, err)
			} else if isLogged && again != rev {
				t.Errorf("retrying %s: revision %d, but it was logged at %d", o.cs.ID, again, rev)
			}
		default:
			definite++
			if isLogged {
				t.Errorf("Apply(%s) failed with %v, which says nothing was written, but the log has it at revision %d", o.cs.ID, o.err, rev)
			}
		}
	}
	t.Logf("%d driver calls, %d faults: %d writes succeeded, %d failed definitely, %d with an unknown outcome (resolved by retrying)", calls, faults, ok, definite, unknown)
	if faults == 0 {
		t.Error("no fault was injected: the test tested nothing")
	}
	// The log replays to what Load returns, gap-free.
	log = mustChanges(t, s, 0)
	replay := model{}
	for i, cs := range log {
		if cs.Revision != rbac.Revision(i+1) {
			t.Fatalf("the log has revision %d at position %d", cs.Revision, i)
		}
		for _, c := range cs.Changes {
			replay.apply(c)
		}
	}
	wantState(t, s, replay.policy(), rbac.Revision(len(log)))
}
