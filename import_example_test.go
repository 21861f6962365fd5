package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A service imports its policy file at every start. An administrator
// changed a role in the console since the last import: the import refuses
// rather than undo it, and says who changed what, when and why.
func ExampleImport_edits() {
	ctx := context.Background()
	store := memstore.New()
	policy, err := rbac.LoadPolicy(strings.NewReader(`
manages: [permissions, roles]
roles:
  - {id: clerk, grants: [case.read@mine]}
`))
	if err != nil {
		panic(err)
	}
	rev, _ := rbac.Import(ctx, store, policy)
	fmt.Println("first start: revision", rev)

	// The console (here written directly) widens the clerk's reach.
	store.Apply(ctx, rbac.ChangeSet{
		Actor: "alice", Reason: "clerks cover the backlog", Time: time.Date(2027, 1, 4, 9, 30, 0, 0, time.UTC),
		Changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "clerk", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeAll}}})},
	})

	_, err = rbac.Import(ctx, store, policy)
	var conflict *rbac.ImportConflict
	if errors.As(err, &conflict) {
		fmt.Println("second start refused:", errors.Is(err, rbac.ErrConflict))
		for _, e := range conflict.Edits {
			fmt.Println(" ", e)
		}
	}

	// Undoing the edit is a decision, and the audit trail records it.
	rev, _ = rbac.Import(ctx, store, policy, rbac.Overwrite())
	log, _ := store.Changes(ctx, rev-1)
	fmt.Printf("revision %d by %s: %s\n", rev, log[0].Actor, log[0].Reason)
	// Output:
	// first start: revision 1
	// second start refused: true
	//   role "clerk" (revision 2 by alice at 2027-01-04T09:30:00Z: "clerks cover the backlog")
	// revision 3 by rbac.system: import managing permissions, roles; overwrote 1 edit: role "clerk" (revision 2 by alice)
}
