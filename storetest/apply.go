package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

func testApply(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "EmptyStore", newStore, func(t *testing.T, s rbac.Store) {
		wantState(t, s, &rbac.Policy{}, 0)
		if log := mustChanges(t, s, 0); len(log) != 0 {
			t.Errorf("Changes(0) on an empty store: %d change sets, want none", len(log))
		}
	})

	subtest(t, "RevisionsIncreaseByOne", newStore, func(t *testing.T, s rbac.Store) {
		for want := rbac.Revision(1); want <= 5; want++ {
			got := mustApply(t, s, put(withKey(rbac.EntityUser, "u"+string(rune('0'+want)))))
			if got != want {
				t.Fatalf("set %d: Apply returned revision %d, want %d", want, got, want)
			}
			if _, rev := mustLoad(t, s); rev != want {
				t.Fatalf("set %d: Load revision %d, want %d", want, rev, want)
			}
		}
	})

	subtest(t, "Expect", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		a, b := withKey(rbac.EntityRole, "a"), withKey(rbac.EntityRole, "b")
		if _, err := s.Apply(ctx, rbac.ChangeSet{Expect: 1, Changes: []rbac.Change{put(a)}}); err == nil {
			t.Fatalf("Apply with Expect 1 on an empty store succeeded")
		} else {
			wantErr(t, "Expect beyond the current revision", err, rbac.ErrConflict)
		}
		wantState(t, s, &rbac.Policy{}, 0)

		rev, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{put(a)}})
		if err != nil || rev != 1 {
			t.Fatalf("Apply without Expect: %d, %v; want 1, nil", rev, err)
		}
		rev, err = s.Apply(ctx, rbac.ChangeSet{Expect: 1, Changes: []rbac.Change{put(b)}})
		if err != nil || rev != 2 {
			t.Fatalf("Apply with the current revision as Expect: %d, %v; want 2, nil", rev, err)
		}
		_, err = s.Apply(ctx, rbac.ChangeSet{Expect: 1, Changes: []rbac.Change{del(a)}})
		wantErr(t, "Expect of a stale revision", err, rbac.ErrConflict)
		_, err = s.Apply(ctx, rbac.ChangeSet{Expect: 3, Changes: []rbac.Change{del(a)}})
		wantErr(t, "Expect of a future revision", err, rbac.ErrConflict)
		wantState(t, s, policyOf(a, b), 2)
	})

	subtest(t, "DeleteMissing", newStore, func(t *testing.T, s rbac.Store) {
		for _, kind := range rbac.EntityKinds() {
			_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{del(withKey(kind, keyFor(kind, "missing")))}})
			wantErr(t, "deleting a missing "+string(kind), err, rbac.ErrNotFound)
		}
		u := withKey(rbac.EntityUser, "u")
		mustApply(t, s, put(u))
		mustApply(t, s, del(u))
		_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{del(u)}})
		wantErr(t, "deleting a deleted user", err, rbac.ErrNotFound)
		// A role with the same key is another entity.
		_, err = s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{put(u), del(withKey(rbac.EntityRole, "u"))}})
		wantErr(t, "deleting a role that exists only as a user", err, rbac.ErrNotFound)
		wantState(t, s, &rbac.Policy{}, 2)
	})

	subtest(t, "AllOrNothing", newStore, func(t *testing.T, s rbac.Store) {
		keep := withKey(rbac.EntityRole, "keep")
		rev := mustApply(t, s, put(keep))
		changed := withKey(rbac.EntityRole, "keep").(rbac.Role)
		changed.Title = "changed"
		_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{
			put(withKey(rbac.EntityUser, "new")),
			put(changed),
			del(keep),
			del(withKey(rbac.EntityGroup, "missing")), // fails last
		}})
		wantErr(t, "a set whose 4th change deletes a missing group", err, rbac.ErrNotFound)
		wantState(t, s, policyOf(keep), rev)
		if log := mustChanges(t, s, 0); len(log) != 1 {
			t.Errorf("Changes(0) after a failed set: %d change sets, want 1", len(log))
		}
		// The failed sets consumed no revision.
		if got := mustApply(t, s, put(withKey(rbac.EntityUser, "next"))); got != rev+1 {
			t.Errorf("Apply after failed sets: revision %d, want %d", got, rev+1)
		}
	})

	subtest(t, "SameKeyTwiceInOneSet", newStore, func(t *testing.T, s rbac.Store) {
		v1 := rbac.Role{ID: "r", Title: "v1"}
		v2 := rbac.Role{ID: "r", Title: "v2"}
		gone := rbac.User{ID: "gone"}
		back := rbac.User{ID: "back", Org: "o"}
		mustApply(t, s, put(back))
		rev := mustApply(t, s,
			put(v1), put(v2), // replace within the set
			put(gone), del(gone), // create and delete within the set
			del(back), put(back), // delete and recreate within the set
		)
		wantState(t, s, policyOf(v2, back), rev)
		want := []rbac.ChangeSet{{Revision: rev, Changes: []rbac.Change{
			{Kind: rbac.EntityRole, Key: "r", After: v1},
			{Kind: rbac.EntityRole, Key: "r", After: v2, Before: v1},
			{Kind: rbac.EntityUser, Key: "gone", After: gone},
			{Kind: rbac.EntityUser, Key: "gone", Before: gone},
			{Kind: rbac.EntityUser, Key: "back", Before: back},
			{Kind: rbac.EntityUser, Key: "back", After: back},
		}}}
		if d := diffLog(want, mustChanges(t, s, rev-1)); d != "" {
			t.Errorf("Changes: mismatch (-want +got):\n%s", d)
		}
		_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{put(gone), del(gone), del(gone)}})
		wantErr(t, "deleting twice in one set", err, rbac.ErrNotFound)
		wantState(t, s, policyOf(v2, back), rev)
	})

	subtest(t, "BeforeImages", newStore, func(t *testing.T, s rbac.Store) {
		old := rbac.User{ID: "u", Org: "old", Roles: []rbac.RoleID{"a"}}
		cur := rbac.User{ID: "u", Org: "new", Roles: []rbac.RoleID{"b", "a"}}
		bogus := rbac.User{ID: "u", Org: "bogus"}
		ctx := context.Background()
		// Whatever Before the caller sends is replaced by the store's own.
		for _, c := range []rbac.Change{
			{Kind: rbac.EntityUser, Key: "u", After: old, Before: bogus},
			{Kind: rbac.EntityUser, Key: "u", After: cur, Before: bogus},
			{Kind: rbac.EntityUser, Key: "u", Before: bogus},
		} {
			if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{c}}); err != nil {
				t.Fatalf("Apply(%v): %v", c, err)
			}
		}
		want := []rbac.ChangeSet{
			{Revision: 1, Changes: []rbac.Change{{Kind: rbac.EntityUser, Key: "u", After: old}}},
			{Revision: 2, Changes: []rbac.Change{{Kind: rbac.EntityUser, Key: "u", After: cur, Before: old}}},
			{Revision: 3, Changes: []rbac.Change{{Kind: rbac.EntityUser, Key: "u", Before: cur}}},
		}
		if d := diffLog(want, mustChanges(t, s, 0)); d != "" {
			t.Errorf("Changes(0): mismatch (-want +got):\n%s", d)
		}
	})

	subtest(t, "AuditFields", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		at := time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("X", 5*3600))
		c := put(withKey(rbac.EntityUser, "u"))
		c.Cascade = true
		if _, err := s.Apply(ctx, rbac.ChangeSet{Time: at, Actor: "admin@example.org", Reason: oddText, Changes: []rbac.Change{c}}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{put(withKey(rbac.EntityUser, "v"))}}); err != nil {
			t.Fatal(err)
		}
		end := time.Now()
		log := mustChanges(t, s, 0)
		want := []rbac.ChangeSet{
			{Revision: 1, Actor: "admin@example.org", Reason: oddText, Changes: []rbac.Change{c}},
			{Revision: 2, Changes: []rbac.Change{put(withKey(rbac.EntityUser, "v"))}},
		}
		if d := diffLog(want, log); d != "" {
			t.Fatalf("Changes(0): mismatch (-want +got):\n%s", d)
		}
		if !log[0].Time.Equal(at) {
			t.Errorf("Time given by the caller: got %v, want %v", log[0].Time, at)
		}
		if got := log[1].Time; got.Before(start.Truncate(time.Second)) || got.After(end.Add(time.Second)) {
			t.Errorf("zero Time: the store recorded %v, want the time of the write, %v to %v", got, start, end)
		}
	})
}
