package integration

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// privatePostgres is a PostgreSQL server of the test's own, in a temporary
// directory on a free port, so that the test may stop and start it without
// disturbing the shared server other tests use.
type privatePostgres struct {
	t       *testing.T
	bin     string
	dir     string
	port    int
	logFile string
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	_, runuserErr := exec.LookPath("runuser")
	if len(bins) == 0 || runuserErr != nil || os.Geteuid() != 0 {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s=1 but no PostgreSQL binaries, runuser or root to run a private server", requireEnv)
		}
		t.Skip("a private PostgreSQL server needs its binaries, runuser and root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	base, err := os.MkdirTemp("", "rbac-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &privatePostgres{t: t, bin: filepath.Dir(bins[0]), dir: filepath.Join(base, "data"), port: port, logFile: filepath.Join(base, "log")}
	if out, err := exec.Command("chown", "postgres", base).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	pg.run("initdb", "-D", pg.dir, "-A", "trust", "-U", "postgres", "--no-sync")
	pg.start()
	t.Cleanup(func() {
		exec.Command("runuser", "-u", "postgres", "--", filepath.Join(pg.bin, "pg_ctl"), "-D", pg.dir, "-m", "immediate", "stop").Run()
		os.RemoveAll(base)
	})
	return pg
}

func (pg *privatePostgres) run(tool string, args ...string) {
	pg.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pg.bin, tool)}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(pg.logFile)
		pg.t.Fatalf("%s %v: %v\n%s\n%s", tool, args, err, out, log)
	}
}

func (pg *privatePostgres) start() {
	pg.run("pg_ctl", "-D", pg.dir, "-l", pg.logFile, "-w", "-o", fmt.Sprintf("-p %d -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off", pg.port), "start")
}

func (pg *privatePostgres) stop() { pg.run("pg_ctl", "-D", pg.dir, "-m", "fast", "-w", "stop") }

func (pg *privatePostgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// privateMariaDB is a MariaDB server of the test's own, like
// privatePostgres.
type privateMariaDB struct {
	t    *testing.T
	dir  string
	port int
}

func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	_, installErr := exec.LookPath("mariadb-install-db")
	_, serverErr := exec.LookPath("mariadbd")
	if installErr != nil || serverErr != nil || os.Geteuid() != 0 {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s=1 but no mariadb-install-db, mariadbd or root to run a private server", requireEnv)
		}
		t.Skip("a private MariaDB server needs mariadb-install-db, mariadbd and root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "rbac-mariadb-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "mysql", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	m := &privateMariaDB{t: t, dir: dir, port: port}
	if out, err := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--user=mysql",
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	m.start()
	t.Cleanup(func() {
		m.stop()
		os.RemoveAll(dir)
	})
	return m
}

func (m *privateMariaDB) start() {
	m.t.Helper()
	log, err := os.OpenFile(filepath.Join(m.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	cmd := exec.Command("mariadbd", "--no-defaults", "--datadir="+filepath.Join(m.dir, "data"), "--user=mysql",
		fmt.Sprintf("--port=%d", m.port), "--bind-address=127.0.0.1", "--socket="+filepath.Join(m.dir, "sock"),
		"--pid-file="+filepath.Join(m.dir, "pid"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	go cmd.Wait()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", m.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatalf("the private MariaDB did not start; see %s", filepath.Join(m.dir, "server.log"))
}

func (m *privateMariaDB) stop() {
	exec.Command("mariadb-admin", "--no-defaults", "-h127.0.0.1", fmt.Sprintf("-P%d", m.port), "-uroot", "shutdown").Run()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", m.port)); err != nil {
			return
		} else {
			c.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *privateMariaDB) dsn() string {
	return fmt.Sprintf("root@tcp(127.0.0.1:%d)/mysql?parseTime=true", m.port)
}

// restartable is a database server the test may stop and start.
type restartable interface {
	stop()
	start()
}

// TestServerStopAndRestart stops the database server under a running
// authorizer: a write during the outage fails and leaves nothing behind,
// the authorizer keeps answering from its last snapshot and reports the
// error and its lag, and after the server restarts it catches up by
// itself and writes work again. Each server is a private one, so the
// shared servers other tests use are left alone.
func TestServerStopAndRestart(t *testing.T) {
	t.Run("Postgres", func(t *testing.T) {
		pg := startPrivatePostgres(t)
		stopAndRestart(t, pg, "pgx", pg.dsn(), sqlstore.Postgres)
	})
	t.Run("MariaDB", func(t *testing.T) {
		m := startPrivateMariaDB(t)
		admin, err := sql.Open("mysql", m.dsn())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE DATABASE rbac CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
			t.Fatal(err)
		}
		admin.Close()
		stopAndRestart(t, m, "mysql", strings.Replace(m.dsn(), "/mysql?", "/rbac?", 1), sqlstore.MySQL)
	})
}

func stopAndRestart(t *testing.T, server restartable, driver, dsn string, dialect sqlstore.Dialect) {
	ctx := context.Background()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(ctx, db, dialect, sqlstore.WithPollInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	base, err := store.Apply(ctx, rbac.ChangeSet{Changes: append(basePolicy(), rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"reader"}}))})
	if err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, rbac.WithRetryDelay(20*time.Millisecond), rbac.WithHeartbeat(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	server.stop()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = a.Apply(wctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "bob", Roles: []rbac.RoleID{"reader"}})}})
	cancel()
	if err == nil {
		t.Fatal("a write succeeded while the server was stopped")
	}
	deadline := time.Now().Add(20 * time.Second)
	for a.Status().LastError == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no error reported while the server was stopped: %+v", a.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := a.Status(); st.Revision != base || st.Lag <= 0 {
		t.Errorf("status while stopped: %+v", st)
	}
	if !a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}).Allowed {
		t.Error("no answers from the last snapshot while the server was stopped")
	}

	server.start()
	// A second store, as another replica, writes after the restart.
	other, err := sqlstore.New(ctx, db, dialect)
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	defer other.Close()
	if p, rev, err := other.Load(ctx); err != nil || rev != base || len(p.Users) != 1 {
		t.Fatalf("after the restart the store holds revision %d with %d users (%v); the failed write must leave nothing", rev, len(p.Users), err)
	}
	late, err := other.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "carol", Roles: []rbac.RoleID{"reader"}})}})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if d, err := a.Check(cctx, rbac.Request{User: "carol", Permission: "doc.read", AtLeast: late}); err != nil || !d.Allowed {
		t.Fatalf("after the restart the authorizer did not catch up: %v, %v", d, err)
	}
	for a.Status().LastError != nil {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("status never recovered: %+v", a.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "bob", Roles: []rbac.RoleID{"reader"}})}}); err != nil {
		t.Fatalf("a write after the restart: %v", err)
	}
}
