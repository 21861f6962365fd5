package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/rolegraph/rbac"
)

func testChanges(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	// Three sets and the log they must produce.
	r1 := rbac.Role{ID: "r", Title: "one"}
	r2 := rbac.Role{ID: "r", Title: "two", Grants: []rbac.Grant{{Permission: "p", Scope: rbac.ScopeWorkgroup}}}
	u := rbac.User{ID: "u", Roles: []rbac.RoleID{"r"}}
	sets := []rbac.ChangeSet{
		{Actor: "a1", Reason: "create", Changes: []rbac.Change{put(r1), put(u)}},
		{Actor: "a2", Reason: "update", Changes: []rbac.Change{put(r2)}},
		{Actor: "a3", Reason: "remove", Changes: []rbac.Change{del(u), del(r2)}},
	}
	wantLog := []rbac.ChangeSet{
		{Revision: 1, Actor: "a1", Reason: "create", Changes: []rbac.Change{put(r1), put(u)}},
		{Revision: 2, Actor: "a2", Reason: "update", Changes: []rbac.Change{{Kind: rbac.EntityRole, Key: "r", After: r2, Before: r1}}},
		{Revision: 3, Actor: "a3", Reason: "remove", Changes: []rbac.Change{
			{Kind: rbac.EntityUser, Key: "u", Before: u},
			{Kind: rbac.EntityRole, Key: "r", Before: r2},
		}},
	}
	applyAll := func(t *testing.T, s rbac.Store) {
		t.Helper()
		for i, cs := range sets {
			rev, err := s.Apply(context.Background(), cs)
			if err != nil || rev != rbac.Revision(i+1) {
				t.Fatalf("Apply(set %d): %d, %v; want %d, nil", i+1, rev, err, i+1)
			}
		}
	}

	subtest(t, "OrderAndContent", newStore, func(t *testing.T, s rbac.Store) {
		applyAll(t, s)
		for after := rbac.Revision(0); after <= 5; after++ {
			want := wantLog[min(int(after), len(wantLog)):]
			if d := diffLog(want, mustChanges(t, s, after)); d != "" {
				t.Errorf("Changes(%d): mismatch (-want +got):\n%s", after, d)
			}
		}
	})

	subtest(t, "ReplayEqualsLoad", newStore, func(t *testing.T, s rbac.Store) {
		applyAll(t, s)
		mustApply(t, s, puts(everyKind())...)
		p, rev := mustLoad(t, s)
		replayed, replayedRev := replay(t, mustChanges(t, s, 0))
		if replayedRev != rev {
			t.Errorf("the log ends at revision %d, Load is at %d", replayedRev, rev)
		}
		if d := diffPolicy(replayed, p); d != "" {
			t.Errorf("Load differs from the replayed log (-replay +load):\n%s", d)
		}
	})

	subtest(t, "Truncated", newStore, func(t *testing.T, s rbac.Store) {
		pruner, ok := s.(Pruner)
		if !ok {
			t.Skipf("%T does not implement storetest.Pruner", s)
		}
		ctx := context.Background()
		applyAll(t, s)
		if err := pruner.Prune(ctx, 0); err != nil {
			t.Fatalf("Prune(0): %v", err)
		}
		if d := diffLog(wantLog, mustChanges(t, s, 0)); d != "" {
			t.Errorf("Changes(0) after Prune(0): mismatch (-want +got):\n%s", d)
		}
		if err := pruner.Prune(ctx, 2); err != nil {
			t.Fatalf("Prune(2): %v", err)
		}
		for _, after := range []rbac.Revision{0, 1} {
			log, err := s.Changes(ctx, after)
			wantErr(t, "Changes before the pruned horizon", err, rbac.ErrTruncated)
			if len(log) != 0 {
				t.Errorf("Changes(%d) after Prune(2) returned %d change sets with its error", after, len(log))
			}
		}
		if d := diffLog(wantLog[2:], mustChanges(t, s, 2)); d != "" {
			t.Errorf("Changes(2) after Prune(2): mismatch (-want +got):\n%s", d)
		}
		// Pruning again below the horizon changes nothing.
		if err := pruner.Prune(ctx, 1); err != nil {
			t.Fatalf("Prune(1) after Prune(2): %v", err)
		}
		_, err := s.Changes(ctx, 1)
		wantErr(t, "Changes(1) after Prune(2) and Prune(1)", err, rbac.ErrTruncated)
		// Writing goes on at the next revision.
		u := rbac.User{ID: "later"}
		if rev := mustApply(t, s, put(u)); rev != 4 {
			t.Errorf("Apply after Prune: revision %d, want 4", rev)
		}
		want := slices.Concat(wantLog[2:], []rbac.ChangeSet{{Revision: 4, Changes: []rbac.Change{put(u)}}})
		if d := diffLog(want, mustChanges(t, s, 2)); d != "" {
			t.Errorf("Changes(2) after Prune(2) and a write: mismatch (-want +got):\n%s", d)
		}
		wantState(t, s, policyOf(u), 4)
	})
}

// replay applies a change log to an empty policy, naively, and returns the
// policy and the last revision. It fails the test if the log has gaps, or a
// Before image that is not what the log itself says was there.
func replay(t testing.TB, log []rbac.ChangeSet) (*rbac.Policy, rbac.Revision) {
	t.Helper()
	m := model{}
	var rev rbac.Revision
	for _, cs := range log {
		if cs.Revision != rev+1 {
			t.Fatalf("the log jumps from revision %d to %d", rev, cs.Revision)
		}
		rev = cs.Revision
		for _, c := range cs.Changes {
			if d := diffEntity(m.get(c.Kind, c.Key), c.Before); d != "" {
				t.Errorf("revision %d, %v: Before image differs from the replayed state (-replay +log):\n%s", rev, c, d)
			}
			m.apply(c)
		}
	}
	return m.policy(), rev
}
