package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

func testConcurrency(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "BlindWriters", newStore, func(t *testing.T, s rbac.Store) {
		hammer(t, s, 8, 20, false)
	})
	subtest(t, "OptimisticWriters", newStore, func(t *testing.T, s rbac.Store) {
		hammer(t, s, 8, 10, true)
	})
}

// snapshot is what a reader saw: a policy at a revision.
type snapshot struct {
	p   *rbac.Policy
	rev rbac.Revision
}

// hammer runs writers that apply sets concurrently (optimistic ones with
// Expect, retrying on conflict) while readers Load, follow Changes and
// Wait. Then it checks that every set got its own revision, that the log is
// gapless, that replaying it gives the final state, and that every state a
// reader loaded is the replay of the log up to its revision.
func hammer(t *testing.T, s rbac.Store, writers, sets int, optimistic bool) {
	ctx := context.Background()
	// A first set, so that no optimistic writer reads revision 0 (Expect
	// 0 means no expectation).
	mustApply(t, s, put(rbac.Role{ID: "shared"}))
	var (
		mu   sync.Mutex
		revs []rbac.Revision
	)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range sets {
				user := rbac.User{ID: rbac.UserID(fmt.Sprintf("w%d-%d", w, i)), Roles: []rbac.RoleID{"shared"}}
				cs := rbac.ChangeSet{Actor: rbac.UserID(fmt.Sprintf("writer%d", w)), Changes: []rbac.Change{
					put(user),
					// Every writer rewrites one shared entity, so sets overlap.
					put(rbac.Role{ID: "shared", Title: fmt.Sprintf("by writer %d, set %d", w, i)}),
				}}
				if i > 0 && i%4 == 0 {
					cs.Changes = append(cs.Changes, rbac.DeleteUser(rbac.UserID(fmt.Sprintf("w%d-%d", w, i-1))))
				}
				rev, err := applyRetrying(ctx, s, cs, optimistic)
				if err != nil {
					t.Errorf("writer %d, set %d: %v", w, i, err)
					return
				}
				mu.Lock()
				revs = append(revs, rev)
				mu.Unlock()
			}
		}()
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	seen := make([][]snapshot, 2)
	for r := range seen {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var last, followed rbac.Revision
			for {
				select {
				case <-done:
					return
				default:
				}
				p, rev, err := s.Load(ctx)
				if err != nil {
					t.Errorf("reader %d: Load: %v", r, err)
					return
				}
				if rev < last {
					t.Errorf("reader %d: Load went back from revision %d to %d", r, last, rev)
				}
				last = rev
				if len(seen[r]) < 20 {
					seen[r] = append(seen[r], snapshot{p, rev})
				}
				log, err := s.Changes(ctx, followed)
				if err != nil {
					t.Errorf("reader %d: Changes(%d): %v", r, followed, err)
					return
				}
				for _, cs := range log {
					if cs.Revision != followed+1 {
						t.Errorf("reader %d: Changes after %d: revision %d follows %d", r, followed, cs.Revision, followed)
						return
					}
					followed = cs.Revision
				}
			}
		}()
	}
	// A follower, as an authorizer follows its store: Wait, then Changes.
	// It must see every set, none twice, and reach the last revision.
	n := writers*sets + 1
	followed := make(chan rbac.Revision, 1)
	go func() {
		// The follower has patience from when the writers finish, not from
		// when they start: on a loaded machine the writes alone may take
		// longer than that.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			<-done
			select {
			case <-ctx.Done():
			case <-time.After(patience):
				cancel()
			}
		}()
		var at rbac.Revision
		defer func() { followed <- at }()
		for at < rbac.Revision(n) {
			if _, err := s.Wait(ctx, at); err != nil {
				t.Errorf("follower: Wait(%d): %v", at, err)
				return
			}
			log, err := s.Changes(ctx, at)
			if err != nil {
				t.Errorf("follower: Changes(%d): %v", at, err)
				return
			}
			for _, cs := range log {
				if cs.Revision != at+1 {
					t.Errorf("follower: Changes after %d: revision %d follows %d", at, cs.Revision, at)
					return
				}
				at = cs.Revision
			}
		}
	}()

	wg.Wait()
	close(done)
	readers.Wait()
	if at := <-followed; at != rbac.Revision(n) && !t.Failed() {
		t.Errorf("follower stopped at revision %d, want %d", at, n)
	}
	if t.Failed() {
		return
	}

	slices.Sort(revs)
	want := make([]rbac.Revision, n-1)
	for i := range want {
		want[i] = rbac.Revision(i + 2)
	}
	if !slices.Equal(want, revs) {
		t.Fatalf("revisions returned by %d concurrent Applys: %v, want 2..%d each once", n-1, revs, n)
	}
	log := mustChanges(t, s, 0)
	if len(log) != n {
		t.Fatalf("Changes(0): %d change sets, want %d", len(log), n)
	}
	final, rev := mustLoad(t, s)
	replayed, replayedRev := replay(t, log)
	if rev != replayedRev || rev != rbac.Revision(n) {
		t.Errorf("Load at revision %d, log ends at %d, want both %d", rev, replayedRev, n)
	}
	if d := diffPolicy(replayed, final); d != "" {
		t.Errorf("Load differs from the replayed log (-replay +load):\n%s", d)
	}
	for r, snaps := range seen {
		for _, snap := range snaps {
			p, _ := replay(t, log[:snap.rev])
			if d := diffPolicy(p, snap.p); d != "" {
				t.Errorf("reader %d loaded revision %d, which differs from the log replayed to it (-replay +load):\n%s", r, snap.rev, d)
			}
		}
	}
}

// applyRetrying applies cs. An optimistic writer reads the revision first,
// applies with it as Expect and retries on conflict; it checks that a
// success lands exactly at Expect+1.
func applyRetrying(ctx context.Context, s rbac.Store, cs rbac.ChangeSet, optimistic bool) (rbac.Revision, error) {
	if !optimistic {
		return s.Apply(ctx, cs)
	}
	const attempts = 1000
	for range attempts {
		_, cur, err := s.Load(ctx)
		if err != nil {
			return 0, err
		}
		cs.Expect = cur
		rev, err := s.Apply(ctx, cs)
		if errors.Is(err, rbac.ErrConflict) {
			continue
		}
		if err == nil && rev != cur+1 {
			return rev, fmt.Errorf("apply with Expect %d returned revision %d, want %d", cur, rev, cur+1)
		}
		return rev, err
	}
	return 0, fmt.Errorf("still conflicting after %d attempts", attempts)
}
