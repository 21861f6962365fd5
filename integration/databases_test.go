package integration

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/rolegraph/rbac/sqlstore"
)

// A database under test: how to get a fresh, empty one.
type database struct {
	name    string
	dialect sqlstore.Dialect
	// open returns a handle on a new empty database and its DSN. The
	// database is dropped by release, which the test's cleanup also calls.
	open func(t testing.TB) (db *sql.DB, dsn string, release func())
	// connect opens another handle on a database that open returned, as
	// another replica would.
	connect func(t testing.TB, dsn string) *sql.DB
}

const (
	postgresEnv = "RBAC_TEST_POSTGRES_DSN"
	mysqlEnv    = "RBAC_TEST_MYSQL_DSN"
	requireEnv  = "RBAC_TEST_REQUIRE_DBS"
)

// forEachDatabase runs f in a subtest per database: SQLite always,
// PostgreSQL and MariaDB when their DSN is set. A missing DSN skips the
// subtest, or fails it if RBAC_TEST_REQUIRE_DBS=1.
func forEachDatabase(t *testing.T, f func(t *testing.T, db database)) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			switch db.dialect {
			case sqlstore.Postgres:
				needEnv(t, postgresEnv, "postgres://postgres@127.0.0.1:5432/postgres")
			case sqlstore.MySQL:
				needEnv(t, mysqlEnv, "root@tcp(127.0.0.1:3306)/")
			}
			f(t, db)
		})
	}
}

func databases() []database {
	return []database{
		{"SQLite", sqlstore.SQLite, openSQLite, connector("sqlite")},
		{"Postgres", sqlstore.Postgres, openPostgres, connector("pgx")},
		{"MariaDB", sqlstore.MySQL, openMySQL, connector("mysql")},
	}
}

// available reports whether the database is configured.
func (db database) available() bool {
	switch db.dialect {
	case sqlstore.Postgres:
		return os.Getenv(postgresEnv) != ""
	case sqlstore.MySQL:
		return os.Getenv(mysqlEnv) != ""
	}
	return true
}

func needEnv(t *testing.T, name, example string) {
	t.Helper()
	if os.Getenv(name) != "" {
		return
	}
	msg := fmt.Sprintf("%s is not set; to test against this database, set it to an admin DSN such as %q (tests create and drop their own databases), or run .ci/run", name, example)
	if os.Getenv(requireEnv) == "1" {
		t.Fatal(msg + " (" + requireEnv + "=1 requires every database)")
	}
	t.Skip(msg)
}

// sqliteDSN is the DSN the README recommends for modernc.org/sqlite.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_txlock=immediate"
}

func openSQLite(t testing.TB) (*sql.DB, string, func()) {
	dir, err := os.MkdirTemp(t.TempDir(), "db")
	if err != nil {
		t.Fatal(err)
	}
	dsn := sqliteDSN(filepath.Join(dir, "rbac.db"))
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db, dsn, releaser(t, func() error {
		db.Close()
		return os.RemoveAll(dir)
	})
}

// releaser returns a function that runs release once, also at the end of
// the test.
func releaser(t testing.TB, release func() error) func() {
	var once sync.Once
	f := func() {
		once.Do(func() {
			if err := release(); err != nil {
				t.Errorf("releasing the test database: %v", err)
			}
		})
	}
	t.Cleanup(f)
	return f
}

var dbSeq atomic.Int64

func freshName() string {
	return fmt.Sprintf("rbac_test_%d_%d", os.Getpid(), dbSeq.Add(1))
}

var (
	pgAdmin    *sql.DB
	pgAdminErr error
)

// PostgreSQL tests share one database per test binary, created on first
// use and dropped by TestMain; each store gets a schema of its own (the
// DSN's search_path), which is ten times quicker than CREATE DATABASE.
var (
	pgShared     *sql.DB
	pgSharedName string
	pgSharedErr  error
	pgSharedOnce sync.Once
)

func openPostgres(t testing.TB) (*sql.DB, string, func()) {
	pgSharedOnce.Do(func() {
		pgAdmin, pgAdminErr = sql.Open("pgx", os.Getenv(postgresEnv))
		if pgSharedErr = pgAdminErr; pgSharedErr != nil {
			return
		}
		pgSharedName = freshName()
		if _, pgSharedErr = pgAdmin.Exec("CREATE DATABASE " + pgSharedName); pgSharedErr != nil {
			return
		}
		pgShared, pgSharedErr = sql.Open("pgx", postgresDSN(t, os.Getenv(postgresEnv), pgSharedName))
	})
	if pgSharedErr != nil {
		t.Fatalf("creating the test database: %v", pgSharedErr)
	}
	schema := freshName()
	ctx := context.Background()
	if _, err := pgShared.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating the test schema: %v", err)
	}
	dsn := withSearchPath(postgresDSN(t, os.Getenv(postgresEnv), pgSharedName), schema)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db, dsn, releaser(t, func() error {
		db.Close()
		_, err := pgShared.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	})
}

func withSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// TestMain drops the shared PostgreSQL test database.
func TestMain(m *testing.M) {
	code := m.Run()
	if pgShared != nil {
		pgShared.Close()
		if _, err := pgAdmin.Exec("DROP DATABASE IF EXISTS " + pgSharedName + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "dropping the test database:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// postgresDSN returns the admin DSN with another database.
func postgresDSN(t testing.TB, admin, name string) string {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatalf("%s: %v", postgresEnv, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return admin + " dbname=" + name
}

func connector(driver string) func(t testing.TB, dsn string) *sql.DB {
	return func(t testing.TB, dsn string) *sql.DB {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

var (
	myAdminOnce sync.Once
	myAdmin     *sql.DB
	myAdminErr  error
)

func openMySQL(t testing.TB) (*sql.DB, string, func()) {
	myAdminOnce.Do(func() { myAdmin, myAdminErr = sql.Open("mysql", os.Getenv(mysqlEnv)) })
	if myAdminErr != nil {
		t.Fatal(myAdminErr)
	}
	name := freshName()
	ctx := context.Background()
	if _, err := myAdmin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	cfg, err := mysql.ParseDSN(os.Getenv(mysqlEnv))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	dsn := cfg.FormatDSN()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db, dsn, releaser(t, func() error {
		db.Close()
		_, err := myAdmin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
		return err
	})
}

// ownedStore is a store on a test database of its own: closing it drops
// the database, so that a property test's hundred stores do not pile up
// connections.
type ownedStore struct {
	*sqlstore.Store
	release func()
}

func (s ownedStore) Close() error {
	err := s.Store.Close()
	s.release()
	return err
}

// newStore opens a store on a fresh database.
func newStore(t testing.TB, db database, opts ...sqlstore.Option) ownedStore {
	t.Helper()
	h, _, release := db.open(t)
	s, err := sqlstore.New(context.Background(), h, db.dialect, opts...)
	if err != nil {
		release()
		t.Fatalf("sqlstore.New: %v", err)
	}
	o := ownedStore{s, release}
	t.Cleanup(func() { o.Close() })
	return o
}
