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
// CI, 100,000 with RBAC_TEST_LIST_ROWS=100000), also for values padded,
// in other case or NULL, in columns of each database's loose collations. Identifiers are validated and quoted;
// values (user, org, workgroups, ids) are always parameters. Long lists
// (a user covering 10,000 workgroups) are one parameter whatever their
// length: a PostgreSQL array, or a JSON array read with json_each (SQLite)
// or JSON_TABLE (MariaDB/MySQL), so no statement nears a parameter limit.
//
// On PostgreSQL the clause's placeholders are $1, $2, ...: put it before
// any parameters of your own, numbering yours from len(args)+1 (the
// clause may use one of its placeholders twice). Elsewhere they are ?.
//
// # Byte for byte, whatever the collation
//
// Check compares ids byte for byte: "cara " and "Cara" are not "cara".
// A database compares text in the column's collation, which may not:
// MariaDB/MySQL's utf8mb4_bin is PAD SPACE ('cara ' = 'cara' is true,
// also in IN lists and joins), utf8mb4_general_ci and SQLite's NOCASE
// ignore case, and so does a nondeterministic ICU collation on
// PostgreSQL. So every comparison of a value, a text id or a link
// table's record with a text id is written to be exact whatever the
// column's collation, and no mapping needs refusing:
//   - SQLite: the column COLLATE BINARY. An index in BINARY (the default)
//     serves it; a NOCASE or RTRIM column is read without its index.
//   - MariaDB/MySQL: the values are binary strings (CAST(? AS BINARY)),
//     which compare byte for byte without padding; MariaDB 10.11 still
//     looks them up in the column's index, whatever its collation, and
//     checks the bytes of what it finds. A long list is one JSON_TABLE
//     giving each value as utf8mb4_bin text and as bytes, compared as a
//     pair, so the index serves the first and the second is exact.
//   - PostgreSQL: an index serves only comparisons in its own collation,
//     so a column is compared twice with the same parameters: in its own
//     collation (which its index serves, and which is exact already when
//     deterministic, as every libc collation is) and in "C" (exact for a
//     nondeterministic one too). The planner counts both when it
//     estimates how many rows qualify.
//
// Mapped value columns must be text (VARCHAR, TEXT): PostgreSQL refuses
// COLLATE "C" on other types (uuid, integers), and a CHAR(n) column there
// is read back padded to n but compared without the padding. Unless
// Table.IDType says the ids are integers, they are compared byte for byte
// as text with stored owners and with link tables' record columns (with
// IDAnyType beside the database's own =, which the link table's index
// serves). Ids and values are identifiers, ASCII, so any ASCII-compatible
// character set gives the same bytes.
//
// # NULL
//
// Deny by default: a NULL never admits a record that the value it stands
// for would not.
//   - Table.Inactive NULL: the record counts as inactive, selected only
//     when the plan admits inactive records (scope all), as Check does
//     with Resource.Inactive true.
//   - A NULL assignee, workgroup or owner column, or a link table row
//     whose value is NULL: no value, which matches no user, workgroup or
//     org (Resource.Assignees etc. without it).
//   - A link table row whose record column is NULL belongs to no record.
//   - A NULL id: no link row and no stored ownership names it, and
//     WhereAfter's bound excludes it (no plan admits it through them);
//     plans whose clause does not look at ids admit it like any record.
package sqlfilter
