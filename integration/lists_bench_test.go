package integration

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

// BenchmarkListPage: one page of 50 from an application table of
// RBAC_BENCH_LIST_ROWS rows (1000000 for the figures in
// bench/BENCHMARKS.md), indexed as createListTables does, on every
// configured database: the plan's WHERE clause with ORDER BY id LIMIT 50
// (the first page, and a page after a key in the middle), against
// streaming the table in id order and calling Check on each row until 50
// pass. The query plan (EXPLAIN) is logged. PostgreSQL and MariaDB only.
// Filling the table takes
// minutes; it is skipped unless the variable is set:
//
//	RBAC_BENCH_LIST_ROWS=1000000 go test ./integration -run '^$' -bench ListPage -benchtime 20x -timeout 60m -v
//
// With RBAC_BENCH_LIST_KEEP=1 the tables are filled once in a database of
// their own (rbac_test_bench_lists_<version>_<rows>) and kept for later runs
// (drop it by hand when done).
func BenchmarkListPage(b *testing.B) {
	n := envInt("RBAC_BENCH_LIST_ROWS", 0)
	if n == 0 {
		b.Skip("set RBAC_BENCH_LIST_ROWS (e.g. 1000000) to fill a table and run it")
	}
	rows := listRows(n, 11)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			if db.dialect == sqlstore.SQLite {
				b.Skip("PostgreSQL and MariaDB only: the issue's target; SQLite materializes the link-table subqueries per query (see BENCHMARKS.md)")
			}
			if !db.available() {
				b.Skip("database not configured")
			}
			ctx := context.Background()
			h, a := listBenchSetup(b, db, rows, 3000)
			snap := a.Snapshot()
			integer, snapshotInteger := columnCases, columnCases
			integer.IDType = sqlfilter.IDInteger
			snapshotInteger.IDType, snapshotInteger.Owners.Stored = sqlfilter.IDInteger, sqlfilter.StoredInSnapshot
			for _, c := range []struct {
				name  string
				user  rbac.UserID
				table sqlfilter.Table
			}{
				{"mine-link", "mia--", linkedCases},
				{"workgroup-link", "tom/team", linkedCases},
				{"mine+workgroup+owner-link", "cara", linkedCases},
				{"global+owner-link", "gil", linkedCases},
				{"mine+workgroup-column", "cara", columnCases},
				{"workgroup-column", "tom/team", columnCases},
				// The same with the id's type said: stored owners looked up
				// in the primary key.
				{"mine+workgroup-column-integer-id", "cara", integer},
				{"workgroup-column-integer-id", "tom/team", integer},
				{"workgroup-column-integer-id-snapshot-owners", "tom/team", snapshotInteger},
			} {
				plan := snap.Plan(rbac.PlanRequest{User: c.user, Permission: "case.read", Kind: listKind})
				where, args, err := sqlfilter.Where(plan, c.table, db.dialect)
				if err != nil {
					b.Fatal(err)
				}
				first := "SELECT id FROM app_cases WHERE " + where + " ORDER BY id LIMIT 50"
				// The key: the middle of the table; with owners stored by
				// sqlstore (ids up to 3,000 have them), id 1,000.
				key := int64(n / 2)
				if c.table.Owners.Stored != sqlfilter.NotStored {
					key = 1000
				}
				kw, afterArgs, err := sqlfilter.WhereAfter(plan, c.table, db.dialect, key)
				if err != nil {
					b.Fatal(err)
				}
				after := "SELECT id FROM app_cases WHERE " + kw + " ORDER BY id LIMIT 50"
				b.Run(c.name+"/sql-first-page", func(b *testing.B) {
					b.Logf("plan %v\nEXPLAIN:\n%s", plan, explain(ctx, b, h, db.dialect, first, args))
					for b.Loop() {
						if got := len(listIDs(ctx, b, h, where, args, " LIMIT 50")); got == 0 {
							b.Fatal("empty page")
						}
					}
				})
				b.Run(c.name+"/sql-page-after-key", func(b *testing.B) {
					b.Logf("EXPLAIN:\n%s", explain(ctx, b, h, db.dialect, after, afterArgs))
					for b.Loop() {
						pageAfter(ctx, b, h, after, afterArgs)
					}
				})
				if c.table.Assignees.Column == "" || c.table != columnCases {
					continue // Check per row needs the columns' resource; once per user
				}
				b.Run(c.name+"/check-per-row-first-page", func(b *testing.B) {
					for b.Loop() {
						checkPage(ctx, b, h, db.dialect, snap, rbac.Request{User: c.user, Permission: "case.read"}, 0)
					}
				})
				b.Run(c.name+"/check-per-row-page-after-key", func(b *testing.B) {
					for b.Loop() {
						checkPage(ctx, b, h, db.dialect, snap, rbac.Request{User: c.user, Permission: "case.read"}, key)
					}
				})
			}
		})
	}
}

// listBenchVersion names the kept databases: change it when the tables or
// their contents change.
const listBenchVersion = 1

// listBenchSetup is listSetup, or with RBAC_BENCH_LIST_KEEP=1 the kept
// database for this many rows, filled if it is not yet.
func listBenchSetup(b *testing.B, db database, rows []listRow, storedN int) (*sql.DB, *rbac.Authorizer) {
	if os.Getenv("RBAC_BENCH_LIST_KEEP") != "1" {
		return listSetup(b, db, rows, storedOwnerships(rows, storedN))
	}
	ctx := context.Background()
	name := fmt.Sprintf("rbac_test_bench_lists_%d_%d", listBenchVersion, len(rows))
	var admin *sql.DB
	var dsn, create string
	switch db.dialect {
	case sqlstore.Postgres:
		admin = db.connect(b, os.Getenv(postgresEnv))
		dsn, create = postgresDSN(b, os.Getenv(postgresEnv), name), "CREATE DATABASE "+name
	case sqlstore.MySQL:
		admin = db.connect(b, os.Getenv(mysqlEnv))
		cfg, err := mysql.ParseDSN(os.Getenv(mysqlEnv))
		if err != nil {
			b.Fatal(err)
		}
		cfg.DBName = name
		dsn, create = cfg.FormatDSN(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
	default:
		b.Fatalf("RBAC_BENCH_LIST_KEEP: PostgreSQL and MariaDB only")
	}
	h := db.connect(b, dsn)
	var filled int
	if err := h.QueryRowContext(ctx, "SELECT rows_n FROM app_bench_filled").Scan(&filled); err == nil && filled == len(rows) {
		b.Logf("reusing the filled database %s", name)
		return h, listAuthorizer(b, h, db.dialect, nil)
	}
	h.Close()
	b.Logf("filling the database %s, kept for later runs", name)
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, create); err != nil {
		b.Fatal(err)
	}
	h = db.connect(b, dsn)
	a := fillListDatabase(b, h, db.dialect, rows, storedOwnerships(rows, storedN))
	for _, stmt := range []string{"CREATE TABLE app_bench_filled (rows_n BIGINT NOT NULL)", "INSERT INTO app_bench_filled VALUES (" + strconv.Itoa(len(rows)) + ")"} {
		if _, err := h.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	return h, a
}

func pageAfter(ctx context.Context, tb testing.TB, h *sql.DB, q string, args []any) {
	rs, err := h.QueryContext(ctx, q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
	}
	if err := rs.Err(); err != nil {
		tb.Fatal(err)
	}
}

// checkPage reads the table in id order after key, 200 rows at a time, and
// calls Check on each row (described from its columns, owners stored)
// until 50 pass or the table ends.
func checkPage(ctx context.Context, tb testing.TB, h *sql.DB, d sqlstore.Dialect, snap *rbac.Snapshot, req rbac.Request, key int64) int {
	q := "SELECT id, closed, lead, home FROM app_cases WHERE id > ? ORDER BY id LIMIT 200"
	if d == sqlstore.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	found := 0
	for found < 50 {
		rs, err := h.QueryContext(ctx, q, key)
		if err != nil {
			tb.Fatal(err)
		}
		n := 0
		for rs.Next() {
			n++
			var closed bool
			var lead, home sql.NullString
			if err := rs.Scan(&key, &closed, &lead, &home); err != nil {
				tb.Fatal(err)
			}
			r := rbac.Resource{Kind: listKind, ID: strconv.FormatInt(key, 10), Inactive: closed}
			if lead.Valid {
				r.Assignees = []rbac.UserID{rbac.UserID(lead.String)}
			}
			if home.Valid {
				r.Workgroups = []rbac.WorkgroupID{rbac.WorkgroupID(home.String)}
			}
			req.Resource = &r
			if snap.Check(req).Allowed && found < 50 {
				found++
			}
		}
		if err := rs.Err(); err != nil {
			tb.Fatal(err)
		}
		rs.Close()
		if n == 0 {
			break
		}
	}
	return found
}

// explain returns the database's query plan for q.
func explain(ctx context.Context, tb testing.TB, h *sql.DB, d sqlstore.Dialect, q string, args []any) string {
	prefix := "EXPLAIN "
	if d == sqlstore.SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	if d == sqlstore.Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS OFF) "
	}
	rs, err := h.QueryContext(ctx, prefix+q, args...)
	if err != nil {
		tb.Fatalf("%s%s: %v", prefix, q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		var line []string
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			line = append(line, fmt.Sprint(v))
		}
		out = append(out, strings.Join(line, " | "))
	}
	return strings.Join(out, "\n")
}
