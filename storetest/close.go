package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/rolegraph/rbac"
)

func testClose(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "EveryMethodFails", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		mustApply(t, s, put(withKey(rbac.EntityUser, "a")))
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		_, _, err := s.Load(ctx)
		wantErr(t, "Load after Close", err, rbac.ErrClosed)
		_, err = s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{put(withKey(rbac.EntityUser, "b"))}})
		wantErr(t, "Apply after Close", err, rbac.ErrClosed)
		_, err = s.Changes(ctx, 0)
		wantErr(t, "Changes after Close", err, rbac.ErrClosed)
		r := result(t, startWait(ctx, s, 0), "Wait(0) after Close")
		wantErr(t, "Wait(0) after Close, below the revision", r.err, rbac.ErrClosed)
		r = result(t, startWait(ctx, s, 1), "Wait(1) after Close")
		wantErr(t, "Wait(1) after Close, at the revision", r.err, rbac.ErrClosed)
		if p, ok := s.(Pruner); ok {
			wantErr(t, "Prune after Close", p.Prune(ctx, 1), rbac.ErrClosed)
		}
		if err := s.Close(); err != nil && !errors.Is(err, rbac.ErrClosed) {
			t.Errorf("second Close: %v, want nil or an error wrapping ErrClosed", err)
		}
	})

	subtest(t, "WakesWaiters", newStore, func(t *testing.T, s rbac.Store) {
		var waiters []<-chan waitResult
		for range 3 {
			waiters = append(waiters, startWait(context.Background(), s, 0))
		}
		wantBlocked(t, waiters[0], "Wait(0) on an empty store")
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for _, w := range waiters {
			wantErr(t, "Wait pending at Close", result(t, w, "Wait pending at Close").err, rbac.ErrClosed)
		}
	})
}
