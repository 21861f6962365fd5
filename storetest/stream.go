package storetest

import (
	"context"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// checkLoadEach: a store that is an rbac.StreamLoader streams exactly what
// Load returns, at the same revision, announcing each kind's count before
// its entities, and hands over entities it no longer aliases, but for a
// *rbac.User, which it may keep if it never changes it: those are returned
// with a copy of each, for the caller to check after later writes
// (checkHandedUsers).
func checkLoadEach(t fatalfer, sl rbac.StreamLoader, want *rbac.Policy, wantRev rbac.Revision) []handedUser {
	var all []rbac.Entity
	sizes := map[rbac.EntityKind]int{}
	seen := map[rbac.EntityKind]int{}
	rev, err := sl.LoadEach(context.Background(), func(k rbac.EntityKind, n int) { sizes[k] = n }, func(e rbac.Entity) error {
		if e == nil {
			t.Fatalf("LoadEach: a nil entity")
		}
		seen[e.EntityKind()]++
		if seen[e.EntityKind()] > sizes[e.EntityKind()] {
			t.Fatalf("LoadEach: more %s entities than the %d announced", e.EntityKind(), sizes[e.EntityKind()])
		}
		all = append(all, e)
		return nil
	})
	if err != nil {
		t.Fatalf("LoadEach: %v", err)
	}
	if rev != wantRev {
		t.Fatalf("LoadEach: revision %d, want %d", rev, wantRev)
	}
	if d := diffPolicy(want, sorted(policyOf(all...))); d != "" {
		t.Fatalf("LoadEach: entities differ from the model (-model +store):\n%s", d)
	}
	// Scribbling over what was handed over must not reach the store.
	var handed []handedUser
	for _, e := range all {
		if u, ok := e.(*rbac.User); ok {
			handed = append(handed, handedUser{u, u.Clone()})
			continue
		}
		scribble(e)
	}
	again, _, err := sl.(rbac.Store).Load(context.Background())
	if err != nil {
		t.Fatalf("Load after LoadEach: %v", err)
	}
	if d := diffPolicy(want, again); d != "" {
		t.Fatalf("LoadEach handed over entities the store still aliases (-model +store):\n%s", d)
	}
	return handed
}

// handedUser is a *User a StreamLoader handed over, and a copy of it then.
type handedUser struct {
	u    *rbac.User
	then rbac.User
}

// checkHandedUsers: no *User a store handed over has changed since, though
// the store may keep it and has been written to since: an Authorizer keeps
// what it is handed as it is.
func checkHandedUsers(t fatalfer, handed []handedUser) {
	for _, h := range handed {
		if d := cmp.Diff(h.then, *h.u, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("a *User handed over by LoadEach was changed in place by a later write (-then +now):\n%s", d)
		}
	}
}

type fatalfer interface {
	Fatalf(format string, args ...any)
}
