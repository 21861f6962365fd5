package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/storetest"
)

func newStore(t *testing.T) rbac.Store {
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, newStore)
}

// memstore implements the optional pruning the suite tests.
var _ storetest.Pruner = (*memstore.Store)(nil)

func TestModel(t *testing.T) {
	storetest.RunModel(t, newStore)
}

func TestWithClock(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s := memstore.New(memstore.WithClock(func() time.Time { return at }))
	defer s.Close()
	ctx := context.Background()
	given := at.Add(-time.Hour)
	for _, cs := range []rbac.ChangeSet{
		{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "a"})}},
		{Time: given, Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "b"})}},
	} {
		if _, err := s.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := []time.Time{log[0].Time, log[1].Time}
	if d := cmp.Diff([]time.Time{at, given}, got); d != "" {
		t.Errorf("times (-want +got):\n%s", d)
	}
}

// Behaviour that memstore documents beyond the suite.
func TestPruneAndRevision(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	for _, id := range []rbac.UserID{"a", "b", "c"} {
		if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: id})}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Prune(ctx, 99); err != nil {
		t.Fatalf("Prune beyond the revision: %v", err)
	}
	for _, tc := range []struct {
		after   rbac.Revision
		wantErr error
		why     string
	}{
		{2, rbac.ErrTruncated, "the horizon stops at the current revision, 3"},
		{3, nil, "a follower at the current revision has nothing to read"},
		{4, nil, "a follower ahead of the store has nothing to read either"},
	} {
		log, err := s.Changes(ctx, tc.after)
		if !errors.Is(err, tc.wantErr) || len(log) != 0 {
			t.Errorf("Changes(%d) = %d sets, %v; want none, %v (%s)", tc.after, len(log), err, tc.wantErr, tc.why)
		}
	}
	if rev, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("a")}}); err != nil || rev != 4 {
		t.Fatalf("Apply after Prune: %d, %v; want 4, nil", rev, err)
	}
	if log, err := s.Changes(ctx, 3); err != nil || len(log) != 1 || log[0].Revision != 4 {
		t.Errorf("Changes(3) after a write: %v, %v; want revision 4", log, err)
	}
	s.Close()
	if got := s.Revision(); got != 4 {
		t.Errorf("Revision after Close = %d, want 4", got)
	}
}

// Load's lists come sorted by key in byte order, whatever the order of
// writes, so that output built from them is deterministic.
func TestLoadIsSorted(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	_, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{
		rbac.PutUser(rbac.User{ID: "b"}), rbac.PutUser(rbac.User{ID: "a"}), rbac.PutUser(rbac.User{ID: "B"}),
		rbac.PutOwnership(rbac.Ownership{Kind: "doc", ID: "2"}), rbac.PutOwnership(rbac.Ownership{Kind: "Doc", ID: "9"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range p.Users {
		got = append(got, string(u.ID))
	}
	for _, o := range p.Ownerships {
		got = append(got, rbac.OwnershipKey(o.Kind, o.ID))
	}
	if d := cmp.Diff([]string{"B", "a", "b", "Doc/9", "doc/2"}, got); d != "" {
		t.Errorf("Load order (-want +got):\n%s", d)
	}
}

// TestAdminConcurrency: the Admin's read-modify-write methods lose no
// update on memstore.
func TestAdminConcurrency(t *testing.T) {
	storetest.RunAdminConcurrency(t, newStore)
}
