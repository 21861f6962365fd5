// Package sqlfilter turns a query plan (rbac.Plan) into a SQL WHERE clause
// over the application's own table, so that the database lists, counts
// and paginates exactly the records rbac's Check would allow, without
// calling Check on every row.
//
//	plan := snap.Plan(rbac.PlanRequest{User: "alice", Permission: "evaluation.read", Kind: "evaluation"})
//	where, args, err := sqlfilter.Where(plan, table, sqlstore.Postgres)
//	if err != nil { ... }
//	rows, err := db.QueryContext(ctx,
//		"SELECT id, title FROM evaluations WHERE "+where+" ORDER BY id LIMIT 50", args...)
//
// For the following pages, WhereAfter(plan, table, dialect, lastID) adds
// id > lastID, also inside the link-table subqueries (keyset pagination).
//
// A Table says where the application keeps what rbac.Resource describes:
// the id column, a boolean inactive column, and the assignees, workgroups
// and owners of a record, each in a column of the table (one value) or in
// a link table of (record id, value) rows. Owners may also be the stored
// Ownership of a sqlstore.Store living in the same database
// (StoredInDatabase), or the stored Ownership of the plan's snapshot
// (StoredInSnapshot), which is what Check uses when Resource.Owners is nil.
//
// Stored owners compare the text ids of stored Ownership with the table's
// id column. Say the column's type in Table.IDType — IDInteger for an
// integer column, IDText for a text one — whenever owners are stored: the
// clause then also compares the ids in the column's type, so the database
// may read a small owned set from the owners' org index and look each id
// up in the table's primary key, or walk the table in id order when the
// owned set is large, whichever its statistics favour. Left unset
// (IDAnyType) the id is compared as CAST(id AS TEXT), which is exact for
// any column type but which no index serves: the database can only walk
// the table, which costs the whole table when few records qualify
// (0.25–0.39 s on a quiet machine, up to 0.9 s under load, for a page
// where 37 rows of 1,000,000 do, against 3–6 ms with IDInteger: the
// integration module's BenchmarkListPage, bench/BENCHMARKS.md "Lists"). With
// IDInteger, a stored id that is not the canonical decimal form of an
// int64 ("007", "7x") matches no record, as in Check.
//
// The clause agrees with Plan.Allows for a record described from those
// columns: the integration tests compare the rows and pages it selects
// with Check's answers on SQLite, PostgreSQL and MariaDB (5,000 rows in
// CI, 100,000 with RBAC_TEST_LIST_ROWS=100000). Identifiers are validated and quoted;
// values (user, org, workgroups, ids) are always parameters. Long lists
// (a user covering 10,000 workgroups) are one parameter whatever their
// length: a PostgreSQL array, or a JSON array read with json_each (SQLite)
// or JSON_TABLE (MariaDB/MySQL), so no statement nears a parameter limit.
//
// On PostgreSQL the clause's placeholders are $1, $2, ...: put it before
// any parameters of your own, numbering yours from len(args)+1. Elsewhere
// they are ?. On MariaDB/MySQL values compare with utf8mb4_bin, because
// identifiers are case-sensitive; keep the mapped columns utf8mb4_bin so
// that their indexes serve the comparison.
package sqlfilter
