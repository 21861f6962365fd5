package integration

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/sqlstore/pgnotify"
)

func onlyPostgres(t *testing.T, db database) {
	if db.dialect != sqlstore.Postgres {
		t.Skipf("LISTEN/NOTIFY is PostgreSQL's; %s followers poll", db.name)
	}
}

// With an hour-long poll, only a notification can wake a follower: it
// must, also after its listening connection was killed.
func TestNotifyWakesFollowers(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		onlyPostgres(t, db)
		ctx := context.Background()
		_, dsn, _ := db.open(t)
		writer, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect, sqlstore.WithNotify("rbac_test"))
		if err != nil {
			t.Fatal(err)
		}
		defer writer.Close()
		follower, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect,
			sqlstore.WithPollInterval(time.Hour), sqlstore.WithListener(pgnotify.Listener(dsn, "rbac_test")))
		if err != nil {
			t.Fatal(err)
		}
		defer follower.Close()
		admin := db.connect(t, dsn)

		for round, breakFirst := range []bool{false, true, false} {
			if breakFirst {
				waitForListener(t, admin)
				if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"); err != nil {
					t.Fatal(err)
				}
			}
			waitForListener(t, admin)
			rev, err := writer.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "u"})}})
			if err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			got, err := follower.Wait(wctx, rev-1)
			cancel()
			if err != nil || got < rev {
				t.Fatalf("round %d (listener killed first: %v): Wait(%d) = %d, %v; want %d", round, breakFirst, rev-1, got, err, rev)
			}
		}
	})
}

// waitForListener waits until a LISTEN session is connected, so that the
// next notification is not lost.
func waitForListener(t *testing.T, admin *sql.DB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := admin.QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the listener did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkPropagation measures the delay from a commit on one replica to
// a Wait returning on another: polling every 50ms, and on PostgreSQL with
// LISTEN/NOTIFY and an hour-long poll.
func BenchmarkPropagation(b *testing.B) {
	for _, db := range databases() {
		modes := []struct {
			name string
			opts func(dsn string) []sqlstore.Option
		}{
			{"Poll50ms", func(string) []sqlstore.Option {
				return []sqlstore.Option{sqlstore.WithPollInterval(50 * time.Millisecond)}
			}},
		}
		if db.dialect == sqlstore.Postgres {
			modes = append(modes, struct {
				name string
				opts func(dsn string) []sqlstore.Option
			}{"Notify", func(dsn string) []sqlstore.Option {
				return []sqlstore.Option{sqlstore.WithPollInterval(time.Hour), sqlstore.WithListener(pgnotify.Listener(dsn, "rbac_bench"))}
			}})
		}
		for _, mode := range modes {
			b.Run(db.name+"/"+mode.name, func(b *testing.B) {
				if !db.available() {
					b.Skip("database not configured")
				}
				ctx := context.Background()
				_, dsn, _ := db.open(b)
				writer, err := sqlstore.New(ctx, db.connect(b, dsn), db.dialect, notifyOpt(db)...)
				if err != nil {
					b.Fatal(err)
				}
				defer writer.Close()
				follower, err := sqlstore.New(ctx, db.connect(b, dsn), db.dialect, mode.opts(dsn)...)
				if err != nil {
					b.Fatal(err)
				}
				defer follower.Close()
				time.Sleep(100 * time.Millisecond) // let a listener connect
				var total time.Duration
				for i := 0; b.Loop(); i++ {
					woke := make(chan time.Time, 1)
					go func(after rbac.Revision) {
						if _, err := follower.Wait(ctx, after); err != nil {
							b.Error(err)
						}
						woke <- time.Now()
					}(rbac.Revision(i))
					// The follower is waiting; commit at a random phase of its poll.
					time.Sleep(time.Millisecond + rand.N(50*time.Millisecond))
					if _, err := writer.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "u"})}}); err != nil {
						b.Fatal(err)
					}
					committed := time.Now()
					total += (<-woke).Sub(committed)
				}
				b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/delay")
			})
		}
	}
}

func notifyOpt(db database) []sqlstore.Option {
	if db.dialect == sqlstore.Postgres {
		return []sqlstore.Option{sqlstore.WithNotify("rbac_bench")}
	}
	return nil
}
