// Command lists shows the nVIRO evaluations list, with its Mine, Workgroup
// and Global tabs, on an application table in SQLite. Each tab is a query
// plan for the user acting in that tab's role, pushed into SQL with
// sqlfilter: the database filters and paginates, and shows exactly what
// Check would allow, row by row.
//
//	go run ./lists
package main

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"io"
	"strings"

	_ "modernc.org/sqlite" // pure Go SQLite driver, registered as "sqlite"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("lists", run) }

// evaluation is a row of the application's table; its assignees (the
// processor and whoever has a task on it) are in a link table.
type evaluation struct {
	id, title, workgroup string
	closed               bool
	assignees            []string
}

var evaluations = []evaluation{
	{"E-001", "Riverside discharge permit", "deq.water.north", false, []string{"paula"}},
	{"E-002", "North basin stormwater", "deq.water.north", false, []string{"sven", "paula"}},
	{"E-003", "South lagoon renewal", "deq.water.south", false, []string{"tom"}},
	{"E-004", "Water division audit", "deq.water", false, nil},
	{"E-005", "Smelter air permit", "deq.air", false, []string{"paula"}},
	{"E-006", "Closed well inspection", "deq.water.north", true, []string{"paula"}},
	{"E-007", "Forest road culvert", "dnr", false, []string{"greta"}},
	{"E-008", "Archived south intake", "deq.water.south", true, nil},
}

// The mapping of the application's table for sqlfilter.
var table = sqlfilter.Table{
	Name:       "evaluations",
	ID:         "id",
	Inactive:   "closed",
	Assignees:  sqlfilter.Values{Link: &sqlfilter.Link{Table: "evaluation_assignees", Record: "evaluation_id", Value: "user_id"}},
	Workgroups: sqlfilter.Values{Column: "workgroup"},
}

// A tab lists what the user sees when acting in one role.
type tab struct {
	name  string
	roles []rbac.RoleID // the first the user holds is the tab's active role
}

var tabs = []tab{
	{"Mine", []rbac.RoleID{"evaluations_manager_mine"}},
	{"Workgroup", []rbac.RoleID{"evaluations_manager_workgroup"}},
	{"Global", []rbac.RoleID{"evaluations_administrator", "evaluations_manager_global"}},
}

func run(w io.Writer) error {
	ctx := context.Background()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: every query sees the same :memory: database
	if err := fill(ctx, db); err != nil {
		return err
	}

	authz, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()
	snap := authz.Snapshot()

	for _, user := range []rbac.UserID{"paula", "sven", "greta", "ada"} {
		fmt.Fprintf(w, "%s\n", user)
		for _, tb := range tabs {
			role, ok := heldRole(snap, user, tb.roles)
			if !ok {
				continue // the tab is not shown
			}
			plan := snap.Plan(rbac.PlanRequest{User: user, ActiveRoles: []rbac.RoleID{role}, Permission: "evaluation.read", Kind: "evaluation"})
			where, args, err := sqlfilter.Where(plan, table, sqlstore.SQLite)
			if err != nil {
				return err
			}
			rows, err := page(ctx, db, where, args, 3, 0)
			if err != nil {
				return err
			}
			total, err := count(ctx, db, where, args)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  [%s] %d evaluation(s), first page: %s\n", tb.name, total, strings.Join(rows, "; "))
			if total > 3 {
				next, err := page(ctx, db, where, args, 3, 3)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "  [%s] page 2: %s\n", tb.name, strings.Join(next, "; "))
			}
			if user == "sven" && tb.name == "Workgroup" {
				fmt.Fprintf(w, "    plan: %v\n    WHERE %s\n    args %v\n", plan, where, args)
			}
		}
	}
	return nil
}

// heldRole returns the first of roles that user holds.
func heldRole(snap *rbac.Snapshot, user rbac.UserID, roles []rbac.RoleID) (rbac.RoleID, bool) {
	for _, r := range roles {
		for _, src := range snap.RolesOf(user) {
			if src.Role == r {
				return r, true
			}
		}
	}
	return "", false
}

// page returns one page of the list, "id title" per row, ordered by id.
func page(ctx context.Context, db *sql.DB, where string, args []any, size, offset int) ([]string, error) {
	q := "SELECT id, title, closed FROM evaluations WHERE " + where + " ORDER BY id LIMIT ? OFFSET ?"
	rs, err := db.QueryContext(ctx, q, append(args, size, offset)...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var id, title string
		var closed bool
		if err := rs.Scan(&id, &title, &closed); err != nil {
			return nil, err
		}
		if closed {
			title += " (closed)"
		}
		out = append(out, id+" "+title)
	}
	return out, rs.Err()
}

func count(ctx context.Context, db *sql.DB, where string, args []any) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM evaluations WHERE "+where, args...).Scan(&n)
	return n, err
}

// fill creates the application's tables and rows.
func fill(ctx context.Context, db *sql.DB) error {
	for _, stmt := range []string{
		`CREATE TABLE evaluations (id TEXT PRIMARY KEY, title TEXT NOT NULL, workgroup TEXT, closed BOOLEAN NOT NULL)`,
		`CREATE TABLE evaluation_assignees (evaluation_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (evaluation_id, user_id))`,
		`CREATE INDEX evaluation_assignees_user ON evaluation_assignees (user_id, evaluation_id)`,
		`CREATE INDEX evaluations_workgroup ON evaluations (workgroup, id)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	for _, e := range evaluations {
		if _, err := db.ExecContext(ctx, `INSERT INTO evaluations VALUES (?, ?, ?, ?)`, e.id, e.title, e.workgroup, e.closed); err != nil {
			return err
		}
		for _, a := range e.assignees {
			if _, err := db.ExecContext(ctx, `INSERT INTO evaluation_assignees VALUES (?, ?)`, e.id, a); err != nil {
				return err
			}
		}
	}
	return nil
}
