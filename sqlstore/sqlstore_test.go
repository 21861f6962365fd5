package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// The store itself is tested against real SQLite, PostgreSQL and MariaDB
// in the integration module (this module may not import drivers). These
// tests cover what needs no database.

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		dialect Dialect
		in      string
		want    string
		why     string
	}{
		{Postgres, "SELECT a FROM t WHERE b = ? AND c IN (?, ?)", "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)", "PostgreSQL numbers its placeholders"},
		{MySQL, "SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = ?", "MySQL keeps ?"},
		{SQLite, "SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = ?", "SQLite keeps ?"},
		{Postgres, "SELECT 1", "SELECT 1", "nothing to bind"},
	} {
		if got := tc.dialect.rebind(tc.in); got != tc.want {
			t.Errorf("%v.rebind(%q) = %q, want %q (%s)", tc.dialect, tc.in, got, tc.want, tc.why)
		}
	}
}

// Every dialect has the same migrations, numbered from 1 without gaps,
// each splitting into statements that create the same tables.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	tablesOf := func(d Dialect) []string {
		migs, err := migrations(d)
		if err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		var tables []string
		for _, m := range migs {
			for _, stmt := range statements(m.sql) {
				if name, ok := strings.CutPrefix(stmt, "CREATE TABLE IF NOT EXISTS "); ok {
					tables = append(tables, strings.Fields(name)[0])
				}
			}
		}
		return tables
	}
	want := tablesOf(SQLite)
	for _, et := range entityTables {
		found := false
		for _, tbl := range want {
			found = found || tbl == et.name
		}
		if !found {
			t.Errorf("no migration creates %s, the table of %s", et.name, et.kind)
		}
	}
	for _, d := range []Dialect{Postgres, MySQL} {
		if diff := cmp.Diff(want, tablesOf(d)); diff != "" {
			t.Errorf("%v creates other tables than SQLite (-sqlite +%v):\n%s", d, d, diff)
		}
	}
}

func TestStatements(t *testing.T) {
	src := "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n\n-- another\nINSERT INTO a VALUES (1);\n"
	want := []string{"CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"}
	if d := cmp.Diff(want, statements(src)); d != "" {
		t.Errorf("statements (-want +got):\n%s", d)
	}
}

type sqlStateError string

func (e sqlStateError) Error() string    { return "pg error " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

type codeError int

func (e codeError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e codeError) Code() int     { return int(e) }

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		dialect Dialect
		err     error
		want    errorClass
		why     string
	}{
		{Postgres, sqlStateError("23505"), classExists, "unique_violation"},
		{Postgres, fmt.Errorf("wrapped: %w", sqlStateError("23503")), classNotFound, "foreign_key_violation, wrapped"},
		{Postgres, sqlStateError("40001"), classRetry, "serialization_failure"},
		{Postgres, sqlStateError("40P01"), classRetry, "deadlock_detected"},
		{Postgres, sqlStateError("22001"), classInvalid, "string_data_right_truncation"},
		{Postgres, sqlStateError("57P01"), classUnavailable, "admin_shutdown (pg_terminate_backend): transient, not retried inside a transaction"},
		{Postgres, sqlStateError("08006"), classUnavailable, "connection_failure"},
		{Postgres, sqlStateError("42P01"), classOther, "undefined_table: not a lost connection"},
		{Postgres, driver.ErrBadConn, classUnavailable, "database/sql's bad connection"},
		{Postgres, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, classUnavailable, "a reset TCP connection"},
		{MySQL, errors.New("Error 1927 (70100): Connection was killed"), classUnavailable, "MariaDB KILL"},
		{MySQL, errors.New("Error 2013: Lost connection to MySQL server during query"), classUnavailable, "CR_SERVER_LOST"},
		{SQLite, codeError(9), classUnavailable, "SQLITE_INTERRUPT"},
		{SQLite, codeError(2067), classExists, "SQLITE_CONSTRAINT_UNIQUE"},
		{SQLite, codeError(787), classNotFound, "SQLITE_CONSTRAINT_FOREIGNKEY"},
		{SQLite, codeError(5), classRetry, "SQLITE_BUSY"},
		{SQLite, codeError(517), classRetry, "SQLITE_BUSY_SNAPSHOT"},
		{SQLite, errors.New("database is locked"), classRetry, "a driver without Code()"},
		{MySQL, errors.New("Error 1062 (23000): Duplicate entry 'a' for key 'PRIMARY'"), classExists, "ER_DUP_ENTRY"},
		{MySQL, errors.New("Error 1452 (23000): Cannot add or update a child row"), classNotFound, "ER_NO_REFERENCED_ROW_2"},
		{MySQL, errors.New("Error 1213 (40001): Deadlock found"), classRetry, "ER_LOCK_DEADLOCK"},
		{MySQL, errors.New("Error 1205 (HY000): Lock wait timeout exceeded"), classRetry, "ER_LOCK_WAIT_TIMEOUT"},
		{MySQL, errors.New("invalid connection"), classUnavailable, "go-sql-driver's dropped connection: transient, not retried inside a transaction"},
		{MySQL, sql.ErrConnDone, classUnavailable, "database/sql's closed connection: this connection, not the DB"},
		{SQLite, errors.New("sql: database is closed"), classClosed, "database/sql's closed DB"},
		{Postgres, context.Canceled, classCancelled, "the caller gave up"},
	} {
		if got := classify(tc.dialect, tc.err); got != tc.want {
			t.Errorf("classify(%v, %q) = %d, want %d (%s)", tc.dialect, tc.err, got, tc.want, tc.why)
		}
	}
}

// Every entity survives toRecord and fromRecord, and the JSON of the
// change log.
func TestRecordsAndImages(t *testing.T) {
	entities := []rbac.Entity{
		rbac.PermissionDef{Name: "a.b", Title: "t", Section: "s", Description: "d", Deprecated: "x", Sensitive: "y", Requires: []rbac.Permission{"c", "a"}},
		rbac.Role{ID: "r", Title: "t", AccountTypes: []rbac.AccountType{"x"}, Contains: []rbac.RoleID{"z", "a"}, Grants: []rbac.Grant{{Permission: "a@b", Scope: rbac.ScopeMine}, {Permission: "*", Scope: rbac.ScopeAll}}},
		rbac.AccountTypeDef{ID: "a", Title: "t", DefaultRoles: []rbac.RoleID{"r"}},
		rbac.Workgroup{ID: "w", Name: "n", Parent: "p"},
		rbac.Group{ID: "g", Name: "G", Description: "d", AccountType: "a", Roles: []rbac.RoleID{"r"}, Managers: []rbac.UserID{"m"}},
		rbac.User{ID: "u", Name: "Ann O'Neil", Email: "ann@example.org", AccountType: "a", Org: "o", Roles: []rbac.RoleID{"r"}, Groups: []rbac.GroupID{"g"}, Workgroups: []rbac.WorkgroupID{"w"}, Disabled: true},
		rbac.Constraint{Name: "c", Roles: []rbac.RoleID{"a", "b"}, Max: 1, Dynamic: true},
		rbac.Kind{Name: "doc", Title: "Document"},
		rbac.OwnershipRule{Kind: "doc", Bypass: "doc.all"},
		rbac.Ownership{Kind: "doc", ID: "a/b", Owners: []rbac.OrgSlug{"z", "a"}},
	}
	for _, e := range entities {
		tbl := tableOf(e.EntityKind())
		got, err := tbl.fromRecord(tbl.toRecord(e))
		if err != nil {
			t.Fatalf("%s: %v", e.EntityKind(), err)
		}
		if d := cmp.Diff(e, got); d != "" {
			t.Errorf("%s through its rows (-want +got):\n%s", e.EntityKind(), d)
		}
		if k := keyString(tbl.toRecord(e).key); k != e.EntityKey() {
			t.Errorf("%s: key %q, want %q", e.EntityKind(), k, e.EntityKey())
		}
		img, err := encodeEntity(e)
		if err != nil {
			t.Fatalf("%s: %v", e.EntityKind(), err)
		}
		back, err := decodeEntity(e.EntityKind(), img)
		if err != nil {
			t.Fatalf("%s: %v", e.EntityKind(), err)
		}
		if d := cmp.Diff(e, back); d != "" {
			t.Errorf("%s through JSON (-want +got):\n%s", e.EntityKind(), d)
		}
	}
}
