package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered SQL file of a dialect.
type migration struct {
	version  int
	name     string
	sql      string
	checksum string
}

// migrations returns the dialect's migrations in order.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{version: v, name: e.Name(), sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// statements splits a migration into statements: "--" comment lines are
// dropped and statements end with ';'. Migrations hold no ';' in literals.
func statements(src string) []string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var out []string
	for _, stmt := range strings.Split(b.String(), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

const versionTable = "rbac_schema_migrations"

func versionTableDDL(d Dialect) string {
	ddl := "CREATE TABLE IF NOT EXISTS " + versionTable + " (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_ns BIGINT NOT NULL)"
	if d == MySQL {
		ddl += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	return ddl
}

// Migrate brings the database's schema to the one this build knows,
// applying the numbered migrations of the dialect that it lacks, in order,
// and recording each (with its checksum) in rbac_schema_migrations.
//
// Replicas may call it at the same time: a lock makes one migrate and the
// others wait and find nothing to do (PostgreSQL pg_advisory_lock, MySQL
// GET_LOCK, SQLite BEGIN IMMEDIATE). PostgreSQL and SQLite run each
// migration in a transaction; MariaDB and MySQL commit DDL implicitly, so
// their migrations are written to be re-run after an interruption. On
// SQLite, Migrate also switches the database to WAL (write-ahead log)
// mode, once, so that readers never block the writer.
//
// Migrate refuses, with an error wrapping ErrSchema, a database whose
// schema is newer than this build knows, or one where an applied migration
// no longer has the checksum it was applied with.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if err := d.valid(); err != nil {
		return &rbac.Error{Op: "migrate", Msg: err.Error(), Err: rbac.ErrInvalid}
	}
	migs, err := migrations(d)
	if err != nil {
		return &rbac.Error{Op: "migrate", Msg: err.Error(), Err: ErrSchema}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return migrateErr(ctx, err)
	}
	defer conn.Close()
	switch d {
	case SQLite:
		err = migrateSQLite(ctx, conn, migs)
	case Postgres:
		err = withLock(ctx, conn, "SELECT pg_advisory_lock(7526411283)", "SELECT pg_advisory_unlock(7526411283)", func() error {
			return migrateInTx(ctx, conn, d, migs)
		})
	case MySQL:
		// GET_LOCK is server-wide: the name includes the database. NULL
		// (an error) or 0 (timed out) both fail the Scan or the check.
		err = withLock(ctx, conn, "SELECT GET_LOCK(LEFT(CONCAT('rbac_migrate:', DATABASE()), 64), 600)", "SELECT RELEASE_LOCK(LEFT(CONCAT('rbac_migrate:', DATABASE()), 64))", func() error {
			return migrateMySQL(ctx, conn, migs)
		})
	}
	return migrateErr(ctx, err)
}

func migrateErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*rbac.Error); ok {
		return err
	}
	if ctx.Err() != nil {
		return ctxError(ctx, "migrate")
	}
	return &rbac.Error{Op: "migrate", Msg: "database error", Err: fmt.Errorf("%w: %w", rbac.ErrUnavailable, err)}
}

// withLock runs f holding a session lock of conn. If lock returns a value
// it must be 1 (MySQL GET_LOCK: 0 is a timeout, NULL an error). If the lock
// cannot be released, the connection is discarded, which releases it.
func withLock(ctx context.Context, conn *sql.Conn, lock, unlock string, f func() error) error {
	var got sql.NullInt64
	if strings.HasPrefix(lock, "SELECT GET_LOCK") {
		if err := conn.QueryRowContext(ctx, lock).Scan(&got); err != nil {
			return err
		}
		if got.Int64 != 1 {
			return fmt.Errorf("could not take the migration lock (GET_LOCK returned %v)", got)
		}
	} else if _, err := conn.ExecContext(ctx, lock); err != nil {
		return err
	}
	err := f()
	if _, uerr := conn.ExecContext(context.Background(), unlock); uerr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// applied reads the recorded migrations and checks them against migs: it
// refuses unknown (newer) versions and changed checksums.
func applied(ctx context.Context, q querier, d Dialect, migs []migration) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, name, checksum FROM "+versionTable+" ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := make(map[int]bool)
	for rows.Next() {
		var v int
		var name, sum string
		if err := rows.Scan(&v, &name, &sum); err != nil {
			return nil, err
		}
		if v > len(migs) || v < 1 {
			return nil, &rbac.Error{Op: "migrate", Msg: fmt.Sprintf("the database's schema is at version %d (%s), newer than the %d this build of sqlstore knows: upgrade the program, do not downgrade the schema", v, name, len(migs)), Err: ErrSchema}
		}
		if m := migs[v-1]; m.checksum != sum {
			return nil, &rbac.Error{Op: "migrate", Msg: fmt.Sprintf("migration %s (%s) was applied with checksum %.12s… but its file now has %.12s…: applied migrations must never be edited; add a new one", m.name, d, sum, m.checksum), Err: ErrSchema}
		}
		done[v] = true
	}
	return done, rows.Err()
}

func recordVersion(ctx context.Context, q querier, d Dialect, m migration) error {
	_, err := q.ExecContext(ctx, d.rebind("INSERT INTO "+versionTable+" (version, name, checksum, applied_ns) VALUES (?, ?, ?, ?)"),
		m.version, m.name, m.checksum, time.Now().UnixNano())
	return err
}

// migrateInTx migrates PostgreSQL: everything in one transaction.
func migrateInTx(ctx context.Context, conn *sql.Conn, d Dialect, migs []migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := runMigrations(ctx, tx, d, migs); err != nil {
		return err
	}
	return tx.Commit()
}

// migrateMySQL migrates MariaDB/MySQL, statement by statement (each DDL
// commits); the version is recorded after its migration's statements.
func migrateMySQL(ctx context.Context, conn *sql.Conn, migs []migration) error {
	return runMigrations(ctx, conn, MySQL, migs)
}

// runMigrations creates the version table and applies, in order, the
// migrations not yet recorded, recording each after its statements.
func runMigrations(ctx context.Context, q querier, d Dialect, migs []migration) error {
	if _, err := q.ExecContext(ctx, versionTableDDL(d)); err != nil {
		return err
	}
	done, err := applied(ctx, q, d, migs)
	if err != nil {
		return err
	}
	for _, m := range migs {
		if done[m.version] {
			continue
		}
		for _, stmt := range statements(m.sql) {
			if err := runStatement(ctx, q, d, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if err := recordVersion(ctx, q, d, m); err != nil {
			return err
		}
	}
	return nil
}

// alreadyDone reports whether err says that the index stmt creates is
// there already, or that the index or foreign key it drops is gone
// already: MySQL's CREATE INDEX, DROP INDEX and DROP FOREIGN KEY have no
// IF [NOT] EXISTS, and an interrupted migration must re-run (errors 1061,
// duplicate key name, and 1091, can't drop).
func alreadyDone(d Dialect, stmt string, err error) bool {
	if d != MySQL {
		return false
	}
	switch n := mysqlErrorNumber(err.Error()); {
	case strings.HasPrefix(stmt, "CREATE INDEX "):
		return n == 1061
	case strings.HasPrefix(stmt, "DROP INDEX "), strings.HasPrefix(stmt, "ALTER TABLE ") && strings.Contains(stmt, " DROP FOREIGN KEY "):
		return n == 1091
	}
	return false
}

// migrateSQLite switches to WAL, then migrates inside BEGIN IMMEDIATE.
func migrateSQLite(ctx context.Context, conn *sql.Conn, migs []migration) (err error) {
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err != nil {
		return err
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	// An in-memory database reports "memory" and cannot use WAL. The
	// switch needs an exclusive lock, and SQLite answers SQLITE_BUSY at
	// once, without the busy timeout, when waiting could deadlock (several
	// processes starting together): retry for a while.
	for attempt := 0; mode != "wal" && mode != "memory"; attempt++ {
		err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			break
		}
		if classify(SQLite, err) != classRetry || attempt >= 500 {
			return fmt.Errorf("switching to WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(20)) * time.Millisecond):
		}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if _, rbErr := conn.ExecContext(context.Background(), "ROLLBACK"); rbErr != nil && !strings.Contains(rbErr.Error(), "no transaction is active") {
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
	}()
	if _, err := conn.ExecContext(ctx, versionTableDDL(SQLite)); err != nil {
		return err
	}
	done, err := applied(ctx, conn, SQLite, migs)
	if err != nil {
		return err
	}
	for _, m := range migs {
		if done[m.version] {
			continue
		}
		for _, stmt := range statements(m.sql) {
			if err := runStatement(ctx, conn, SQLite, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if err := recordVersion(ctx, conn, SQLite, m); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// addColumnIfNotExists matches "ALTER TABLE t ADD COLUMN IF NOT EXISTS c
// ...", which PostgreSQL and MariaDB understand but SQLite and MySQL do
// not: on those sqlstore looks the column up and adds it only if absent, so
// that a migration adding a column can be re-run.
var addColumnIfNotExists = regexp.MustCompile(`(?is)^(ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+)IF\s+NOT\s+EXISTS\s+((\w+)\s.*)$`)

// runStatement runs one statement of a migration.
func runStatement(ctx context.Context, q querier, d Dialect, stmt string) error {
	if m := addColumnIfNotExists.FindStringSubmatch(stmt); m != nil && d != Postgres {
		lookup := "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?"
		if d == MySQL {
			lookup = "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?"
		}
		var n int
		if err := q.QueryRowContext(ctx, lookup, m[2], m[4]).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		stmt = m[1] + m[3]
	}
	if _, err := q.ExecContext(ctx, stmt); err != nil && !alreadyDone(d, stmt, err) {
		return err
	}
	return nil
}

// checkSchema verifies, without changing anything, that the database has
// exactly this build's migrations.
func checkSchema(ctx context.Context, db *sql.DB, d Dialect) error {
	migs, err := migrations(d)
	if err != nil {
		return &rbac.Error{Op: "open", Msg: err.Error(), Err: ErrSchema}
	}
	done, err := applied(ctx, db, d, migs)
	if err != nil {
		var re *rbac.Error
		switch {
		case asRbacError(err, &re):
			return err
		case missingTable(d, err):
			return &rbac.Error{Op: "open", Msg: "the database has no rolegraph schema (it is new, or belongs to something else): run sqlstore.Migrate", Err: ErrNotMigrated}
		case classify(d, err) == classUnavailable:
			return &rbac.Error{Op: "open", Msg: "cannot reach the database", Err: fmt.Errorf("%w: %w", rbac.ErrUnavailable, err)}
		}
		// Whatever else the database said (SQLite: "file is not a
		// database"), said as it is.
		return &rbac.Error{Op: "open", Msg: "reading the schema version", Err: fmt.Errorf("%w: %w", rbac.ErrUnavailable, err)}
	}
	if len(done) == 0 {
		return &rbac.Error{Op: "open", Msg: "the database has no rolegraph schema (it is new, or belongs to something else): run sqlstore.Migrate", Err: ErrNotMigrated}
	}
	if len(done) != len(migs) {
		return &rbac.Error{Op: "open", Msg: fmt.Sprintf("the database's schema has %d of this build's %d migrations: run sqlstore.Migrate", len(done), len(migs)), Err: ErrSchema}
	}
	return nil
}

func asRbacError(err error, target **rbac.Error) bool {
	re, ok := err.(*rbac.Error)
	if ok {
		*target = re
	}
	return ok
}
