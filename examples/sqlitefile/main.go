// Command sqlitefile keeps its policy in a SQLite file. The first run
// creates the file, migrates it and imports policy.yaml; every run then
// asks a question, promotes alice if she is not yet a supervisor, and
// prints the audit trail, which survives between runs with the policy.
//
//	go run ./sqlitefile -db /tmp/policy.db
package main

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"

	_ "modernc.org/sqlite" // pure Go SQLite driver, registered as "sqlite"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	path := flag.String("db", "policy.db", "the SQLite file holding the policy")
	flag.Parse()
	if err := run(os.Stdout, *path); err != nil {
		fmt.Fprintln(os.Stderr, "sqlitefile:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, path string) error {
	ctx := context.Background()

	// busy_timeout makes a connection wait for another's lock instead of
	// failing; _txlock=immediate makes the application's own write
	// transactions take the lock up front (sqlstore does both itself).
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := sqlstore.New(ctx, db, sqlstore.SQLite) // migrates, switches to WAL
	if err != nil {
		return err
	}
	defer store.Close()

	_, rev, err := store.Load(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the file is at revision %d\n", rev)
	if rev == 0 {
		p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
		if err != nil {
			return err
		}
		if rev, err = rbac.Import(ctx, store, p); err != nil {
			return err
		}
		fmt.Fprintf(w, "imported policy.yaml at revision %d\n", rev)
	}

	a, err := rbac.New(ctx, store)
	if err != nil {
		return err
	}
	defer a.Close()
	approve := rbac.Request{
		User: "alice", Permission: "case.approve",
		Resource: &rbac.Resource{Kind: "case", ID: "c7", Workgroups: []rbac.WorkgroupID{"leeds"}},
	}
	d, err := a.Explain(ctx, approve)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "may alice approve c7 in Leeds? %v\n", d)

	if !d.Allowed {
		rev, err := a.Apply(ctx, rbac.ChangeSet{Actor: "carol", Reason: "alice leads Leeds now", Changes: []rbac.Change{
			rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"supervisor"}, Workgroups: []rbac.WorkgroupID{"leeds"}}),
		}})
		if err != nil {
			return err
		}
		approve.AtLeast = rev
		d, err := a.Explain(ctx, approve)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "promoted alice at revision %d; now: %v\n", rev, d)
	}

	// The change log is the audit trail: who, why, and each change with
	// what was there before.
	log, err := store.Changes(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "audit trail:")
	for _, cs := range log {
		who := string(cs.Actor)
		if who == "" {
			who = "nobody in particular"
		}
		fmt.Fprintf(w, "  r%d by %s, %d change(s): %q\n", cs.Revision, who, len(cs.Changes), cs.Reason)
		for _, c := range cs.Changes {
			if c.Before != nil {
				fmt.Fprintf(w, "    %v, replacing %+v\n", c, c.Before)
			}
		}
	}
	return nil
}
