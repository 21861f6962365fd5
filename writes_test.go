package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/storetest"
)

// patience bounds how long a test waits for what must happen.
const patience = 10 * time.Second

// gatedStore holds every Apply until the gate opens, and can report an
// unknown outcome for the next writes, after or instead of writing them.
type gatedStore struct {
	rbac.Store
	gate    chan struct{} // nil: no gate
	entered chan struct{}
	// unknown > 0: the next Apply reports ErrUnknownOutcome; written
	// says whether it writes first.
	unknown atomic.Int32
	written bool
	applies atomic.Int32
}

func (g *gatedStore) Apply(ctx context.Context, cs rbac.ChangeSet) (rbac.Revision, error) {
	g.applies.Add(1)
	if g.gate != nil {
		g.entered <- struct{}{}
		<-g.gate
	}
	if g.unknown.Add(-1) >= 0 {
		if g.written {
			if _, err := g.Store.Apply(ctx, cs); err != nil {
				return 0, err
			}
		}
		return 0, &rbac.Error{Op: "apply", Msg: "connection lost during COMMIT", Err: rbac.ErrUnknownOutcome}
	}
	return g.Store.Apply(ctx, cs)
}

func importPolicy(t *testing.T, s rbac.Store) {
	t.Helper()
	p, err := rbac.LoadPolicy(strings.NewReader(authzPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.Import(context.Background(), s, p); err != nil {
		t.Fatal(err)
	}
}

// A write held up in the store must not freeze the replica: the follower
// applies other replicas' changes, AtLeast reads see them, Policy answers.
func TestAWaitingWriteDoesNotFreezeTheReplica(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	importPolicy(t, mem)
	g := &gatedStore{Store: mem, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	a, err := rbac.New(ctx, g, rbac.WithHeartbeat(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() {
		_, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "dan", Roles: []rbac.RoleID{"viewer"}})}})
		done <- err
	}()
	<-g.entered // the write is now in the store, held
	rev, err := mem.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}})}})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	d, err := a.Check(wctx, rbac.Request{User: "carol", Permission: "doc.read", AtLeast: rev})
	if err != nil || !d.Allowed {
		t.Fatalf("Check AtLeast %d while a write waits: %v, %v; the replica is frozen", rev, d, err)
	}
	polled := make(chan rbac.Revision, 1)
	go func() { _, r := a.Policy(); polled <- r }()
	select {
	case r := <-polled:
		if r < rev {
			t.Errorf("Policy at revision %d, want at least %d", r, rev)
		}
	case <-time.After(patience):
		t.Fatal("Policy blocked while a write waits in the store")
	}
	close(g.gate)
	// The held write was planned before carol's arrived: it conflicts
	// with it and is tried again, which Apply does itself.
	go func() {
		for range g.entered {
		}
	}()
	if err := <-done; err != nil {
		t.Fatalf("the held write: %v", err)
	}
	close(g.entered)
}

// Close wakes Check and Explain waiting for a revision that never comes,
// even with a context that never ends.
func TestCloseWakesWaiters(t *testing.T) {
	a, _ := newAuthorizer(t, authzPolicy)
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			req := rbac.Request{User: "alice", Permission: "doc.read", AtLeast: a.Snapshot().Revision() + 100}
			var err error
			if i%2 == 0 {
				_, err = a.Check(context.Background(), req)
			} else {
				_, err = a.Explain(context.Background(), req)
			}
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them wait
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		select {
		case err := <-errs:
			if !errors.Is(err, rbac.ErrClosed) {
				t.Errorf("a waiter woken by Close: %v, want an error wrapping %q", err, rbac.ErrClosed)
			}
			if msg := storetest.SentinelProblem(err); msg != "" {
				t.Error(msg)
			}
		case <-time.After(patience):
			t.Fatal("Close left a Check waiting")
		}
	}
}

// A write whose outcome the store cannot know is retried with the same ID
// until it is known: the caller sees success, and the store holds one write.
func TestApplyResolvesUnknownOutcomes(t *testing.T) {
	for _, written := range []bool{true, false} {
		t.Run(fmt.Sprintf("written=%v", written), func(t *testing.T) {
			ctx := context.Background()
			mem := memstore.New()
			importPolicy(t, mem)
			g := &gatedStore{Store: mem, written: written}
			a, err := rbac.New(ctx, g)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			before := mem.Revision()
			g.unknown.Store(2) // twice unknown, then the truth
			rev, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteRole("viewer")}})
			if err != nil || rev != before+1 {
				t.Fatalf("Apply: %d, %v; want %d and no error", rev, err, before+1)
			}
			if n := g.applies.Load(); n != 3 {
				t.Errorf("the store saw %d attempts, want 3", n)
			}
			log, _ := mem.Changes(ctx, before)
			if len(log) != 1 {
				t.Fatalf("%d change sets written, want 1", len(log))
			}
			if a.Snapshot().Revision() != rev {
				t.Errorf("snapshot at %d, want %d", a.Snapshot().Revision(), rev)
			}
			// The caller retries with the logged ID: the delete is not
			// planned again (it would find nothing to delete).
			again, err := a.Apply(ctx, rbac.ChangeSet{ID: log[0].ID, Changes: []rbac.Change{rbac.DeleteRole("viewer")}})
			if err != nil || again != rev {
				t.Errorf("Apply again with ID %q: %d, %v; want %d", log[0].ID, again, err, rev)
			}
			_, err = a.Apply(ctx, rbac.ChangeSet{ID: log[0].ID, Changes: []rbac.Change{rbac.DeleteRole("writer")}})
			if !errors.Is(err, rbac.ErrConflict) {
				t.Errorf("Apply of other changes with a logged ID: %v, want ErrConflict", err)
			}
		})
	}
}

// An outcome that stays unknown is reported as such, with the ID to retry.
func TestApplyReportsAnOutcomeItCannotLearn(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	importPolicy(t, mem)
	g := &gatedStore{Store: mem}
	a, err := rbac.New(ctx, g, rbac.WithResolveTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	g.unknown.Store(1 << 20)
	_, err = a.Apply(ctx, rbac.ChangeSet{ID: "op-7", Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "dan"})}})
	if !errors.Is(err, rbac.ErrUnknownOutcome) || !strings.Contains(err.Error(), `"op-7"`) {
		t.Errorf("Apply with the outcome never known: %v; want ErrUnknownOutcome naming the ID", err)
	}
	if msg := storetest.SentinelProblem(err); msg != "" {
		t.Error(msg)
	}
}

// Writers without Expect never fail because other replicas wrote first.
func TestWritersWithoutExpectDoNotFailUnderContention(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	importPolicy(t, mem)
	const replicas, writers, writes = 4, 8, 15
	var failures atomic.Int32
	var wg sync.WaitGroup
	for r := range replicas {
		a, err := rbac.New(ctx, mem)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range writes {
					id := rbac.UserID(fmt.Sprintf("u%d-%d-%d", r, w, i))
					if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: id, Roles: []rbac.RoleID{"viewer"}})}}); err != nil {
						failures.Add(1)
						t.Errorf("replica %d writer %d: %v", r, w, err)
					}
				}
			}()
		}
	}
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d of %d writes without Expect failed", n, replicas*writers*writes)
	}
	if got, want := mem.Revision(), rbac.Revision(1+replicas*writers*writes); got != want {
		t.Errorf("store at revision %d, want %d", got, want)
	}
}

// A bounded retry that gives up says so, and how often it tried.
func TestBoundedRetrySaysItGaveUp(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	importPolicy(t, mem)
	g := &gatedStore{Store: mem, gate: make(chan struct{}), entered: make(chan struct{})}
	a, err := rbac.New(ctx, g, rbac.WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() {
		_, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "dan"})}})
		done <- err
	}()
	// Before each attempt reaches the store, another writer gets in.
	for i := range 2 {
		<-g.entered
		if _, err := mem.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: rbac.UserID(fmt.Sprintf("other%d", i))})}}); err != nil {
			t.Fatal(err)
		}
		g.gate <- struct{}{}
	}
	err = <-done
	if !errors.Is(err, rbac.ErrConflict) || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Errorf("Apply beaten twice with WithMaxRetries(2): %v; want ErrConflict saying it gave up after 2 attempts", err)
	}
}

// An error while catching up before a write is the write's error.
func TestSyncErrorsBeforeAWriteAreApplyErrors(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	importPolicy(t, mem)
	flaky := &flakyStore{Store: mem}
	a, err := rbac.New(ctx, flaky, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mem.Close()
	_, err = a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "dan"})}})
	if err == nil || !strings.HasPrefix(err.Error(), "apply: ") || !errors.Is(err, rbac.ErrClosed) {
		t.Errorf("Apply with the store gone: %v; want an apply error wrapping ErrClosed", err)
	}
	if msg := storetest.SentinelProblem(err); msg != "" {
		t.Error(msg)
	}
}
