// Command sqlitefile keeps its policy in a SQLite file. A run on a new
// file migrates it and imports policy.yaml; every run then asks a
// question, promotes alice if she is not yet a supervisor, and prints the
// audit trail.
//
// By default the file is created in a fresh temporary directory and
// removed at the end, so every run prints the same thing and nothing is
// written into the repository:
//
//	go run ./sqlitefile
//
// With -db the file is kept: a second run finds the policy, the promotion
// and the audit trail that the first left there, and says so.
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
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // pure Go SQLite driver, registered as "sqlite"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	path := flag.String("db", "", "the SQLite file holding the policy, kept between runs (default: a temporary file, removed at the end)")
	flag.Parse()
	if *path == "" {
		dir, err := os.MkdirTemp("", "sqlitefile-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "sqlitefile:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		*path = filepath.Join(dir, "policy.db")
	}
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
	if rev == 0 {
		fmt.Fprintln(w, "a new policy file")
	} else {
		fmt.Fprintf(w, "the policy file is at revision %d, left by an earlier run\n", rev)
	}
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
		fmt.Fprintf(w, "promoted alice at revision %d; now %v\n", rev, d)
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
		fmt.Fprintf(w, "  revision %d by %s, %s: %q\n", cs.Revision, who, plural(len(cs.Changes), "change"), cs.Reason)
		for _, c := range cs.Changes {
			if c.Before != nil {
				fmt.Fprintf(w, "    %s\n", describe(c))
			}
		}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// describe says what a change did to a user in words, field by field;
// other entities are named.
func describe(c rbac.Change) string {
	before, ok1 := c.Before.(rbac.User)
	after, ok2 := c.After.(rbac.User)
	if !ok1 || !ok2 {
		return c.String()
	}
	var parts []string
	field := func(name, was, now string) {
		if was != now {
			parts = append(parts, fmt.Sprintf("%s %s → %s", name, orNone(was), orNone(now)))
		}
	}
	field("account type", string(before.AccountType), string(after.AccountType))
	field("org", string(before.Org), string(after.Org))
	field("roles", list(before.Roles), list(after.Roles))
	field("groups", list(before.Groups), list(after.Groups))
	field("workgroups", list(before.Workgroups), list(after.Workgroups))
	if before.Disabled != after.Disabled {
		parts = append(parts, map[bool]string{true: "disabled", false: "enabled"}[after.Disabled])
	}
	if len(parts) == 0 {
		return fmt.Sprintf("user %s: unchanged", after.ID)
	}
	return fmt.Sprintf("user %s: %s", after.ID, strings.Join(parts, "; "))
}

func list[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
