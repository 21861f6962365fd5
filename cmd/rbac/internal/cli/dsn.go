package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac/sqlstore"
)

// The drivers the DSNs name (modernc.org/sqlite, github.com/jackc/pgx/v5/stdlib,
// github.com/go-sql-driver/mysql) are registered by package main, so that
// this package and its fuzz targets build without them.

// Target is a database named by a DSN, ready for sql.Open.
type Target struct {
	Driver  string // database/sql driver name
	DSN     string // in the driver's own syntax
	Dialect sqlstore.Dialect
	Path    string // sqlite: the file
}

// ParseDSN reads the command's DSNs: sqlite:PATH,
// postgres://user:pass@host:port/db?params (postgresql:// too) and
// mysql://user:pass@host:port/db?params. Passwords never appear in its
// errors.
func ParseDSN(s string) (Target, error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(s, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return Target{}, fmt.Errorf("DSN %q: want sqlite:PATH", s)
		}
		if strings.ContainsAny(path, "?#") {
			return Target{}, fmt.Errorf("DSN sqlite:%s: a path with ? or # is not supported (the command sets the connection options)", path)
		}
		// Immediate transactions and a busy timeout: concurrent writers
		// wait instead of failing with SQLITE_BUSY.
		return Target{Driver: "sqlite", DSN: "file:" + path + "?_pragma=busy_timeout(5000)&_txlock=immediate", Dialect: sqlstore.SQLite, Path: path}, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("DSN %s: %v", Redact(s), unwrapURLError(err))
		}
		if u.Host == "" {
			return Target{}, fmt.Errorf("DSN %s: no host", Redact(s))
		}
		return Target{Driver: "pgx", DSN: s, Dialect: sqlstore.Postgres}, nil
	case strings.HasPrefix(s, "mysql://"):
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("DSN %s: %v", Redact(s), unwrapURLError(err))
		}
		if u.Host == "" {
			return Target{}, fmt.Errorf("DSN %s: no host", Redact(s))
		}
		db := strings.TrimPrefix(u.Path, "/")
		if db == "" || strings.Contains(db, "/") {
			return Target{}, fmt.Errorf("DSN %s: want mysql://user:pass@host:port/db", Redact(s))
		}
		var auth string
		if u.User != nil {
			auth = u.User.Username()
			if pw, ok := u.User.Password(); ok {
				auth += ":" + pw
			}
			auth += "@"
		}
		dsn := fmt.Sprintf("%stcp(%s)/%s", auth, u.Host, db)
		if u.RawQuery != "" {
			dsn += "?" + u.RawQuery
		}
		return Target{Driver: "mysql", DSN: dsn, Dialect: sqlstore.MySQL}, nil
	}
	return Target{}, fmt.Errorf("DSN %s: want sqlite:PATH, postgres://... or mysql://user:pass@host:port/db", Redact(s))
}

// unwrapURLError drops url.Error's copy of the URL, which holds the password.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Redact hides the password of a URL-shaped DSN.
func Redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		if len(s) <= 80 && strconv.Quote(s) == `"`+s+`"` && !strings.Contains(s, " ") {
			return s // sqlite:PATH, as typed
		}
		if len(s) > 80 {
			return fmt.Sprintf("%q…", s[:80])
		}
		return fmt.Sprintf("%q", s)
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return scheme + "://" + rest
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + ":***@" + rest[at+1:]
}

// dsnError is a DSN the command cannot read: a usage error (exit 2).
type dsnError struct{ err error }

func (e dsnError) Error() string { return e.err.Error() }
func (e dsnError) Unwrap() error { return errUsage }

// openDB opens and reaches the database a DSN names. A verb that only
// reads (write false) never creates anything: a SQLite file must exist, and
// is opened without the right to create it. A verb that writes may create
// a SQLite file, in a directory that exists. The errors say what happened: a malformed DSN
// (wrapping errUsage), a missing file or directory, a file that is not a
// SQLite database, a server that cannot be reached.
func openDB(ctx context.Context, dsn string, write bool) (*sql.DB, Target, error) {
	t, err := ParseDSN(dsn)
	if err != nil {
		return nil, t, dsnError{err}
	}
	if t.Dialect == sqlstore.SQLite {
		if err := checkSQLiteFile(t.Path, write); err != nil {
			return nil, t, fmt.Errorf("sqlite:%s: %v", t.Path, err)
		}
		if !write {
			// Open, never create (checkSQLiteFile saw the file). Not
			// mode=ro: a read-only connection to a WAL database leaves
			// the -wal and -shm files behind, where a read-write one
			// removes them when it closes.
			t.DSN += "&mode=rw"
		}
	}
	db, err := sql.Open(t.Driver, t.DSN)
	if err != nil {
		return nil, t, fmt.Errorf("%s: %v", Redact(dsn), err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, t, fmt.Errorf("%s: cannot reach the database: %v", Redact(dsn), err)
	}
	return db, t, nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkSQLiteFile says why path cannot be the database: missing (for a
// reader), in a directory that does not exist (for a writer, to which
// SQLite would say "out of memory (14)"), or not a SQLite file.
func checkSQLiteFile(path string, write bool) error {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !write:
		return errors.New("the database does not exist (rbac migrate or rbac import creates it)")
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("the directory %s does not exist", dir)
		}
		return nil
	case err != nil:
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // an empty file: SQLite makes it a database
	}
	if string(head[:n]) != sqliteHeader {
		return errors.New("the file is not a SQLite database")
	}
	return nil
}

// openStore opens the database and the sqlstore on it: a writer migrates
// the schema, a reader only checks it (see openDB). The caller closes both
// with the returned function.
func openStore(ctx context.Context, dsn string, write bool) (*sqlstore.Store, func(), error) {
	db, t, err := openDB(ctx, dsn, write)
	if err != nil {
		return nil, nil, err
	}
	var opts []sqlstore.Option
	if !write {
		opts = append(opts, sqlstore.WithoutMigrate())
	}
	s, err := sqlstore.New(ctx, db, t.Dialect, opts...)
	if errors.Is(err, sqlstore.ErrNotMigrated) {
		db.Close()
		return nil, nil, fmt.Errorf("%s: the database has no rolegraph schema (it is new, or another program's): run rbac migrate (%w)", Redact(dsn), err)
	}
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", Redact(dsn), err)
	}
	return s, func() { s.Close(); db.Close() }, nil
}
