package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

func Example() {
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()

	rev, err := store.Apply(ctx, rbac.ChangeSet{
		Actor:  "admin",
		Reason: "onboard alice",
		Changes: []rbac.Change{
			rbac.PutRole(rbac.Role{ID: "reader", Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeGlobal}}}),
			rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"reader"}}),
		},
	})
	fmt.Println("applied revision", rev, err)

	// Two writers read revision 1; the second to write is refused whole.
	_, err = store.Apply(ctx, rbac.ChangeSet{Expect: rev, Changes: []rbac.Change{rbac.DeleteUser("alice")}})
	fmt.Println("first writer:", err)
	_, err = store.Apply(ctx, rbac.ChangeSet{Expect: rev, Changes: []rbac.Change{rbac.DeleteRole("reader")}})
	fmt.Println("second writer refused:", errors.Is(err, rbac.ErrConflict))

	// The change log is the audit trail: each change carries its Before image.
	log, _ := store.Changes(ctx, 0)
	for _, cs := range log {
		for _, c := range cs.Changes {
			fmt.Printf("r%d %v (before: %v)\n", cs.Revision, c, c.Before != nil)
		}
	}

	p, rev, _ := store.Load(ctx)
	fmt.Println("revision", rev, "roles", len(p.Roles), "users", len(p.Users))
	// Output:
	// applied revision 1 <nil>
	// first writer: <nil>
	// second writer refused: true
	// r1 put role "reader" (before: false)
	// r1 put user "alice" (before: false)
	// r2 delete user "alice" (before: true)
	// revision 2 roles 1 users 0
}

func ExampleStore_Wait() {
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()

	done := make(chan rbac.Revision)
	go func() {
		rev, _ := store.Wait(ctx, 0) // blocks until the first write
		done <- rev
	}()
	store.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "bob"})}})
	fmt.Println("woke at revision", <-done)
	// Output:
	// woke at revision 1
}

func ExampleStore_Prune() {
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()
	for _, id := range []rbac.UserID{"ann", "bea", "cid"} {
		store.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: id})}})
	}

	// Keep the log from revision 3 on: followers at revision 2 or later
	// can still catch up; older ones must reload.
	store.Prune(ctx, 2)
	_, err := store.Changes(ctx, 1)
	fmt.Println("follower at 1:", errors.Is(err, rbac.ErrTruncated))
	log, err := store.Changes(ctx, 2)
	fmt.Println("follower at 2:", len(log), "change set,", err)
	// Output:
	// follower at 1: true
	// follower at 2: 1 change set, <nil>
}
