package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

const authzPolicy = `
roles:
  - {id: viewer, grants: [doc.read]}
  - {id: writer, contains: [viewer], grants: [doc.write]}
  - {id: admin, contains: [writer], grants: ["*@all"]}
users:
  - {id: alice, roles: [writer]}
  - {id: bob, roles: [viewer]}
`

func newAuthorizer(t *testing.T, policy string, opts ...rbac.Option) (*rbac.Authorizer, *memstore.Store) {
	t.Helper()
	p, err := rbac.LoadPolicy(strings.NewReader(policy))
	if err != nil {
		t.Fatal(err)
	}
	return authorizerOf(t, p, opts...)
}

// authorizerOf imports p into a new memory store and starts an authorizer
// on it, closed when the test ends.
func authorizerOf(t testing.TB, p *rbac.Policy, opts ...rbac.Option) (*rbac.Authorizer, *memstore.Store) {
	t.Helper()
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, store
}

func allowed(t *testing.T, a *rbac.Authorizer, user rbac.UserID, perm rbac.Permission) bool {
	t.Helper()
	d, err := a.Check(context.Background(), rbac.Request{User: user, Permission: perm})
	if err != nil {
		t.Fatal(err)
	}
	return d.Allowed
}

func TestApplyIsVisibleWhenItReturns(t *testing.T) {
	a, _ := newAuthorizer(t, authzPolicy)
	if allowed(t, a, "bob", "doc.write") {
		t.Fatal("bob writes before the change")
	}
	rev, err := a.Apply(context.Background(), rbac.ChangeSet{Reason: "promote", Changes: []rbac.Change{
		rbac.PutUser(rbac.User{ID: "bob", Roles: []rbac.RoleID{"writer"}}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Snapshot().Revision(); got != rev {
		t.Errorf("snapshot at %d after Apply returned %d", got, rev)
	}
	if !allowed(t, a, "bob", "doc.write") {
		t.Error("bob cannot write after the change")
	}
}

func TestApplyRejectsInvalidChangesAndWritesNothing(t *testing.T) {
	a, store := newAuthorizer(t, authzPolicy)
	before := store.Revision()
	tests := []struct {
		reason string
		cs     rbac.ChangeSet
		want   error
	}{
		{"a containment cycle", rbac.ChangeSet{Changes: []rbac.Change{
			rbac.PutRole(rbac.Role{ID: "viewer", Contains: []rbac.RoleID{"admin"}, Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeGlobal}}}),
		}}, rbac.ErrCycle},
		{"an unknown role", rbac.ChangeSet{Changes: []rbac.Change{
			rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"nope"}}),
		}}, rbac.ErrNotFound},
		{"a valid change then an invalid one", rbac.ChangeSet{Changes: []rbac.Change{
			rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}}),
			rbac.PutUser(rbac.User{ID: "dave", Roles: []rbac.RoleID{"nope"}}),
		}}, rbac.ErrNotFound},
		{"deleting what is not there", rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("zed")}}, rbac.ErrNotFound},
		{"an empty change set", rbac.ChangeSet{}, rbac.ErrInvalid},
		{"an Expect the store is not at", rbac.ChangeSet{Expect: before + 1, Changes: []rbac.Change{
			rbac.PutUser(rbac.User{ID: "carol"}),
		}}, rbac.ErrConflict},
	}
	for _, tt := range tests {
		_, err := a.Apply(context.Background(), tt.cs)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
		}
	}
	if got := store.Revision(); got != before {
		t.Errorf("store moved from %d to %d", before, got)
	}
	if allowed(t, a, "carol", "doc.read") {
		t.Error("carol exists after rejected change sets")
	}
}

func TestDeleteCascadesAndIsAudited(t *testing.T) {
	a, store := newAuthorizer(t, authzPolicy)
	ctx := context.Background()
	rev, err := a.Apply(ctx, rbac.ChangeSet{Actor: "ops", Reason: "retire writer", Changes: []rbac.Change{rbac.DeleteRole("writer")}})
	if err != nil {
		t.Fatal(err)
	}
	if allowed(t, a, "alice", "doc.read") {
		t.Error("alice still reads through a deleted role")
	}
	sets, err := store.Changes(ctx, rev-1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || sets[0].Actor != "ops" || sets[0].Reason != "retire writer" {
		t.Fatalf("change log: %+v", sets)
	}
	var touched []string
	for _, c := range sets[0].Changes {
		touched = append(touched, c.String())
		if c.Before == nil {
			t.Errorf("%v has no before-image", c)
		}
	}
	want := []string{`put role "admin"`, `put user "alice"`, `delete role "writer"`}
	if diff := cmp.Diff(want, touched); diff != "" {
		t.Errorf("cascade (-want +got):\n%s", diff)
	}
}

func TestAuthorizersOnOneStoreConverge(t *testing.T) {
	a, store := newAuthorizer(t, authzPolicy)
	ctx := context.Background()
	b, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			writer := a
			if w%2 == 1 {
				writer = b
			}
			for i := 0; i < 10; i++ {
				u := rbac.User{ID: rbac.UserID(fmt.Sprintf("u%d-%d", w, i)), Roles: []rbac.RoleID{"viewer"}}
				if _, err := writer.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(u)}}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	final := store.Revision()
	for _, x := range []*rbac.Authorizer{a, b} {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		d, err := x.Check(ctx, rbac.Request{User: "u3-9", Permission: "doc.read", AtLeast: final})
		cancel()
		if err != nil || !d.Allowed {
			t.Errorf("after %d: %v, %v", final, d, err)
		}
	}
}

func TestAtLeastWaitsForAnotherWriter(t *testing.T) {
	a, store := newAuthorizer(t, authzPolicy, rbac.WithoutFollow())
	ctx := context.Background()
	b, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rev, err := b.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}})}})
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Snapshot().Check(rbac.Request{User: "carol", Permission: "doc.read"}); d.Allowed {
		t.Fatal("a saw b's write without following")
	}
	d, err := a.Check(ctx, rbac.Request{User: "carol", Permission: "doc.read", AtLeast: rev})
	if err != nil || !d.Allowed {
		t.Errorf("read-your-writes: %v, %v", d, err)
	}
	// A revision the store never reaches ends with the context.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if d, err := a.Check(short, rbac.Request{User: "carol", Permission: "doc.read", AtLeast: rev + 100}); err == nil || d.Allowed {
		t.Errorf("waiting for the future: %v, %v", d, err)
	}
}

func TestApplyRetriesAfterAnotherWriterUnlessExpectIsSet(t *testing.T) {
	a, store := newAuthorizer(t, authzPolicy, rbac.WithoutFollow())
	ctx := context.Background()
	b, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol"})}}); err != nil {
		t.Fatal(err)
	}
	// a is behind: without Expect it catches up and succeeds.
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "dave"})}}); err != nil {
		t.Fatalf("retry after conflict: %v", err)
	}
	// b is now behind; with an explicit stale Expect it must fail.
	stale := b.Snapshot().Revision()
	if _, err := b.Apply(ctx, rbac.ChangeSet{Expect: stale, Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "erin"})}}); !errors.Is(err, rbac.ErrConflict) {
		t.Fatalf("stale Expect: %v", err)
	}
}

func TestCloseStopsTheAuthorizer(t *testing.T) {
	a, _ := newAuthorizer(t, authzPolicy)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := a.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "x"})}}); !errors.Is(err, rbac.ErrClosed) {
		t.Errorf("Apply after Close: %v", err)
	}
	// The last snapshot still answers.
	if d := a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}); !d.Allowed {
		t.Errorf("snapshot after Close: %v", d)
	}
}

func TestNewRejectsAnInvalidStore(t *testing.T) {
	store := memstore.New()
	// Written behind the package's back: a user with an unknown role.
	if _, err := store.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{
		rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"ghost"}}),
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.New(context.Background(), store); !errors.Is(err, rbac.ErrNotFound) {
		t.Errorf("New on an invalid store: %v", err)
	}
}

func TestApplyEnforcesStaticSeparationOfDuty(t *testing.T) {
	a, store := newAuthorizer(t, `
roles:
  - {id: viewer, grants: [doc.read]}
  - {id: writer, contains: [viewer], grants: [doc.write]}
  - {id: audit, grants: [log.read]}
users:
  - {id: alice, roles: [writer]}
constraints:
  - {name: write-vs-audit, max: 1, roles: [writer, audit]}
`)
	ctx := context.Background()
	before := store.Revision()
	// Alice is a writer: the audit role may reach her neither directly nor
	// through containment.
	for _, cs := range []rbac.ChangeSet{
		{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"writer", "audit"}})}},
		{Changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "viewer", Contains: []rbac.RoleID{"audit"}})}},
	} {
		if _, err := a.Apply(ctx, cs); !errors.Is(err, rbac.ErrSeparationOfDuty) {
			t.Errorf("%v: got %v, want ErrSeparationOfDuty", cs.Changes[0], err)
		}
	}
	if store.Revision() != before {
		t.Error("a rejected change was written")
	}
}

func BenchmarkApplyOneUserLarge(b *testing.B) {
	ctx := context.Background()
	p := &rbac.Policy{}
	for i := 0; i < 10000; i++ {
		p.Roles = append(p.Roles, rbac.Role{ID: rbac.RoleID(fmt.Sprintf("group%d", i)), Grants: []rbac.Grant{{Permission: rbac.Permission(fmt.Sprintf("data%d.read", i)), Scope: rbac.ScopeGlobal}}})
	}
	for i := 0; i < 100000; i++ {
		p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", i/10))}})
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		b.Fatal(err)
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i%100000)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", i%10000))}}
		if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(u)}}); err != nil {
			b.Fatal(err)
		}
		if !a.Snapshot().Check(rbac.Request{User: u.ID, Permission: rbac.Permission(fmt.Sprintf("data%d.read", i%10000))}).Allowed {
			b.Fatal("change not visible")
		}
		i++
	}
}

// flakyStore fails every call while down is set, as a database does when
// it is stopped.
type flakyStore struct {
	rbac.Store
	mu   sync.Mutex
	down bool
}

func (f *flakyStore) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}

func (f *flakyStore) setDown(d bool) { f.mu.Lock(); f.down = d; f.mu.Unlock() }

func (f *flakyStore) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.Changes(ctx, after)
}

func (f *flakyStore) Wait(ctx context.Context, after rbac.Revision) (rbac.Revision, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.Wait(ctx, after)
}

func TestFollowerSurvivesAnOutageAndReportsIt(t *testing.T) {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(authzPolicy))
	if err != nil {
		t.Fatal(err)
	}
	mem := memstore.New()
	if _, err := rbac.Import(ctx, mem, p); err != nil {
		t.Fatal(err)
	}
	flaky := &flakyStore{Store: mem}
	a, err := rbac.New(ctx, flaky, rbac.WithHeartbeat(10*time.Millisecond), rbac.WithRetryDelay(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	flaky.setDown(true)
	// Another writer keeps writing to the store while this replica cannot
	// reach it.
	rev, err := mem.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"viewer"}})}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.Status().LastError == nil {
		if time.Now().After(deadline) {
			t.Fatal("the outage was never reported")
		}
		time.Sleep(5 * time.Millisecond)
	}
	st := a.Status()
	if st.Revision >= rev {
		t.Fatalf("status %+v during the outage", st)
	}
	// The last snapshot still answers.
	if !a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}).Allowed {
		t.Error("no answers during the outage")
	}
	flaky.setDown(false)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := a.Check(wctx, rbac.Request{User: "carol", Permission: "doc.read", AtLeast: rev})
	if err != nil || !d.Allowed {
		t.Fatalf("after recovery: %v, %v", d, err)
	}
	for a.Status().LastError != nil {
		if time.Now().After(deadline) {
			t.Fatalf("status never recovered: %+v", a.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReplicasStartingOnAnEmptyStore: a replica that has seen nothing
// (revision 0) must not skip another replica's first write, and must
// validate its own write against it.
func TestReplicasStartingOnAnEmptyStore(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "viewer", Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeGlobal}}})}}); err != nil {
		t.Fatal(err)
	}
	// b has not seen the role, yet its write refers to it.
	rev, err := b.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"viewer"}})}})
	if err != nil {
		t.Fatalf("b's write: %v", err)
	}
	if rev != 2 || b.Snapshot().Revision() != 2 {
		t.Fatalf("b wrote %d and is at %d, want 2 and 2", rev, b.Snapshot().Revision())
	}
	if !b.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}).Allowed {
		t.Error("b skipped a's write")
	}
}
