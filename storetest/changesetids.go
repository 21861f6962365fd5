package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

// testChangeSetIDs checks the idempotency keys: a change set whose ID is
// logged is never written again, and its revision is returned.
func testChangeSetIDs(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	ctx := context.Background()
	user := func(id string) rbac.Change { return put(withKey(rbac.EntityUser, id)) }

	subtest(t, "Replay", newStore, func(t *testing.T, s rbac.Store) {
		cs := rbac.ChangeSet{ID: "op-1", Actor: "a", Reason: "r", Changes: []rbac.Change{user("a")}}
		rev, err := s.Apply(ctx, cs)
		if err != nil || rev != 1 {
			t.Fatalf("Apply: %d, %v; want 1", rev, err)
		}
		mustApply(t, s, user("b")) // the store moves on
		for _, tc := range []struct {
			expect rbac.Revision
			why    string
		}{
			{0, "a retry without expectation"},
			{0, "a second retry"},
			{1, "a retry with the Expect of the first attempt, now stale: the ID is looked up first"},
			{7, "a retry with any Expect"},
		} {
			cs.Expect = tc.expect
			cs.Time = time.Time{}
			again, err := s.Apply(ctx, cs)
			if err != nil || again != rev {
				t.Errorf("Apply again (%s): %d, %v; want %d and no error", tc.why, again, err, rev)
			}
		}
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a"), withKey(rbac.EntityUser, "b")), 2)
		log := mustChanges(t, s, 0)
		if len(log) != 2 || log[0].ID != "op-1" || log[1].ID == "" || log[1].ID == "op-1" {
			t.Errorf("Changes(0): %d sets with IDs %v; want 2, the first \"op-1\" and the second a generated one", len(log), ids(log))
		}
		if next := mustApply(t, s, user("c")); next != 3 {
			t.Errorf("the next write after the replays got revision %d, want 3: a replay used up a revision", next)
		}
	})

	subtest(t, "SameIDOtherContent", newStore, func(t *testing.T, s rbac.Store) {
		cs := rbac.ChangeSet{ID: "op-1", Actor: "a", Reason: "r", Changes: []rbac.Change{user("a")}}
		if _, err := s.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			edit func(*rbac.ChangeSet)
			why  string
		}{
			{func(cs *rbac.ChangeSet) { cs.Changes = []rbac.Change{user("b")} }, "other changes"},
			{func(cs *rbac.ChangeSet) { cs.Reason = "other" }, "another reason"},
			{func(cs *rbac.ChangeSet) { cs.Actor = "b" }, "another actor"},
			{func(cs *rbac.ChangeSet) { cs.Changes[0].Cascade = true }, "a change marked as a cascade"},
		} {
			other := cs.Clone()
			tc.edit(&other)
			_, err := s.Apply(ctx, other)
			wantErr(t, "Apply of "+tc.why+" under a logged ID", err, rbac.ErrConflict)
		}
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a")), 1)
	})

	// A store may treat a large set (an import) apart, e.g. digest it while
	// it writes: its retries and reuses of its ID must behave the same.
	subtest(t, "LargeSetReplay", newStore, func(t *testing.T, s rbac.Store) {
		const n = 6000
		var users []rbac.Entity
		for i := range n {
			users = append(users, rbac.User{ID: rbac.UserID(fmt.Sprintf("user-%05d", i)), Org: "org"})
		}
		cs := rbac.ChangeSet{ID: "import-1", Actor: "a", Reason: "import", Changes: puts(users)}
		rev := mustApplySet(t, s, cs)
		if again, err := s.Apply(ctx, cs); err != nil || again != rev {
			t.Errorf("Apply again: %d, %v; want %d and no error", again, err, rev)
		}
		other := cs.Clone()
		other.Changes[n-1].After = rbac.User{ID: rbac.UserID(fmt.Sprintf("user-%05d", n-1)), Org: "other"}
		_, err := s.Apply(ctx, other)
		wantErr(t, "Apply of other content under the large set's ID", err, rbac.ErrConflict)
		wantState(t, s, policyOf(users...), rev)
		if log := mustChanges(t, s, 0); len(log) != 1 || log[0].ID != "import-1" || len(log[0].Changes) != n {
			t.Errorf("Changes(0): %d sets with IDs %v; want one set \"import-1\" of %d changes", len(log), ids(log), n)
		}
	})

	subtest(t, "Generated", newStore, func(t *testing.T, s rbac.Store) {
		seen := map[string]bool{}
		for i := range 20 {
			mustApply(t, s, user(fmt.Sprintf("u%d", i)))
		}
		for _, cs := range mustChanges(t, s, 0) {
			if err := (rbac.ChangeSet{ID: cs.ID, Changes: cs.Changes}).Validate(); cs.ID == "" || err != nil {
				t.Errorf("revision %d: generated ID %q is not a valid ID (%v)", cs.Revision, cs.ID, err)
			}
			if seen[cs.ID] {
				t.Errorf("revision %d: generated ID %q was generated before", cs.Revision, cs.ID)
			}
			seen[cs.ID] = true
		}
	})

	subtest(t, "Malformed", newStore, func(t *testing.T, s rbac.Store) {
		for _, id := range []string{"has space", "quote'", strings.Repeat("x", rbac.MaxIDLen+1), "nul\x00", "é"} {
			_, err := s.Apply(ctx, rbac.ChangeSet{ID: id, Changes: []rbac.Change{user("a")}})
			wantErr(t, fmt.Sprintf("Apply with ID %q", id), err, rbac.ErrInvalid)
		}
		wantState(t, s, &rbac.Policy{}, 0)
	})

	subtest(t, "CaseSensitive", newStore, func(t *testing.T, s rbac.Store) {
		a := mustApplySet(t, s, rbac.ChangeSet{ID: "op", Changes: []rbac.Change{user("a")}})
		b := mustApplySet(t, s, rbac.ChangeSet{ID: "OP", Changes: []rbac.Change{user("b")}})
		if a == b {
			t.Errorf("IDs \"op\" and \"OP\" were taken for one: both at revision %d", a)
		}
	})

	subtest(t, "ConcurrentRetries", newStore, func(t *testing.T, s rbac.Store) {
		// Eight callers send the same change set at once, as retries
		// racing with the original would.
		cs := rbac.ChangeSet{ID: "op-1", Changes: []rbac.Change{user("a")}}
		revs := make([]rbac.Revision, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range revs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				revs[i], errs[i] = s.Apply(ctx, cs)
			}()
		}
		wg.Wait()
		for i := range revs {
			if errs[i] != nil || revs[i] != 1 {
				t.Errorf("caller %d: %d, %v; want revision 1", i, revs[i], errs[i])
			}
		}
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a")), 1)
	})

	subtest(t, "KeptAfterPrune", newStore, func(t *testing.T, s rbac.Store) {
		p, ok := s.(Pruner)
		if !ok {
			t.Skip("the store does not prune")
		}
		cs := rbac.ChangeSet{ID: "op-1", Changes: []rbac.Change{user("a")}}
		rev := mustApplySet(t, s, cs)
		mustApply(t, s, user("b"))
		if err := p.Prune(ctx, 2); err != nil {
			t.Fatal(err)
		}
		again, err := s.Apply(ctx, cs)
		if err != nil || again != rev {
			t.Errorf("Apply again after Prune dropped the change set: %d, %v; want %d: IDs are kept for retries", again, err, rev)
		}
		wantState(t, s, policyOf(withKey(rbac.EntityUser, "a"), withKey(rbac.EntityUser, "b")), 2)
	})
}

func mustApplySet(t testing.TB, s rbac.Store, cs rbac.ChangeSet) rbac.Revision {
	t.Helper()
	rev, err := s.Apply(context.Background(), cs)
	if err != nil {
		t.Fatalf("Apply(%s): %v", cs.ID, err)
	}
	return rev
}

func ids(log []rbac.ChangeSet) []string {
	out := make([]string, len(log))
	for i, cs := range log {
		out[i] = cs.ID
	}
	return out
}
