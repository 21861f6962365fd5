package integration

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

// The lists tests keep an application table of cases beside a sqlstore in
// one database: app_cases (id, closed, lead assignee, home workgroup) and
// link tables for every assignee, workgroup and owning org. Ids look like
// SQL on purpose ("--", "/"): they only ever travel as parameters.

const listKind = "case"

// listPolicy: a workgroup forest three deep, and one user per plan shape.
func listPolicy() *rbac.Policy {
	p := &rbac.Policy{
		Roles: []rbac.Role{
			{ID: "mine", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeMine}}},
			{ID: "team", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeWorkgroup}}},
			{ID: "caseworker", Contains: []rbac.RoleID{"mine", "team"}, Grants: []rbac.Grant{{Permission: "case.write", Scope: rbac.ScopeMine}}},
			{ID: "reader", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}}},
			{ID: "archivist", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeAll}}},
			{ID: "bypass", Grants: []rbac.Grant{{Permission: "case.bypass", Scope: rbac.ScopeGlobal}}},
			{ID: "admin", Grants: []rbac.Grant{{Permission: "*", Scope: rbac.ScopeAll}}},
		},
		OwnershipRules: []rbac.OwnershipRule{{Kind: listKind, Bypass: "case.bypass"}},
	}
	for i := range 4 {
		top := rbac.WorkgroupID(fmt.Sprintf("region-%d--", i))
		p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: top, Name: string(top)})
		for j := range 3 {
			mid := rbac.WorkgroupID(fmt.Sprintf("%s/team-%d", top, j))
			p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: mid, Name: string(mid), Parent: top})
			for k := range 2 {
				leaf := rbac.WorkgroupID(fmt.Sprintf("%s/unit-%d", mid, k))
				p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: leaf, Name: string(leaf), Parent: mid})
			}
		}
	}
	p.Users = []rbac.User{
		{ID: "mia--", Org: "dfe--", Roles: []rbac.RoleID{"mine"}},
		{ID: "tom/team", Org: "dfe--", Roles: []rbac.RoleID{"team"}, Workgroups: []rbac.WorkgroupID{"region-1--/team-0"}},
		{ID: "cara", Org: "hmrc", Roles: []rbac.RoleID{"caseworker"}, Workgroups: []rbac.WorkgroupID{"region-0--", "region-2--/team-1/unit-0"}},
		{ID: "gil", Org: "hmrc", Roles: []rbac.RoleID{"reader"}},
		{ID: "gus", Org: "", Roles: []rbac.RoleID{"reader"}}, // no org: owns nothing
		{ID: "bea", Org: "dfe--", Roles: []rbac.RoleID{"reader", "bypass"}},
		{ID: "ann", Org: "dfe--", Roles: []rbac.RoleID{"archivist"}},
		{ID: "root", Roles: []rbac.RoleID{"admin"}},
		{ID: "ned", Org: "dfe--"},
		{ID: "dee", Org: "dfe--", Roles: []rbac.RoleID{"admin"}, Disabled: true},
	}
	return p
}

// listRequests: every user of listPolicy, and some active-role variants.
func listRequests() []rbac.PlanRequest {
	var out []rbac.PlanRequest
	for _, u := range listPolicy().Users {
		out = append(out, rbac.PlanRequest{User: u.ID, Permission: "case.read", Kind: listKind})
	}
	return append(out,
		rbac.PlanRequest{User: "cara", ActiveRoles: []rbac.RoleID{"mine"}, Permission: "case.read", Kind: listKind},
		rbac.PlanRequest{User: "cara", ActiveRoles: []rbac.RoleID{"team"}, Permission: "case.read", Kind: listKind},
		rbac.PlanRequest{User: "cara", Permission: "case.write", Kind: listKind},
		rbac.PlanRequest{User: "bea", ActiveRoles: []rbac.RoleID{"reader"}, Permission: "case.read", Kind: listKind},
		rbac.PlanRequest{User: "ann", ActiveRoles: []rbac.RoleID{"admin"}, Permission: "case.read", Kind: listKind},
	)
}

// listRow is one application record.
type listRow struct {
	id         int64
	closed     bool
	assignees  []rbac.UserID
	workgroups []rbac.WorkgroupID
	owners     []rbac.OrgSlug
}

// listRows draws n records: assignees among the users and a ghost,
// workgroups in the forest and one unknown, owners among two orgs and one
// no user has.
func listRows(n int, seed uint64) []listRow {
	r := rand.New(rand.NewPCG(seed, 1))
	p := listPolicy()
	users := []rbac.UserID{"ghost"}
	for _, u := range p.Users {
		users = append(users, u.ID)
	}
	wgs := []rbac.WorkgroupID{"nowhere"}
	for _, w := range p.Workgroups {
		wgs = append(wgs, w.ID)
	}
	orgs := []rbac.OrgSlug{"dfe--", "hmrc", "gds"}
	pick := func(from []string, max int) []string {
		var out []string
		for range r.IntN(max + 1) {
			if v := from[r.IntN(len(from))]; !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	rows := make([]listRow, n)
	for i := range rows {
		rows[i] = listRow{
			id:         int64(i + 1),
			closed:     r.IntN(5) == 0,
			assignees:  ids[rbac.UserID](pick(strs(users), 2)),
			workgroups: ids[rbac.WorkgroupID](pick(strs(wgs), 2)),
			owners:     ids[rbac.OrgSlug](pick(strs(orgs), 2)),
		}
	}
	return rows
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func ids[T ~string](xs []string) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}

// The two mappings of the same data: link tables for everything, and
// columns (the lead assignee, the home workgroup) with owners stored by
// sqlstore in the same database.
var (
	linkedCases = sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed",
		Assignees:  sqlfilter.Values{Link: &sqlfilter.Link{Table: "app_case_assignees", Record: "case_id", Value: "user_id"}},
		Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "app_case_workgroups", Record: "case_id", Value: "workgroup"}},
		Owners:     sqlfilter.Values{Link: &sqlfilter.Link{Table: "app_case_owners", Record: "case_id", Value: "org"}},
	}
	columnCases = sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed",
		Assignees:  sqlfilter.Values{Column: "lead"},
		Workgroups: sqlfilter.Values{Column: "home"},
		Owners:     sqlfilter.Values{Stored: sqlfilter.StoredInDatabase},
	}
)

// mixedCases: assignees in a link table, the home workgroup in a column,
// owners in a link table (columns and links in one clause).
var mixedCases = sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed",
	Assignees:  linkedCases.Assignees,
	Workgroups: columnCases.Workgroups,
	Owners:     linkedCases.Owners,
}

// resource describes a row as the application would under a mapping.
func (row listRow) resource(t sqlfilter.Table) rbac.Resource {
	r := rbac.Resource{Kind: listKind, ID: strconv.FormatInt(row.id, 10), Inactive: row.closed}
	if t.Assignees.Link != nil {
		r.Assignees = row.assignees
	} else if len(row.assignees) > 0 {
		r.Assignees = row.assignees[:1] // the lead
	}
	if t.Workgroups.Link != nil {
		r.Workgroups = row.workgroups
	} else if len(row.workgroups) > 0 {
		r.Workgroups = row.workgroups[:1] // the home workgroup
	}
	if t.Owners.Link != nil {
		r.Owners = append([]rbac.OrgSlug{}, row.owners...) // the record's own owners, possibly none: not "look them up"
	}
	return r // otherwise Owners nil: the stored Ownership
}

// storedOwnerships: the owners of the first n rows, kept by sqlstore (the
// other rows have no stored owners: only bypass holders reach them).
func storedOwnerships(rows []listRow, n int) []rbac.Ownership {
	var out []rbac.Ownership
	for _, row := range rows[:min(n, len(rows))] {
		if len(row.owners) > 0 {
			out = append(out, rbac.Ownership{Kind: listKind, ID: strconv.FormatInt(row.id, 10), Owners: row.owners})
		}
	}
	return out
}

// createListTables creates the application's tables with the indexes a
// list needs, and fills them in one transaction with multi-row INSERTs.
func createListTables(ctx context.Context, tb testing.TB, h *sql.DB, d sqlstore.Dialect, rows []listRow) {
	tb.Helper()
	boolType, textType, suffix := "BOOLEAN", "VARCHAR(128)", ""
	if d == sqlstore.MySQL {
		suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	for _, stmt := range []string{
		"CREATE TABLE app_cases (id BIGINT NOT NULL PRIMARY KEY, closed " + boolType + " NOT NULL, lead " + textType + " NULL, home " + textType + " NULL)" + suffix,
		"CREATE TABLE app_case_assignees (case_id BIGINT NOT NULL, user_id " + textType + " NOT NULL, PRIMARY KEY (case_id, user_id))" + suffix,
		"CREATE TABLE app_case_workgroups (case_id BIGINT NOT NULL, workgroup " + textType + " NOT NULL, PRIMARY KEY (case_id, workgroup))" + suffix,
		"CREATE TABLE app_case_owners (case_id BIGINT NOT NULL, org " + textType + " NOT NULL, PRIMARY KEY (case_id, org))" + suffix,
		"CREATE INDEX app_cases_lead ON app_cases (lead, id)",
		"CREATE INDEX app_cases_home ON app_cases (home, id)",
		"CREATE INDEX app_case_assignees_user ON app_case_assignees (user_id, case_id)",
		"CREATE INDEX app_case_workgroups_wg ON app_case_workgroups (workgroup, case_id)",
		"CREATE INDEX app_case_owners_org ON app_case_owners (org, case_id)",
	} {
		if _, err := h.ExecContext(ctx, stmt); err != nil {
			tb.Fatalf("%s: %v", stmt, err)
		}
	}
	// (closed, id) serves PostgreSQL's index-only scans; MariaDB takes it as
	// a ref on closed alone, which ignores a page's id > key and reads from
	// the smallest id (300 ms in the middle of 1,000,000 rows), so there the
	// primary key alone orders the pages.
	if d != sqlstore.MySQL {
		if _, err := h.ExecContext(ctx, "CREATE INDEX app_cases_closed ON app_cases (closed, id)"); err != nil {
			tb.Fatal(err)
		}
	}
	tx, err := h.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	var cases, assignees, workgroups, owners [][]any
	for _, row := range rows {
		var lead, home any
		if len(row.assignees) > 0 {
			lead = string(row.assignees[0])
		}
		if len(row.workgroups) > 0 {
			home = string(row.workgroups[0])
		}
		cases = append(cases, []any{row.id, row.closed, lead, home})
		for _, a := range row.assignees {
			assignees = append(assignees, []any{row.id, string(a)})
		}
		for _, w := range row.workgroups {
			workgroups = append(workgroups, []any{row.id, string(w)})
		}
		for _, o := range row.owners {
			owners = append(owners, []any{row.id, string(o)})
		}
	}
	insertRows(ctx, tb, tx, d, "app_cases", cases)
	insertRows(ctx, tb, tx, d, "app_case_assignees", assignees)
	insertRows(ctx, tb, tx, d, "app_case_workgroups", workgroups)
	insertRows(ctx, tb, tx, d, "app_case_owners", owners)
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	for _, table := range []string{"app_cases", "app_case_assignees", "app_case_workgroups", "app_case_owners"} {
		analyze := "ANALYZE " + table
		switch d {
		case sqlstore.MySQL:
			analyze = "ANALYZE TABLE " + table
		case sqlstore.Postgres:
			analyze = "VACUUM ANALYZE " + table // and the visibility map, for index-only scans, as autovacuum would
		}
		if _, err := h.ExecContext(ctx, analyze); err != nil {
			tb.Fatalf("%s: %v", analyze, err)
		}
	}
}

// insertRows inserts rows with multi-row INSERTs of at most 500 rows.
func insertRows(ctx context.Context, tb testing.TB, tx *sql.Tx, d sqlstore.Dialect, table string, rows [][]any) {
	tb.Helper()
	for len(rows) > 0 {
		n := min(len(rows), 500)
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " VALUES ")
		var args []any
		for i, row := range rows[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					q.WriteByte(',')
				}
				args = append(args, v)
				if d == sqlstore.Postgres {
					q.WriteString("$" + strconv.Itoa(len(args)))
				} else {
					q.WriteByte('?')
				}
			}
			q.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			tb.Fatalf("insert into %s: %v", table, err)
		}
		rows = rows[n:]
	}
}

// listIDs runs the clause and returns the ids, in order.
func listIDs(ctx context.Context, tb testing.TB, h *sql.DB, where string, args []any, tail string) []int64 {
	tb.Helper()
	return queryColumn[int64](ctx, tb, h, "SELECT id FROM app_cases WHERE "+where+" ORDER BY id"+tail, args)
}

// queryColumn runs q and returns its first column, in the order of the rows.
func queryColumn[T any](ctx context.Context, tb testing.TB, h *sql.DB, q string, args []any) []T {
	tb.Helper()
	rs, err := h.QueryContext(ctx, q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		var v T
		if err := rs.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rs.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// listSetup opens a fresh database with a sqlstore holding listPolicy
// (with the stored ownerships) and the application's tables.
func listSetup(tb testing.TB, db database, rows []listRow, stored []rbac.Ownership) (*sql.DB, *rbac.Authorizer) {
	tb.Helper()
	h, _, _ := db.open(tb)
	return h, fillListDatabase(tb, h, db.dialect, rows, stored)
}

// fillListDatabase puts listPolicy with the stored ownerships in a
// sqlstore on h, creates and fills the application's tables, and returns
// an authorizer on the store.
func fillListDatabase(tb testing.TB, h *sql.DB, d sqlstore.Dialect, rows []listRow, stored []rbac.Ownership) *rbac.Authorizer {
	tb.Helper()
	ctx := context.Background()
	a := listAuthorizer(tb, h, d, func(store *sqlstore.Store) {
		p := listPolicy()
		p.Ownerships = stored
		if _, err := rbac.Import(ctx, store, p); err != nil {
			tb.Fatalf("import: %v", err)
		}
	})
	createListTables(ctx, tb, h, d, rows)
	// Statistics for sqlstore's ownership table too, as autovacuum or a
	// nightly ANALYZE would have them: without, PostgreSQL estimates one
	// row and scans the owners once per candidate record.
	analyze := map[sqlstore.Dialect]string{sqlstore.SQLite: "ANALYZE rbac_ownership_owners",
		sqlstore.Postgres: "VACUUM ANALYZE rbac_ownership_owners", sqlstore.MySQL: "ANALYZE TABLE rbac_ownership_owners"}[d]
	if _, err := h.ExecContext(ctx, analyze); err != nil {
		tb.Fatalf("%s: %v", analyze, err)
	}
	return a
}

// listAuthorizer opens the sqlstore on h, lets fill write to it (nil: the
// store is already filled), and returns an authorizer on it.
func listAuthorizer(tb testing.TB, h *sql.DB, d sqlstore.Dialect, fill func(*sqlstore.Store)) *rbac.Authorizer {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlstore.New(ctx, h, d)
	if err != nil {
		tb.Fatalf("sqlstore.New: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	if fill != nil {
		fill(store)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

// TestListsMatchCheck: on every database, for every plan shape and both
// mappings, the rows the WHERE clause selects are exactly the rows Check
// allows, and pages of 50 (ORDER BY id LIMIT 50, by offset and by key) are
// identical. RBAC_TEST_LIST_ROWS sets the table's size: 100000 for the full
// test (about a minute without -race); the default, 5,000, keeps CI (-race)
// within its time.
//
// The table's ids run from the smallest int64 to the largest, and stored
// ownership also names ids that only look like integers ("007", "7x",
// beyond int64): with IDInteger they must match no record, as in Check.
func TestListsMatchCheck(t *testing.T) {
	n := envInt("RBAC_TEST_LIST_ROWS", 5_000)
	rows := listRowsWithEdgeIDs(n, 9)
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, a := listSetup(t, db, rows, append(storedOwnerships(rows, 3000), oddOwnerships()...))
		snap := a.Snapshot()
		shapes := map[string]bool{}
		integer, snapshotOwned, snapshotInteger := columnCases, columnCases, columnCases
		integer.IDType = sqlfilter.IDInteger
		snapshotOwned.Owners.Stored = sqlfilter.StoredInSnapshot
		snapshotInteger.Owners.Stored, snapshotInteger.IDType = sqlfilter.StoredInSnapshot, sqlfilter.IDInteger
		for _, table := range []sqlfilter.Table{linkedCases, columnCases, mixedCases, integer, snapshotOwned, snapshotInteger} {
			resources := make([]rbac.Resource, len(rows))
			for i, row := range rows {
				resources[i] = row.resource(table)
			}
			for _, req := range listRequests() {
				plan := snap.Plan(req)
				for _, part := range strings.Split(shapeOf(plan), "+") {
					shapes[part] = true
				}
				where, args, err := sqlfilter.Where(plan, table, db.dialect)
				if err != nil {
					t.Fatalf("%v: %v", plan, err)
				}
				var want []int64
				for i := range resources {
					creq := rbac.Request{User: req.User, ActiveRoles: req.ActiveRoles, Permission: req.Permission, Resource: &resources[i]}
					if snap.Check(creq).Allowed {
						want = append(want, rows[i].id)
					}
				}
				got := listIDs(ctx, t, h, where, args, "")
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s via %+v: plan %v\nWHERE %s %v\nrows (-Check +SQL):\n%s", req.User, table.Owners, plan, where, args, diff)
				}
				// Pages: the first, one in the middle by offset, and the
				// one after a key (keyset pagination).
				page := func(from int) []int64 {
					if from >= len(want) {
						return nil
					}
					return want[from:min(from+50, len(want))]
				}
				mid := len(want) / 2
				if diff := cmp.Diff(page(0), listIDs(ctx, t, h, where, args, " LIMIT 50")); diff != "" {
					t.Fatalf("%v: first page (-Check +SQL):\n%s", plan, diff)
				}
				if diff := cmp.Diff(page(mid), listIDs(ctx, t, h, where, args, " LIMIT 50 OFFSET "+strconv.Itoa(mid))); diff != "" {
					t.Fatalf("%v: page at %d (-Check +SQL):\n%s", plan, mid, diff)
				}
				if mid > 0 {
					kw, kargs, err := sqlfilter.WhereAfter(plan, table, db.dialect, want[mid-1])
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(page(mid), listIDs(ctx, t, h, kw, kargs, " LIMIT 50")); diff != "" {
						t.Fatalf("%v: WhereAfter id %d (-Check +SQL):\n%s", plan, want[mid-1], diff)
					}
				}
			}
		}
		for _, s := range []string{"none", "all", "active", "inactive too", "assignee", "workgroups", "owner"} {
			if !shapes[s] {
				t.Errorf("no request gave a plan with %s (saw %v)", s, shapes)
			}
		}
	})
}

// listRowsWithEdgeIDs is listRows with the ids -2^63, -5 and 0 before 1
// to n, and 2^63-1 after; the edge rows are owned by dfe-- and hmrc.
func listRowsWithEdgeIDs(n int, seed uint64) []listRow {
	rows := listRows(n+4, seed)
	edge := func(i int, id int64) {
		rows[i].id, rows[i].owners = id, []rbac.OrgSlug{"dfe--", "hmrc"}
	}
	edge(0, math.MinInt64)
	edge(1, -5)
	edge(2, 0)
	for i := 3; i < len(rows)-1; i++ {
		rows[i].id = int64(i - 2)
	}
	edge(len(rows)-1, math.MaxInt64)
	return rows
}

// oddIDs look like integers to a lenient parser but are not the canonical
// text of any int64, so no integer record has them as its id.
var oddIDs = []string{"007", "00", "-0", "+8", "-05", "7x", "1e3", "0x10", "9.0",
	"9223372036854775808", "-9223372036854775809", "18446744073709551611", "99999999999999999999"}

// oddOwnerships: stored ownership by dfe-- and hmrc of the oddIDs, and of
// the largest int64 (the rows beyond storedOwnerships' first ones).
func oddOwnerships() []rbac.Ownership {
	var out []rbac.Ownership
	for _, id := range append(oddIDs, strconv.FormatInt(math.MaxInt64, 10)) {
		out = append(out, rbac.Ownership{Kind: listKind, ID: id, Owners: []rbac.OrgSlug{"dfe--", "hmrc"}})
	}
	return out
}

// TestListsTextIDs: an application table whose id column is text, with
// decimal ids and the oddIDs, under stored owners (in the database and in
// the snapshot) with the id's type unsaid and IDText: the rows the clause
// selects are exactly those Check allows.
func TestListsTextIDs(t *testing.T) {
	rows := listRows(2_000, 5)
	ids := make([]string, 0, len(rows)+len(oddIDs))
	for _, row := range rows {
		ids = append(ids, strconv.FormatInt(row.id, 10))
	}
	ids = append(ids, oddIDs...)
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, a := listSetup(t, db, nil, append(storedOwnerships(rows, 1500), oddOwnerships()...))
		snap := a.Snapshot()
		suffix := ""
		if db.dialect == sqlstore.MySQL {
			suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
		}
		if _, err := h.ExecContext(ctx, "CREATE TABLE app_text_cases (id VARCHAR(128) NOT NULL PRIMARY KEY, closed BOOLEAN NOT NULL, home VARCHAR(128) NULL)"+suffix); err != nil {
			t.Fatal(err)
		}
		resources := make([]rbac.Resource, len(ids))
		var values [][]any
		for i, id := range ids {
			row := rows[i%len(rows)] // the odd ids borrow a row's closed and home
			resources[i] = rbac.Resource{Kind: listKind, ID: id, Inactive: row.closed}
			var home any
			if len(row.workgroups) > 0 {
				resources[i].Workgroups = row.workgroups[:1]
				home = string(row.workgroups[0])
			}
			values = append(values, []any{id, row.closed, home})
		}
		tx, err := h.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		insertRows(ctx, t, tx, db.dialect, "app_text_cases", values)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, table := range []sqlfilter.Table{
			{Name: "app_text_cases", ID: "id", Inactive: "closed", Workgroups: sqlfilter.Values{Column: "home"}, Owners: sqlfilter.Values{Stored: sqlfilter.StoredInDatabase}},
			{Name: "app_text_cases", ID: "id", IDType: sqlfilter.IDText, Inactive: "closed", Workgroups: sqlfilter.Values{Column: "home"}, Owners: sqlfilter.Values{Stored: sqlfilter.StoredInDatabase}},
			{Name: "app_text_cases", ID: "id", Inactive: "closed", Workgroups: sqlfilter.Values{Column: "home"}, Owners: sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}},
			{Name: "app_text_cases", ID: "id", IDType: sqlfilter.IDText, Inactive: "closed", Workgroups: sqlfilter.Values{Column: "home"}, Owners: sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}},
		} {
			owned := 0
			for _, req := range listRequests() {
				plan := snap.Plan(req)
				where, args, err := sqlfilter.Where(plan, table, db.dialect)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for i := range resources {
					if snap.Check(rbac.Request{User: req.User, ActiveRoles: req.ActiveRoles, Permission: req.Permission, Resource: &resources[i]}).Allowed {
						want = append(want, resources[i].ID)
					}
				}
				if _, ok := plan.Owner(); ok && len(want) > 0 {
					owned++
				}
				q := "SELECT id FROM app_text_cases WHERE " + where
				rs, err := h.QueryContext(ctx, q, args...)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				var got []string
				for rs.Next() {
					var id string
					if err := rs.Scan(&id); err != nil {
						t.Fatal(err)
					}
					got = append(got, id)
				}
				if err := rs.Err(); err != nil {
					t.Fatal(err)
				}
				rs.Close()
				slices.Sort(want)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s via %v %+v: plan %v\nWHERE %s %v\nrows (-Check +SQL):\n%s", req.User, table.IDType, table.Owners, plan, where, args, diff)
				}
			}
			if owned == 0 {
				t.Errorf("%v %+v: no plan with an owner condition allowed a row; the test proves nothing", table.IDType, table.Owners)
			}
		}
	})
}

// shapeOf names a plan's parts for coverage (a plan has several).
func shapeOf(p rbac.Plan) string {
	switch p.Kind() {
	case rbac.PlanNone:
		return "none"
	case rbac.PlanAll:
		return "all"
	}
	var parts []string
	if p.IncludesInactive() {
		parts = append(parts, "inactive too")
	} else {
		parts = append(parts, "active")
	}
	if _, ok := p.Assignee(); ok {
		parts = append(parts, "assignee")
	}
	if len(p.Workgroups()) > 0 {
		parts = append(parts, "workgroups")
	}
	if _, ok := p.Owner(); ok {
		parts = append(parts, "owner")
	}
	return strings.Join(parts, "+")
}
