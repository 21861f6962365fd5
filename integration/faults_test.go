package integration

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/storetest"
	"github.com/rolegraph/rbac/storetest/faultdriver"
)

// wantUnchanged fails unless the store still holds want at rev, with
// nothing in the log after rev, and the next write gets rev+1.
func wantUnchanged(t *testing.T, s rbac.Store, want *rbac.Policy, rev rbac.Revision) {
	t.Helper()
	ctx := context.Background()
	got, gotRev, err := s.Load(ctx)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if gotRev != rev {
		t.Errorf("Load: revision %d, want %d: the failed write used up a revision", gotRev, rev)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
		t.Errorf("the failed write left rows behind (-before +after):\n%s", d)
	}
	if log, err := s.Changes(ctx, rev); err != nil || len(log) != 0 {
		t.Errorf("Changes(%d) after the failed write: %d sets, %v; want none", rev, len(log), err)
	}
	next, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "after"})}})
	if err != nil || next != rev+1 {
		t.Errorf("the next Apply: %d, %v; want revision %d", next, err, rev+1)
	}
}

// bigSet returns a change set that puts a role and n users: long enough
// to be interrupted, touching several tables before the users.
func bigSet(n int, victim rbac.User) rbac.ChangeSet {
	changes := []rbac.Change{rbac.PutRole(rbac.Role{ID: "new-role"})}
	for i := range n {
		changes = append(changes, rbac.PutUser(rbac.User{ID: rbac.UserID(fmt.Sprintf("new-%05d", i)), Roles: []rbac.RoleID{"new-role"}}))
	}
	victim.Org = "changed"
	return rbac.ChangeSet{Changes: append(changes, rbac.PutUser(victim))}
}

// A context cancelled while Apply runs leaves nothing behind: the write is
// either whole or absent.
func TestCancelMidApply(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		s := newStore(t, db)
		ctx := context.Background()
		victim := rbac.User{ID: "victim", Org: "o", Roles: []rbac.RoleID{"r"}}
		rev, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(victim)}})
		if err != nil {
			t.Fatal(err)
		}
		before, _, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, delay := range []time.Duration{time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
			cctx, cancel := context.WithTimeout(ctx, delay)
			_, err := s.Apply(cctx, bigSet(3000, victim))
			cancel()
			if err == nil {
				t.Logf("the write finished within %v; trying a shorter time is pointless", delay)
				return
			}
			if cctx.Err() == nil {
				t.Fatalf("Apply failed without being cancelled: %v", err)
			}
			// Each attempt must leave the store as it was.
			got, gotRev, err := s.Load(ctx)
			if err != nil || gotRev != rev {
				t.Fatalf("after a cancelled Apply: revision %d, %v; want %d", gotRev, err, rev)
			}
			if d := cmp.Diff(before, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
				t.Fatalf("a cancelled Apply (after %v) left rows behind (-before +after):\n%s", delay, d)
			}
		}
		wantUnchanged(t, s, before, rev)
	})
}

// The connection of an Apply is killed by the server while the
// transaction waits for a row lock (after it bumped the revision, wrote a
// role and deleted the victim's list rows): nothing of it remains.
func TestKilledConnectionMidApply(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		var findVictim, kill string
		switch db.dialect {
		case sqlstore.SQLite:
			t.Skip("SQLite has no server connection to kill; TestCancelMidApply interrupts its transactions")
		case sqlstore.Postgres:
			findVictim = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM rbac_users%'"
			kill = "SELECT pg_terminate_backend($1)"
		case sqlstore.MySQL:
			findVictim = "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE 'DELETE FROM rbac_users%'"
			kill = "KILL ?"
		}
		ctx := context.Background()
		h, dsn, _ := db.open(t)
		s, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		victim := rbac.User{ID: "victim", Org: "o", Roles: []rbac.RoleID{"r"}}
		rev, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(victim)}})
		if err != nil {
			t.Fatal(err)
		}
		before, _, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// Another session holds the victim's row, so that the Apply stops
		// in the middle of its transaction.
		other := db.connect(t, dsn)
		blocker, err := other.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer blocker.Rollback()
		if _, err := blocker.Exec("SELECT id FROM rbac_users WHERE id = 'victim' FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := s.Apply(ctx, bigSet(50, victim))
			done <- err
		}()

		var id int64
		deadline := time.Now().Add(20 * time.Second)
		for {
			err := other.QueryRow(findVictim).Scan(&id)
			if err == nil {
				break
			}
			if err != sql.ErrNoRows || time.Now().After(deadline) {
				t.Fatalf("finding the blocked Apply's connection: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := other.Exec(kill, id); err != nil {
			t.Fatalf("killing connection %d: %v", id, err)
		}
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("Apply succeeded although its connection was killed")
			}
			t.Logf("Apply on a killed connection: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("Apply did not return after its connection was killed")
		}
		blocker.Rollback()
		wantUnchanged(t, s, before, rev)
	})
}

// driverName is the database/sql driver the tests use for a dialect.
func driverName(d sqlstore.Dialect) string {
	switch d {
	case sqlstore.Postgres:
		return "pgx"
	case sqlstore.MySQL:
		return "mysql"
	}
	return "sqlite"
}

// openFaulty opens a store on a fresh database through faultdriver, which
// wraps the real driver.
func openFaulty(t testing.TB, db database, opts ...sqlstore.Option) (*sqlstore.Store, *faultdriver.Injector, string) {
	t.Helper()
	_, dsn, _ := db.open(t)
	real, err := sql.Open(driverName(db.dialect), dsn)
	if err != nil {
		t.Fatal(err)
	}
	real.Close() // only its driver is needed
	h, in := faultdriver.Open(real.Driver(), dsn)
	t.Cleanup(func() { h.Close() })
	s, err := sqlstore.New(context.Background(), h, db.dialect, opts...)
	if err != nil {
		t.Fatalf("sqlstore.New: %v", err)
	}
	return s, in, dsn
}

// TestStoreFaults runs the storetest fault suite: the real databases,
// behind a driver wrapper that loses connections and replies.
func TestStoreFaults(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		storetest.RunFaults(t, func(t *testing.T) (rbac.Store, *faultdriver.Injector) {
			s, in, _ := openFaulty(t, db, sqlstore.WithPollInterval(10*time.Millisecond))
			return s, in
		})
	})
}

// TestReadsRetryALostConnection: a follower's reads (Changes, Wait) whose
// connection is lost under a statement (killed, reset: not an error
// database/sql retries itself) are tried again at once on another
// connection, so that a replica does not fall behind for a lost
// connection while the server is up.
func TestReadsRetryALostConnection(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		s, in, _ := openFaulty(t, db)
		rev, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "u"})}})
		if err != nil {
			t.Fatal(err)
		}
		for _, read := range []struct {
			name string
			f    func() error
		}{
			{"Changes", func() error {
				log, err := s.Changes(ctx, 0)
				if err == nil && len(log) != int(rev) {
					return fmt.Errorf("%d sets, want %d", len(log), rev)
				}
				return err
			}},
			{"Wait", func() error { _, err := s.Wait(ctx, 0); return err }},
		} {
			var lost atomic.Int64
			in.SetRule(func(c faultdriver.Call) *faultdriver.Fault {
				if c.Op == faultdriver.OpQuery && lost.Add(1) == 1 {
					return &faultdriver.Fault{} // the connection is reset under the first query
				}
				return nil
			})
			err := read.f()
			in.SetRule(nil)
			if lost.Load() == 0 {
				t.Fatalf("%s made %d queries; the fault did not happen", read.name, lost.Load())
			}
			if err != nil {
				t.Errorf("%s after a lost connection: %v", read.name, err)
			}
		}
	})
}
