package sqlfilter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// Table maps the application's table to what rbac.Resource describes.
type Table struct {
	// Name is how the query names the table: its name, or its alias in the
	// FROM clause. Columns are qualified with it.
	Name string
	// ID is the column holding the record's id (Resource.ID).
	ID string
	// IDType is the SQL type of the ID column, which stored owners
	// (Values.Stored) need to compare the text ids of stored Ownership
	// with it through the column's index. Left unset, the id is compared
	// as text, right for any type but served by no index.
	IDType IDType
	// Inactive is a boolean column, true for inactive records (closed,
	// archived; Resource.Inactive); NULL counts as inactive. Empty: every
	// record is active.
	Inactive string
	// Assignees, Workgroups and Owners say where a record's values are. A
	// field left empty means the records have none of them (Owners must be
	// mapped when the kind has an ownership rule).
	Assignees  Values
	Workgroups Values
	Owners     Values
}

// Values says where the values of one field of a record are: exactly one
// of Column, Link or Stored.
type Values struct {
	// Column is a column of the table holding at most one value (NULL: none).
	Column string
	// Link is a table of (record id, value) rows, one per value; a row
	// with a NULL value or record is no value of any record.
	Link *Link
	// Stored is for Owners only: the owners are stored Ownership records,
	// looked up by the plan's kind and the record's id.
	Stored Stored
}

// Link is a link table: one row per (record, value).
type Link struct {
	Table  string // the link table; may be schema-qualified ("app.case_assignees")
	Record string // the column holding the record's id
	Value  string // the column holding the user, workgroup or org
}

// Stored says where stored Ownership is read from.
type Stored uint8

const (
	// NotStored: owners are not stored Ownership (the zero value).
	NotStored Stored = iota
	// StoredInDatabase reads sqlstore's own tables (rbac_ownership_owners)
	// in the same database as the application's table: the records' owners
	// as of the database, which a snapshot follows within its poll
	// interval.
	StoredInDatabase
	// StoredInSnapshot passes the ids of the records the plan's org owns in
	// the plan's snapshot (rbac.Plan.StoredOwned) as one parameter: exactly
	// what Check sees, for any store, at the cost of sending the ids.
	StoredInSnapshot
)

// IDType is the SQL type of the table's id column: one of a fixed list.
type IDType uint8

const (
	// IDAnyType: the type is not said (the zero value). Stored owners
	// compare CAST(id AS TEXT) with the stored ids: exact for any column
	// type, but no index on the id serves it, so a page filtered by
	// stored owners reads the table in id order until it is full — the
	// whole table when few records qualify.
	IDAnyType IDType = iota
	// IDInteger: a signed integer column (SMALLINT to BIGINT; INTEGER on
	// SQLite; not BIGINT UNSIGNED beyond 2^63-1). Stored ids are also
	// compared as integers, so the database can look them up in the id's
	// index. Only ids in the form strconv.FormatInt gives can name such a
	// record; others ("007", "x") match none, without an error.
	IDInteger
	// IDText: a text column (VARCHAR, TEXT), compared byte for byte with
	// the stored ids and with link tables' record columns whatever the
	// column's collation. The id's index serves lookups from the owned
	// ids when the column has the database's default collation on
	// PostgreSQL, any utf8mb4 collation on MariaDB, BINARY on SQLite.
	IDText
)

func (t IDType) String() string {
	switch t {
	case IDAnyType:
		return "IDAnyType"
	case IDInteger:
		return "IDInteger"
	case IDText:
		return "IDText"
	}
	return "IDType(" + strconv.Itoa(int(t)) + ")"
}

// listInline is the longest list sent as one placeholder per value; longer
// lists travel as one array or JSON parameter (see list).
const listInline = 32

// Where returns the plan as a boolean SQL expression over t, with its
// arguments, for dialect d. A none plan gives "1 = 0" and an all plan
// "1 = 1", so the clause can always be used as is. The mapping is checked
// first, whatever the plan: identifiers must be plain SQL names (letters,
// digits, underscores; a link table may be schema.table), and are quoted.
// Errors wrap rbac.ErrInvalid.
func Where(p rbac.Plan, t Table, d sqlstore.Dialect) (clause string, args []any, err error) {
	return where(p, t, d, nil, false)
}

// WhereAfter is Where for keyset pagination: the clause also requires the
// record's id to be greater than after (the last id of the previous page;
// ORDER BY the id column). It repeats that bound inside each link-table
// subquery, because no database infers it there: PostgreSQL otherwise
// reads a user's link rows from the smallest id up on every page (100 ms
// for a page in the middle of 1,000,000 rows).
func WhereAfter(p rbac.Plan, t Table, d sqlstore.Dialect, after any) (clause string, args []any, err error) {
	return where(p, t, d, after, true)
}

func where(p rbac.Plan, t Table, d sqlstore.Dialect, after any, keyset bool) (clause string, args []any, err error) {
	if d != sqlstore.SQLite && d != sqlstore.Postgres && d != sqlstore.MySQL {
		return "", nil, invalid("unknown dialect %v; use sqlstore.SQLite, sqlstore.Postgres or sqlstore.MySQL", d)
	}
	if err := t.validate(); err != nil {
		return "", nil, err
	}
	if keyset && after == nil {
		return "", nil, invalid("WhereAfter needs the last id of the previous page, not nil")
	}
	b := &builder{d: d, t: t, after: after, keyset: keyset}
	switch p.Kind() {
	case rbac.PlanNone:
		return "1 = 0", nil, nil
	case rbac.PlanAll:
		if keyset {
			return b.col(t.ID) + " > " + b.param(after), b.args, nil
		}
		return "1 = 1", nil, nil
	case rbac.PlanFilter:
	default:
		return "", nil, invalid("unknown plan kind %v", p.Kind())
	}
	var and []string
	if keyset {
		and = append(and, b.col(t.ID)+" > "+b.param(after))
	}
	if !p.IncludesInactive() && t.Inactive != "" {
		and = append(and, b.col(t.Inactive)+" = FALSE")
	}
	if !p.AnyInScope() {
		var ws []string
		for _, w := range p.Workgroups() {
			ws = append(ws, string(w))
		}
		var alts []alternative
		if u, ok := p.Assignee(); ok && !t.Assignees.empty() {
			alts = append(alts, alternative{t.Assignees, "rbac_a", []string{string(u)}})
		}
		if len(ws) > 0 && !t.Workgroups.empty() {
			alts = append(alts, alternative{t.Workgroups, "rbac_w", ws})
		}
		and = append(and, b.anyOf(alts))
	}
	if org, ok := p.Owner(); ok {
		switch {
		case t.Owners.empty():
			return "", nil, invalid("kind %q has an ownership rule, so the plan needs the records' owners, but the table maps none (set Table.Owners)", p.ResourceKind())
		case t.Owners.Stored == StoredInDatabase:
			and = append(and, b.storedInDatabase(p.ResourceKind(), string(org)))
		case t.Owners.Stored == StoredInSnapshot:
			and = append(and, b.storedInSnapshot(p.StoredOwned()))
		default:
			and = append(and, b.has(t.Owners, "rbac_o", []string{string(org)}))
		}
	}
	if len(and) == 0 {
		return "1 = 1", b.args, nil
	}
	return strings.Join(and, " AND "), b.args, nil
}

func invalid(format string, a ...any) error {
	return &rbac.Error{Op: "sqlfilter", Msg: fmt.Sprintf(format, a...), Err: rbac.ErrInvalid}
}

func (v Values) empty() bool { return v.Column == "" && v.Link == nil && v.Stored == NotStored }

func (t Table) validate() error {
	if err := checkName("Table.Name", t.Name, false); err != nil {
		return err
	}
	if err := checkName("Table.ID", t.ID, false); err != nil {
		return err
	}
	if t.IDType > IDText {
		return invalid("Table.IDType: unknown value %d; use sqlfilter.IDAnyType, IDInteger or IDText", t.IDType)
	}
	if t.Inactive != "" {
		if err := checkName("Table.Inactive", t.Inactive, false); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    Values
	}{{"Assignees", t.Assignees}, {"Workgroups", t.Workgroups}, {"Owners", t.Owners}} {
		n := 0
		if f.v.Column != "" {
			n++
			if err := checkName("Table."+f.name+".Column", f.v.Column, false); err != nil {
				return err
			}
		}
		if l := f.v.Link; l != nil {
			n++
			if err := checkName("Table."+f.name+".Link.Table", l.Table, true); err != nil {
				return err
			}
			if err := checkName("Table."+f.name+".Link.Record", l.Record, false); err != nil {
				return err
			}
			if err := checkName("Table."+f.name+".Link.Value", l.Value, false); err != nil {
				return err
			}
		}
		if f.v.Stored != NotStored {
			n++
			if f.name != "Owners" {
				return invalid("Table.%s.Stored: only owners can be stored Ownership", f.name)
			}
			if f.v.Stored > StoredInSnapshot {
				return invalid("Table.%s.Stored: unknown value %d", f.name, f.v.Stored)
			}
		}
		if n > 1 {
			return invalid("Table.%s sets more than one of Column, Link and Stored", f.name)
		}
	}
	return nil
}

// checkName accepts a plain SQL identifier: a letter or underscore, then
// letters, digits and underscores, at most 63 bytes (PostgreSQL's limit);
// dotted allows one schema qualifier.
func checkName(field, s string, dotted bool) error {
	parts := []string{s}
	if dotted {
		parts = strings.Split(s, ".")
		if len(parts) > 2 {
			parts = []string{s} // fails below, naming the whole
		}
	}
	for _, part := range parts {
		ok := len(part) > 0 && len(part) <= 63
		for i := 0; ok && i < len(part); i++ {
			c := part[i]
			ok = c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9'
		}
		if !ok {
			return invalid("%s %s is not a plain SQL identifier (letters, digits and underscores, not starting with a digit, 1 to 63 bytes%s)",
				field, strconv.Quote(s), map[bool]string{true: "; schema.table allowed", false: ""}[dotted])
		}
	}
	return nil
}

// builder accumulates the clause's arguments and numbers placeholders.
type builder struct {
	d      sqlstore.Dialect
	t      Table
	args   []any
	after  any  // WhereAfter's bound
	keyset bool // after is set
}

// bounded repeats the keyset bound on a link table's record column.
func (b *builder) bounded(record string) string {
	if !b.keyset {
		return ""
	}
	return " AND " + record + " > " + b.param(b.after)
}

func (b *builder) quote(name string) string {
	q := `"`
	if b.d == sqlstore.MySQL {
		q = "`"
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + p + q // validated: no quote characters inside
	}
	return strings.Join(parts, ".")
}

func (b *builder) col(c string) string { return b.quote(b.t.Name) + "." + b.quote(c) }

// param adds an argument and returns its placeholder.
func (b *builder) param(v any) string {
	b.args = append(b.args, v)
	if b.d == sqlstore.Postgres {
		return "$" + strconv.Itoa(len(b.args))
	}
	return "?"
}

// exact is expr as a string compared byte for byte, whatever its
// collation: SQLite's BINARY, PostgreSQL's "C" (byte order, and equality
// only between equal bytes), and on MariaDB/MySQL a binary string, whose
// comparisons are byte comparisons without padding (utf8mb4_bin is PAD
// SPACE: 'bob ' = 'bob' there).
func (b *builder) exact(expr string) string {
	switch b.d {
	case sqlstore.Postgres:
		return expr + ` COLLATE "C"`
	case sqlstore.MySQL:
		return "CAST(" + expr + " AS BINARY)"
	}
	return expr + " COLLATE BINARY"
}

// idText is the record's id as text compared byte for byte, to compare
// with stored ownership ids whatever the type of the application's id
// column (IDAnyType).
func (b *builder) idText() string { return b.exact(b.idAsText()) }

// idAsText is the record's id converted to text, in the column's
// collation.
func (b *builder) idAsText() string {
	if b.d == sqlstore.MySQL {
		return "CAST(" + b.col(b.t.ID) + " AS CHAR)"
	}
	return "CAST(" + b.col(b.t.ID) + " AS TEXT)"
}

// sameRecord is "the link table's record column names the table's
// record", byte for byte unless the ids are said to be integers: with
// IDText as in idEquals; with the type unsaid, the database's = (which
// the link table's index serves, exact for integers) and the two as text
// compared byte for byte, which for integers is the same test again.
func (b *builder) sameRecord(record string) string {
	id := b.col(b.t.ID)
	switch {
	case b.t.IDType == IDInteger:
		return record + " = " + id
	case b.t.IDType == IDText:
		return b.idEquals(record, id)
	case b.d == sqlstore.Postgres:
		return record + " = " + id + " AND " + unestimated(b.exact("CAST("+record+" AS TEXT)")+" = CAST("+id+" AS TEXT)")
	}
	return record + " = " + id + " AND " + b.exact(record) + " = " + b.exact(id) // MariaDB/MySQL; SQLite joins in anyOf
}

// idEquals is "text column a equals text column b, byte for byte", in a
// form whose every conjunct an index on either column can serve:
// MariaDB looks a binary string up in a utf8mb4_bin (or _ci) index and
// checks the bytes of what it finds; PostgreSQL needs one equality in
// each column's own collation, "C" making it exact.
func (b *builder) idEquals(a, c string) string {
	switch b.d {
	case sqlstore.Postgres:
		return a + " = " + c + " AND " + unestimated(b.exact(a)+" = "+c)
	case sqlstore.MySQL:
		return a + " = " + b.exact(c) + " AND " + c + " = " + b.exact(a)
	}
	return a + " = " + b.exact(c)
}

// storedInDatabase is "the record's stored Ownership, in sqlstore's tables
// in this database, includes org".
//
// Left unsaid, the id's type makes it CAST(id AS TEXT) IN (the org's owned
// ids): exact, but the database can only walk the table in id order and
// test each row, which reads the whole table when few rows qualify
// (0.3–0.9 s for a page of 1,000,000 rows where 37 do).
//
// With the type said, PostgreSQL and MariaDB get one correlated EXISTS
// holding two equalities between the stored id and the record's id: the
// text one, which is exact and which the owners' primary key (kind, id)
// serves from the record's side, and one in the column's type, which it
// implies and which the table's primary key serves from the owners' side.
// Each planner then picks by its statistics: from a small owned set it
// reads the org's ids from the owners' org index and looks each up in the
// table's key (a few ms for those 37 rows); from a large one it walks the
// table in id order and probes the owners' key per row. With only one of
// the two, one case stays slow: the integer IN alone sorted or hashed an
// owned set of 500,000 ids for every page (0.7–3 s).
//
// SQLite gets the IN over the converted ids (its correlated EXISTS shifts
// pages; see anyOf).
func (b *builder) storedInDatabase(kind, org string) string {
	from := " FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = " + b.textParam(kind) + " AND rbac_o.org = " + b.textParam(org)
	id := b.col(b.t.ID)
	switch {
	case b.t.IDType == IDAnyType && b.d == sqlstore.MySQL:
		// Bytes on both sides: against the utf8mb4_bin column itself,
		// MariaDB no longer materialized the subquery and sorted the
		// whole candidate set for a page (150 ms instead of 1-4 ms on
		// 100,000 rows).
		return b.idText() + " IN (SELECT " + b.exact("rbac_o.id") + from + ")"
	case b.t.IDType == IDAnyType:
		return b.idText() + " IN (SELECT rbac_o.id" + from + ")"
	case b.d == sqlstore.SQLite && b.t.IDType == IDInteger:
		// CAST never fails in SQLite (it reads a prefix, clamps): keep
		// the ids that CAST back to text reproduces.
		return id + " IN (SELECT CAST(rbac_o.id AS INTEGER)" + from + " AND CAST(CAST(rbac_o.id AS INTEGER) AS TEXT) = rbac_o.id)"
	case b.d == sqlstore.SQLite:
		return b.exact(id) + " IN (SELECT rbac_o.id" + from + ")"
	case b.d == sqlstore.Postgres && b.t.IDType == IDInteger:
		return "EXISTS (SELECT 1" + from + " AND rbac_o.id = " + b.idText() + " AND " + id + " = " + pgStoredInteger + ")"
	case b.d == sqlstore.Postgres:
		// Byte equality both ways: in "C", as the owners' key is (exact
		// whatever the id column's collation), and in the database's
		// default collation, as the table's key usually is.
		return "EXISTS (SELECT 1" + from + ` AND rbac_o.id = ` + b.exact(id) + ` AND ` + id + ` = rbac_o.id COLLATE "default")`
	case b.t.IDType == IDInteger: // MariaDB/MySQL
		// CAST AS SIGNED never fails; the text equality keeps it exact.
		return "EXISTS (SELECT 1" + from + " AND rbac_o.id = " + b.idText() + " AND " + id + " = CAST(rbac_o.id AS SIGNED))"
	}
	return "EXISTS (SELECT 1" + from + " AND " + b.idEquals("rbac_o.id", id) + ")"
}

// pgStoredInteger is the stored id rbac_o.id as a BIGINT when it is the
// canonical text of one, else NULL: CAST fails on anything else, so a CASE
// (whose order of evaluation is guaranteed) converts only what a regular
// expression and, at 19 digits, a comparison with the int64 bounds admit.
const pgStoredInteger = `CASE WHEN rbac_o.id ~ '^(0|-?[1-9][0-9]{0,17})$' OR rbac_o.id ~ '^[1-9][0-9]{18}$' AND rbac_o.id <= '9223372036854775807'` +
	` OR rbac_o.id ~ '^-[1-9][0-9]{18}$' AND rbac_o.id <= '-9223372036854775808' THEN CAST(rbac_o.id AS BIGINT) END`

// storedInSnapshot is "the record is one of owned" (the snapshot's stored
// Ownership), compared as the id's type says.
func (b *builder) storedInSnapshot(owned []string) string {
	switch b.t.IDType {
	case IDInteger:
		var ns []int64
		for _, id := range owned {
			// Only the canonical form can be an integer record's id.
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
				ns = append(ns, n)
			}
		}
		return b.inIntegers(b.col(b.t.ID), ns)
	case IDText:
		return b.in(b.col(b.t.ID), owned, true)
	}
	return b.in(b.idAsText(), owned, false)
}

// has is the condition "the record has one of vals" for a field.
func (b *builder) has(v Values, alias string, vals []string) string {
	return b.anyOf([]alternative{{v, alias, vals}})
}

// alternative is "the record has one of vals in field v".
type alternative struct {
	v     Values
	alias string
	vals  []string
}

// anyOf is the disjunction of alternatives: column tests directly, link
// tables by subquery.
//
// On PostgreSQL a link table is a correlated EXISTS: the database probes
// the link table's primary key for each candidate row, or turns it into a
// semi-join when it stands alone, whichever is cheaper for the LIMIT.
// MariaDB turns EXISTS into a materialized semi-join whatever the LIMIT
// (its exists_to_in rewrite): half a second to a second for the first
// page of 1,000,000 rows; a scalar subquery (SELECT 1 ... LIMIT 1) IS NOT
// NULL stays a per-row probe of the link table's key, which the id order
// of a page favours. Not with a long list, though: the JSON_TABLE would
// be parsed again for every row (a minute for 4,000 rows and 10,000
// workgroups), so long lists keep EXISTS, materialized once. An OR of uncorrelated IN
// subqueries is not that: PostgreSQL re-scanned the second link table for
// every row (two minutes for a page of a 1,000,000-row table), and a UNION
// of them is materialized whole before the first row of a page (a second).
//
// On SQLite the link tables are one uncorrelated IN over their UNION ALL:
// SQLite 3.51 (as bundled by modernc.org/sqlite 1.46) turns a correlated
// EXISTS into a join whose duplicate rows OFFSET counts, which shifted
// pages; IN has set semantics.
func (b *builder) anyOf(alts []alternative) string {
	// Columns first, then links: with ? placeholders the arguments must
	// be added in the order the text names them.
	var or, union []string
	for _, a := range alts {
		if a.v.Column != "" {
			or = append(or, b.in(b.col(a.v.Column), a.vals, true))
		}
	}
	for _, a := range alts {
		if a.v.Column != "" {
			continue
		}
		l := a.v.Link
		record := a.alias + "." + b.quote(l.Record)
		value := b.in(a.alias+"."+b.quote(l.Value), a.vals, true)
		if b.d == sqlstore.SQLite {
			union = append(union, "SELECT "+record+" FROM "+b.quote(l.Table)+" AS "+a.alias+" WHERE "+value+b.bounded(record))
			continue
		}
		probe := "SELECT 1 FROM " + b.quote(l.Table) + " AS " + a.alias + " WHERE " + b.sameRecord(record) + " AND " + value + b.bounded(record)
		if b.d == sqlstore.MySQL && len(a.vals) <= listInline {
			or = append(or, "("+probe+" LIMIT 1) IS NOT NULL")
		} else {
			or = append(or, "EXISTS ("+probe+")")
		}
	}
	if len(union) > 0 {
		id := b.col(b.t.ID)
		if b.t.IDType != IDInteger {
			id = b.exact(id) // the IN compares in the left side's collation
		}
		or = append(or, id+" IN ("+strings.Join(union, " UNION ALL ")+")")
	}
	switch len(or) {
	case 0:
		return "1 = 0" // in scope only through fields the records do not have
	case 1:
		return or[0]
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// in is "expr is, byte for byte, one of vals". Short lists are one
// placeholder per value, which every planner handles best. Long ones
// (10,000 workgroups, thousands of owned ids) are a single parameter, far
// from any parameter limit and with one statement text for any length:
//   - PostgreSQL: = ANY(CAST($n AS text[])) with the array's text form,
//     which any driver passes as a string and the planner treats as an
//     array (index scans included);
//   - SQLite: IN (SELECT value FROM json_each(?)), SQLite's built-in JSON;
//   - MariaDB/MySQL: IN over JSON_TABLE (MariaDB 10.6+, MySQL 8), each
//     value both as utf8mb4_bin text and as bytes (see inList).
//
// A temporary table would need a connection held across statements, which
// a single WHERE clause cannot ask of database/sql's pool.
//
// The comparison is exact whatever expr's collation (see exact), in the
// form that leaves an index on expr usable (indexed: expr is a column):
//   - SQLite: expr COLLATE BINARY, which an index in BINARY (the default)
//     serves; a column declared NOCASE or RTRIM is read without its index;
//   - MariaDB/MySQL: the values are binary strings, which MariaDB looks up
//     in the column's index whatever its collation (utf8mb4_bin, _ci) and
//     then compares byte for byte;
//   - PostgreSQL: an index serves only comparisons in its own collation,
//     so an indexed expr is compared twice with the same parameters: in its
//     collation (the index; exact already for a deterministic collation)
//     and in "C" (exact for a nondeterministic one too), the latter kept
//     out of the planner's estimates (unestimated).
func (b *builder) in(expr string, vals []string, indexed bool) string {
	if b.d != sqlstore.Postgres {
		return b.inList(b.exactLeft(expr), vals)
	}
	if !indexed {
		return b.inList(b.exact(expr), vals)
	}
	first := len(b.args)
	inColumn := b.inList(expr, vals)
	if len(vals) == 0 {
		return inColumn
	}
	// The same placeholders again: PostgreSQL's are numbered.
	ph := make([]string, len(b.args)-first)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(first+1+i)
	}
	return "(" + inColumn + " AND " + unestimated(b.exact(expr)+b.listText(len(vals), ph)) + ")"
}

// unestimated is PostgreSQL's cond, written so that the planner takes it
// as nearly always true: a CASE it has no statistics for, IS NOT NULL
// (0.995). The exact comparisons only remove what the comparison in the
// column's collation let through; estimated as such, the two multiplied
// the estimate by the selectivity twice, and PostgreSQL then chose other
// plans: a page by workgroup link went from a merge semi join (0.9 ms on
// 100,000 rows) to hashing and sorting every matching link (17 ms).
func unestimated(cond string) string {
	return "CASE WHEN " + cond + " THEN 1 END IS NOT NULL"
}

// exactLeft is expr as the left side of an exact comparison: on MariaDB
// the values' side carries the exactness (textParam), where it leaves the
// column's index usable.
func (b *builder) exactLeft(expr string) string {
	if b.d == sqlstore.MySQL {
		return expr
	}
	return b.exact(expr)
}

// textParam is a placeholder for a string compared byte for byte with a
// text expression: on MariaDB/MySQL a binary string (see exact).
func (b *builder) textParam(v string) string {
	if b.d == sqlstore.MySQL {
		return "CAST(" + b.param(v) + " AS BINARY)"
	}
	return b.param(v)
}

// inList is "expr is one of vals" with vals as new parameters: expr is
// already in the form that compares exactly.
func (b *builder) inList(expr string, vals []string) string {
	if len(vals) == 0 {
		return "1 = 0"
	}
	var ph []string
	if len(vals) <= listInline {
		ph = make([]string, len(vals))
		for i, v := range vals {
			ph[i] = b.param(v)
		}
	} else if b.d == sqlstore.Postgres {
		ph = []string{b.param(pgArray(vals))}
	} else {
		ph = []string{b.param(jsonArray(vals))}
	}
	if b.d == sqlstore.MySQL && len(vals) > listInline {
		// The pair: expr in its collation, which its index serves, and
		// as bytes. A binary column alone (expr IN (SELECT a VARBINARY))
		// is wrong on MariaDB 10.11 once the IN is materialized beside
		// an OR: it selected padded values and missed exact ones.
		return "(" + expr + ", " + b.exact(expr) + ") IN (SELECT rbac_j.v, rbac_j.b FROM JSON_TABLE(" + ph[0] +
			", '$[*]' COLUMNS (v VARCHAR(" + strconv.Itoa(rbac.MaxIDLen) + ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$', b VARBINARY(" +
			strconv.Itoa(rbac.MaxIDLen) + ") PATH '$')) AS rbac_j)"
	}
	return expr + b.listText(len(vals), ph)
}

// listText is the right side of "is one of n values" given their
// placeholders: one per value up to listInline, else one for the list.
func (b *builder) listText(n int, ph []string) string {
	if b.d == sqlstore.MySQL && n <= listInline {
		for i, p := range ph {
			ph[i] = "CAST(" + p + " AS BINARY)"
		}
	}
	switch {
	case n == 1:
		return " = " + ph[0]
	case n <= listInline:
		return " IN (" + strings.Join(ph, ", ") + ")"
	}
	if b.d == sqlstore.Postgres {
		return " = ANY(CAST(" + ph[0] + " AS text[]))"
	}
	return " IN (SELECT value FROM json_each(" + ph[0] + "))" // SQLite; MariaDB's is inList's
}

// inIntegers is "expr is one of ns", as in is for strings.
func (b *builder) inIntegers(expr string, ns []int64) string {
	switch {
	case len(ns) == 0:
		return "1 = 0"
	case len(ns) == 1:
		return expr + " = " + b.param(ns[0])
	case len(ns) <= listInline:
		ph := make([]string, len(ns))
		for i, n := range ns {
			ph[i] = b.param(n)
		}
		return expr + " IN (" + strings.Join(ph, ", ") + ")"
	}
	text := make([]string, len(ns))
	for i, n := range ns {
		text[i] = strconv.FormatInt(n, 10)
	}
	list := strings.Join(text, ",")
	switch b.d {
	case sqlstore.Postgres:
		return expr + " = ANY(CAST(" + b.param("{"+list+"}") + " AS bigint[]))"
	case sqlstore.MySQL:
		return expr + " IN (SELECT rbac_j.v FROM JSON_TABLE(" + b.param("["+list+"]") + ", '$[*]' COLUMNS (v BIGINT PATH '$')) AS rbac_j)"
	}
	return expr + " IN (SELECT value FROM json_each(" + b.param("["+list+"]") + "))"
}

// pgArray is the text form of a PostgreSQL text[]: every element
// double-quoted, with " and \ escaped.
func pgArray(vals []string) string {
	var s strings.Builder
	s.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				s.WriteByte('\\')
			}
			s.WriteByte(v[j])
		}
		s.WriteByte('"')
	}
	s.WriteByte('}')
	return s.String()
}

func jsonArray(vals []string) string {
	out, _ := json.Marshal(vals) // strings always marshal
	return string(out)
}
