package cli

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
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
		return Target{Driver: "sqlite", DSN: "file:" + path + "?_pragma=busy_timeout(5000)&_txlock=immediate", Dialect: sqlstore.SQLite}, nil
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

// openStore opens the database and the sqlstore on it (migrating unless
// noMigrate). The caller closes both with the returned function.
func openStore(ctx context.Context, dsn string, noMigrate bool) (*sqlstore.Store, func(), error) {
	t, err := ParseDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	db, err := sql.Open(t.Driver, t.DSN)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", Redact(dsn), err)
	}
	var opts []sqlstore.Option
	if noMigrate {
		opts = append(opts, sqlstore.WithoutMigrate())
	}
	s, err := sqlstore.New(ctx, db, t.Dialect, opts...)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %v", Redact(dsn), err)
	}
	return s, func() { s.Close(); db.Close() }, nil
}
