package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

// patience bounds how long the suite waits for something that must happen;
// reaching it is a failure, never a measurement.
const patience = 20 * time.Second

// settle is how long the suite gives a goroutine to do something it must
// not do (return from a Wait with no write): long enough to catch a Wait
// that does not block, short enough to keep the suite fast.
const settle = 50 * time.Millisecond

type waitResult struct {
	rev rbac.Revision
	err error
}

// startWait calls s.Wait(ctx, after) in a goroutine.
func startWait(ctx context.Context, s rbac.Store, after rbac.Revision) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		rev, err := s.Wait(ctx, after)
		ch <- waitResult{rev, err}
	}()
	return ch
}

// wantBlocked fails if the Wait has returned.
func wantBlocked(t *testing.T, ch <-chan waitResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s: Wait returned %d, %v without a write", what, r.rev, r.err)
	case <-time.After(settle):
	}
}

// result returns the Wait's result, failing if it does not come.
func result(t *testing.T, ch <-chan waitResult, what string) waitResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(patience):
		t.Fatalf("%s: Wait did not return within %v", what, patience)
		return waitResult{}
	}
}

func testWait(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "AlreadyPast", newStore, func(t *testing.T, s rbac.Store) {
		mustApply(t, s, put(withKey(rbac.EntityUser, "a")))
		mustApply(t, s, put(withKey(rbac.EntityUser, "b")))
		for _, after := range []rbac.Revision{0, 1} {
			r := result(t, startWait(context.Background(), s, after), "Wait below the current revision")
			if r.err != nil || r.rev != 2 {
				t.Errorf("Wait(%d) at revision 2: %d, %v; want 2, nil", after, r.rev, r.err)
			}
		}
	})

	subtest(t, "BlocksUntilWrite", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		first := startWait(ctx, s, 0)
		wantBlocked(t, first, "Wait(0) on an empty store")
		mustApply(t, s, put(withKey(rbac.EntityUser, "a")))
		if r := result(t, first, "Wait(0) after a write"); r.err != nil || r.rev != 1 {
			t.Errorf("Wait(0) after the first write: %d, %v; want 1, nil", r.rev, r.err)
		}

		// Several waiters, one write: all wake.
		var waiters []<-chan waitResult
		for range 4 {
			waiters = append(waiters, startWait(ctx, s, 1))
		}
		wantBlocked(t, waiters[0], "Wait(1) at revision 1")
		mustApply(t, s, put(withKey(rbac.EntityUser, "b")))
		for _, w := range waiters {
			if r := result(t, w, "Wait(1) after a write"); r.err != nil || r.rev < 2 {
				t.Errorf("Wait(1) after the second write: %d, %v; want 2, nil", r.rev, r.err)
			}
		}
	})

	subtest(t, "FailedWriteDoesNotWake", newStore, func(t *testing.T, s rbac.Store) {
		mustApply(t, s, put(withKey(rbac.EntityUser, "a")))
		w := startWait(context.Background(), s, 1)
		_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("missing")}})
		wantErr(t, "deleting a missing user", err, rbac.ErrNotFound)
		wantBlocked(t, w, "Wait(1) after a failed write")
		mustApply(t, s, put(withKey(rbac.EntityUser, "b")))
		if r := result(t, w, "Wait(1) after a write"); r.err != nil || r.rev != 2 {
			t.Errorf("Wait(1): %d, %v; want 2, nil", r.rev, r.err)
		}
	})

	subtest(t, "Deadline", newStore, func(t *testing.T, s rbac.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), settle)
		defer cancel()
		r := result(t, startWait(ctx, s, 0), "Wait with a deadline")
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("Wait past its deadline: %d, %v; want an error wrapping context.DeadlineExceeded", r.rev, r.err)
		}
	})

	subtest(t, "Cancel", newStore, func(t *testing.T, s rbac.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		w := startWait(ctx, s, 0)
		wantBlocked(t, w, "Wait(0) on an empty store")
		cancel()
		r := result(t, w, "Wait after cancel")
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("Wait cancelled while blocked: %d, %v; want an error wrapping context.Canceled", r.rev, r.err)
		}
	})
}
