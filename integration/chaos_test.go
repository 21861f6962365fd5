package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/sqlstore/pgnotify"
	"github.com/rolegraph/rbac/storetest"
	"github.com/rolegraph/rbac/storetest/faultdriver"
)

// chaosEnv sets how long the chaos runs per database (a Go duration;
// default 15s, which keeps CI short; the issue's own run was 60s; 20s in
// hard mode). RBAC_TEST_CHAOS_STRICT=1 also asserts the staleness targets,
// which a loaded machine may miss: by default they are only reported.
// RBAC_CHAOS_HARD=1 runs TestChaosHard (see there); CI does not.
const (
	chaosEnv       = "RBAC_TEST_CHAOS"
	chaosStrictEnv = "RBAC_TEST_CHAOS_STRICT"
	chaosHardEnv   = "RBAC_CHAOS_HARD"
)

func chaosDuration(t *testing.T, fallback time.Duration) time.Duration {
	if v := os.Getenv(chaosEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", chaosEnv, v, err)
		}
		return d
	}
	if testing.Short() {
		return 3 * time.Second
	}
	return fallback
}

// chaosConfig is how fierce a chaos run is.
type chaosConfig struct {
	replicas, writersPerReplica int
	// killEvery: at each kill every server session of every replica is
	// killed (PostgreSQL, MariaDB) or every replica's connections are
	// closed (SQLite); otherwise one session, or one replica's connections.
	killEvery bool
	notify    bool // PostgreSQL: LISTEN/NOTIFY wake-ups besides polling
	// maxStale is the bound on the worst staleness asserted in strict mode
	// (0: none).
	maxStale time.Duration
}

// TestChaos: 4 replicas with 2 writers each write through Authorizer.Apply
// while connections are killed every 20-200ms (PostgreSQL
// pg_terminate_backend, MariaDB KILL, SQLite: handles closed under the
// store by faultdriver and the write lock held from another handle) and a
// sixth of the writes have their context cancelled at a random moment.
// Every success must be stored exactly once, every definite failure not at
// all, every ErrUnknownOutcome must resolve by retrying with the same ID,
// every error must wrap one rbac sentinel, no write without Expect may fail
// with a conflict, AtLeast reads must see the write, and the replicas must
// converge. Staleness (how long after a write returned the other replicas
// had it) is reported.
func TestChaos(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		runChaos(t, db, chaosDuration(t, 15*time.Second), chaosConfig{replicas: 4, writersPerReplica: 2, notify: true})
	})
}

// TestChaosHard is TestChaos as fierce as issue 23's independent harness:
// 4 replicas with 8 writers each on one database, and at every kill (every
// 20-200ms) every connection of every replica killed; PostgreSQL both with
// and without LISTEN/NOTIFY. It runs only with RBAC_CHAOS_HARD=1 (20s per
// database unless RBAC_TEST_CHAOS says otherwise): five databases of it
// would take too much of CI's time. Besides the staleness figures it logs a
// trace of the slowest catch-up: what the replica that was late did with
// its store, and when, from a moment before the write returned until it
// held the write.
func TestChaosHard(t *testing.T) {
	if os.Getenv(chaosHardEnv) != "1" {
		t.Skipf("set %s=1 to run the hard chaos (20s per database)", chaosHardEnv)
	}
	hard := chaosConfig{replicas: 4, writersPerReplica: 8, killEvery: true, notify: true, maxStale: 500 * time.Millisecond}
	forEachDatabase(t, func(t *testing.T, db database) {
		d := chaosDuration(t, 20*time.Second)
		if db.dialect != sqlstore.Postgres {
			runChaos(t, db, d, hard)
			return
		}
		t.Run("notify", func(t *testing.T) { runChaos(t, db, d, hard) })
		poll := hard
		poll.notify = false
		t.Run("polling", func(t *testing.T) { runChaos(t, db, d, poll) })
	})
}

type chaosReplica struct {
	a     *rbac.Authorizer
	in    *faultdriver.Injector
	trace *traceStore
	mu    sync.Mutex
	saw   map[rbac.Revision]time.Time // when the snapshot first had each revision
}

type chaosOutcome struct {
	replica int
	cs      rbac.ChangeSet
	rev     rbac.Revision
	err     error
	at      time.Time // when Apply returned
}

func runChaos(t *testing.T, db database, d time.Duration, cfg chaosConfig) {
	ctx := context.Background()
	_, dsn, _ := db.open(t)
	app := fmt.Sprintf("rbacchaos%d_%d", os.Getpid(), dbSeq.Add(1))
	replicaDSN := dsn
	if db.dialect == sqlstore.Postgres {
		replicaDSN = withParam(t, dsn, "application_name", app)
	}
	real, err := sql.Open(driverName(db.dialect), replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	drv := real.Driver()
	real.Close()

	nReplicas, writersPerReplica := cfg.replicas, cfg.writersPerReplica
	replicas := make([]*chaosReplica, nReplicas)
	for i := range replicas {
		h, in := faultdriver.Open(drv, replicaDSN)
		h.SetMaxIdleConns(8) // database/sql keeps 2 by default: the follower, writers and readers need more
		t.Cleanup(func() { h.Close() })
		opts := []sqlstore.Option{sqlstore.WithPollInterval(10 * time.Millisecond)}
		if db.dialect == sqlstore.Postgres && cfg.notify {
			opts = append(opts, sqlstore.WithNotify(app), sqlstore.WithListener(pgnotify.Listener(replicaDSN, app)))
		}
		s, err := sqlstore.New(ctx, h, db.dialect, opts...)
		if err != nil {
			t.Fatalf("sqlstore.New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		tr := &traceStore{Store: s}
		a, err := rbac.New(ctx, tr, rbac.WithRetryDelay(100*time.Millisecond), rbac.WithHeartbeat(250*time.Millisecond))
		if err != nil {
			t.Fatalf("rbac.New: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		replicas[i] = &chaosReplica{a: a, in: in, trace: tr, saw: map[rbac.Revision]time.Time{}}
	}
	if _, err := replicas[0].a.Apply(ctx, rbac.ChangeSet{Actor: "chaos", Changes: basePolicy()}); err != nil {
		t.Fatal(err)
	}

	// Watch every replica's snapshot: when did it first hold each revision?
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	for _, r := range replicas {
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			last := r.a.Snapshot().Revision()
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-watchCtx.Done():
					return
				case <-tick.C:
				}
				now := time.Now()
				cur := r.a.Snapshot().Revision()
				r.mu.Lock()
				for rev := last + 1; rev <= cur; rev++ {
					r.saw[rev] = now
				}
				r.mu.Unlock()
				last = max(last, cur)
			}
		}()
	}
	defer func() { stopWatching(); watchers.Wait() }()

	// Stalls: when a 1ms sleep takes over 5ms, this process did not get a
	// core (a loaded machine) or the garbage collector stopped it.
	stalls := &traceStore{}
	go func() {
		for watchCtx.Err() == nil {
			start := time.Now()
			time.Sleep(time.Millisecond)
			if end := time.Now(); end.Sub(start) > 5*time.Millisecond {
				stalls.record(traceEvent{op: "stall", start: start, end: end})
			}
		}
	}()

	chaosCtx, stopChaos := context.WithTimeout(ctx, d)
	defer stopChaos()
	var kills atomic.Int64
	var killTimes []time.Time // written by the killer, read once it is done
	var killers sync.WaitGroup
	killers.Add(1)
	go func() {
		defer killers.Done()
		chaosKiller(t, chaosCtx, db, dsn, app, replicas, cfg.killEvery, &kills, &killTimes)
	}()

	var mu sync.Mutex
	var outcomes []chaosOutcome
	var atLeastChecks, atLeastFailures atomic.Int64
	var writers sync.WaitGroup
	for ri, r := range replicas {
		for w := range writersPerReplica {
			writers.Add(1)
			go func() {
				defer writers.Done()
				var mine []rbac.UserID // users this writer created, known committed
				for i := 0; chaosCtx.Err() == nil; i++ {
					id := fmt.Sprintf("r%d-w%d-%d", ri, w, i)
					change := rbac.PutUser(rbac.User{ID: rbac.UserID("u-" + id), Roles: []rbac.RoleID{"reader"}})
					deleting := len(mine) > 0 && rand.IntN(5) == 0
					if deleting {
						change = rbac.DeleteUser(mine[0])
					}
					cs := rbac.ChangeSet{ID: id, Actor: "chaos", Reason: "chaos", Changes: []rbac.Change{change}}
					actx, cancel := context.WithCancel(ctx)
					if rand.IntN(6) == 0 {
						time.AfterFunc(time.Duration(rand.IntN(3000))*time.Microsecond, cancel)
					}
					rev, err := r.a.Apply(actx, cs)
					cancel()
					mu.Lock()
					outcomes = append(outcomes, chaosOutcome{replica: ri, cs: cs, rev: rev, err: err, at: time.Now()})
					mu.Unlock()
					if err != nil {
						continue
					}
					if deleting {
						mine = mine[1:]
						continue
					}
					mine = append(mine, rbac.UserID("u-"+id))
					// Another replica reads its own request with AtLeast.
					other := replicas[rand.IntN(len(replicas))].a
					cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					dec, err := other.Check(cctx, rbac.Request{User: rbac.UserID("u-" + id), Permission: "doc.read", AtLeast: rev})
					cancel()
					atLeastChecks.Add(1)
					if err != nil || !dec.Allowed {
						atLeastFailures.Add(1)
						t.Errorf("Check AtLeast %d for u-%s on another replica: %v, %v", rev, id, dec, err)
					}
				}
			}()
		}
	}
	writers.Wait()
	stopChaos()
	killers.Wait()

	// Resolve what is unknown, by retrying with the same ID, now that the
	// chaos is over; then everything must be known.
	counts := map[string]int{}
	resolved := map[string]rbac.Revision{}
	for _, o := range outcomes {
		if msg := storetest.SentinelProblem(o.err); msg != "" {
			t.Errorf("Apply(%s): %s", o.cs.ID, msg)
			counts["no sentinel"]++
			continue
		}
		switch {
		case o.err == nil:
			counts["ok"]++
		case errors.Is(o.err, rbac.ErrUnknownOutcome):
			counts["unknown outcome"]++
			rev, err := replicas[o.replica].a.Apply(ctx, o.cs)
			if err != nil {
				t.Errorf("retrying %s after %v: %v", o.cs.ID, o.err, err)
				continue
			}
			resolved[o.cs.ID] = rev
		case errors.Is(o.err, rbac.ErrConflict):
			counts["conflict"]++
			t.Errorf("Apply(%s) without Expect failed with a conflict: %v", o.cs.ID, o.err)
		case errors.Is(o.err, rbac.ErrUnavailable):
			counts["unavailable"]++
			if errors.Is(o.err, context.Canceled) {
				counts["unavailable: cancelled"]++
			}
		default:
			counts[fmt.Sprintf("other: %v", sentinelOf(o.err))]++
			if !errors.Is(o.err, rbac.ErrNotFound) { // a delete of a user whose creation never committed cannot happen: mine holds committed ones
				t.Errorf("Apply(%s): %v", o.cs.ID, o.err)
			}
		}
	}

	// The log: every success once, at its revision; no definite failure.
	check, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	log, err := check.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]rbac.Revision{}
	for i, cs := range log {
		if cs.Revision != rbac.Revision(i+1) {
			t.Fatalf("the log has revision %d at position %d", cs.Revision, i)
		}
		if prev, dup := logged[cs.ID]; dup {
			t.Errorf("change set %q is logged twice, at %d and %d", cs.ID, prev, cs.Revision)
		}
		logged[cs.ID] = cs.Revision
	}
	for _, o := range outcomes {
		rev, ok := logged[o.cs.ID]
		switch {
		case o.err == nil && (!ok || rev != o.rev):
			t.Errorf("Apply(%s) succeeded at %d; the log has it at %d (logged: %v)", o.cs.ID, o.rev, rev, ok)
		case errors.Is(o.err, rbac.ErrUnknownOutcome):
			if r, done := resolved[o.cs.ID]; done && (!ok || r != rev) {
				t.Errorf("Apply(%s) resolved at %d; the log has it at %d (logged: %v)", o.cs.ID, r, rev, ok)
			}
		case o.err != nil && ok:
			t.Errorf("Apply(%s) failed with %v, which says nothing was written, but the log has it at %d", o.cs.ID, o.err, rev)
		}
	}

	// The replicas converge on the database's state.
	want, wantRev, err := check.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range replicas {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := r.a.Check(wctx, rbac.Request{User: "nobody", Permission: "doc.read", AtLeast: wantRev})
		cancel()
		if err != nil {
			t.Errorf("replica %d never reached revision %d: %v", i, wantRev, err)
			continue
		}
		got, rev := r.a.Policy()
		if rev != wantRev {
			t.Errorf("replica %d at %d, want %d", i, rev, wantRev)
		}
		if d := cmp.Diff(sortedPolicy(want), sortedPolicy(got), cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
			t.Errorf("replica %d differs from the database (-db +replica):\n%s", i, d)
		}
	}

	// Staleness: for each success, how long after Apply returned did each
	// other replica hold the revision.
	time.Sleep(5 * time.Millisecond) // let the watchers see the last revisions
	var stale []time.Duration
	var slowest struct {
		o       chaosOutcome
		replica int
		seen    time.Time
		stale   time.Duration
	}
	for _, o := range outcomes {
		if o.err != nil {
			continue
		}
		for ri, r := range replicas {
			if ri == o.replica {
				continue
			}
			r.mu.Lock()
			seen, ok := r.saw[o.rev]
			r.mu.Unlock()
			if !ok {
				continue
			}
			s := max(0, seen.Sub(o.at))
			stale = append(stale, s)
			if s > slowest.stale {
				slowest.o, slowest.replica, slowest.seen, slowest.stale = o, ri, seen, s
			}
		}
	}
	slices.Sort(stale)
	calls, faults := int64(0), int64(0)
	for _, r := range replicas {
		c, f := r.in.Stats()
		calls, faults = calls+c, faults+f
	}
	t.Logf("%v of chaos on %s: %d writes (%v), %d connection kills, %d driver calls with %d faults; %d AtLeast checks, %d failed; revision %d",
		d, db.name, len(outcomes), counts, kills.Load(), calls, faults, atLeastChecks.Load(), atLeastFailures.Load(), wantRev)
	if len(stale) == 0 {
		t.Fatal("no successful write: the chaos test tested nothing")
	}
	p50, p99, worst := stale[len(stale)/2], stale[len(stale)*99/100], stale[len(stale)-1]
	t.Logf("staleness on %s over %d observations: p50 %v, p99 %v, max %v", db.name, len(stale), p50.Round(time.Microsecond), p99.Round(time.Microsecond), worst.Round(time.Microsecond))
	if slowest.stale > 0 {
		from := slowest.o.at.Add(-20 * time.Millisecond)
		t.Logf("the slowest catch-up: replica %d held revision %d (written by replica %d) %v after Apply returned; its store calls from 20ms before (t=0: Apply returned):\n%s",
			slowest.replica, slowest.o.rev, slowest.o.replica, slowest.stale.Round(time.Microsecond),
			replicas[slowest.replica].trace.format(from, slowest.seen.Add(time.Millisecond), slowest.o.at, killTimes, stalls.events))
	}
	if counts["ok"] == 0 || kills.Load() == 0 {
		t.Errorf("the chaos did not bite: %d successes, %d kills", counts["ok"], kills.Load())
	}
	if os.Getenv(chaosStrictEnv) == "1" {
		target := 50 * time.Millisecond
		if db.dialect == sqlstore.SQLite {
			target = 100 * time.Millisecond
		}
		if p99 > target {
			t.Errorf("staleness p99 %v on %s, target %v", p99, db.name, target)
		}
		if cfg.maxStale > 0 && worst > cfg.maxStale {
			t.Errorf("staleness max %v on %s, target under %v", worst, db.name, cfg.maxStale)
		}
	}
}

// chaosKiller kills a connection every 20-200ms until ctx ends: on
// PostgreSQL and MariaDB one of the replicas' server sessions (listeners
// included) chosen at random, on SQLite every connection of one replica,
// then it holds the write lock from another handle for up to 30ms.
func chaosKiller(t *testing.T, ctx context.Context, db database, dsn, app string, replicas []*chaosReplica, every bool, kills *atomic.Int64, times *[]time.Time) {
	admin := db.connect(t, dsn)
	var holder *sql.DB
	if db.dialect == sqlstore.SQLite {
		holder = db.connect(t, dsn)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(20+rand.IntN(180)) * time.Millisecond):
		}
		*times = append(*times, time.Now())
		switch db.dialect {
		case sqlstore.Postgres:
			victims := "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() ORDER BY random() LIMIT 1"
			if every {
				victims = "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()"
			}
			var n int64
			err := admin.QueryRowContext(ctx, "SELECT count(pg_terminate_backend(pid)) FROM ("+victims+") victim", app).Scan(&n)
			if err == nil {
				kills.Add(n)
			}
		case sqlstore.MySQL:
			conn, err := admin.Conn(ctx)
			if err != nil {
				continue
			}
			rows, err := conn.QueryContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")
			var ids []int64
			for err == nil && rows.Next() {
				var id int64
				if rows.Scan(&id) == nil {
					ids = append(ids, id)
				}
			}
			if rows != nil {
				rows.Close()
			}
			if len(ids) > 0 && !every {
				ids = []int64{ids[rand.IntN(len(ids))]}
			}
			for _, id := range ids {
				if _, err := conn.ExecContext(ctx, fmt.Sprintf("KILL %d", id)); err == nil {
					kills.Add(1)
				}
			}
			conn.Close()
		case sqlstore.SQLite:
			// Close a replica's connections under it, and hold the write
			// lock from another handle for a while.
			if every {
				for _, r := range replicas {
					r.in.KillAll()
				}
				kills.Add(int64(len(replicas)))
			} else {
				replicas[rand.IntN(len(replicas))].in.KillAll()
				kills.Add(1)
			}
			conn, err := holder.Conn(ctx)
			if err != nil {
				continue
			}
			if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err == nil {
				time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
				conn.ExecContext(context.Background(), "ROLLBACK")
			}
			conn.Close()
		}
	}
}

func sentinelOf(err error) error {
	for _, s := range rbac.Sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// withParam adds a query parameter to a URL-form DSN.
func withParam(t *testing.T, dsn, key, value string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + key + "=" + value
	}
	return dsn + "?" + key + "=" + value
}

// sortedPolicy sorts the lists of a policy by key, for comparison.
func sortedPolicy(p *rbac.Policy) *rbac.Policy {
	q := p.Clone()
	q.Tests = nil
	sortEntities(q.AccountTypes)
	sortEntities(q.Permissions)
	sortEntities(q.Roles)
	sortEntities(q.Groups)
	sortEntities(q.Workgroups)
	sortEntities(q.Users)
	sortEntities(q.Constraints)
	sortEntities(q.OwnershipRules)
	sortEntities(q.Ownerships)
	return q
}

func sortEntities[E rbac.Entity](list []E) {
	slices.SortStableFunc(list, func(a, b E) int { return strings.Compare(a.EntityKey(), b.EntityKey()) })
}

// traceStore records every Wait and Changes call an authorizer makes on its
// store (when it began, how long it took, what it returned), so that a slow
// catch-up can be explained afterwards.
type traceStore struct {
	rbac.Store
	mu     sync.Mutex
	events []traceEvent
}

type traceEvent struct {
	op         string
	start, end time.Time
	after      rbac.Revision
	result     string
	err        error
}

func (s *traceStore) record(e traceEvent) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *traceStore) Wait(ctx context.Context, after rbac.Revision) (rbac.Revision, error) {
	start := time.Now()
	rev, err := s.Store.Wait(ctx, after)
	s.record(traceEvent{op: "wait", start: start, end: time.Now(), after: after, result: fmt.Sprintf("revision %d", rev), err: err})
	return rev, err
}

func (s *traceStore) Apply(ctx context.Context, cs rbac.ChangeSet) (rbac.Revision, error) {
	start := time.Now()
	rev, err := s.Store.Apply(ctx, cs)
	s.record(traceEvent{op: "apply", start: start, end: time.Now(), after: cs.Expect, result: fmt.Sprintf("revision %d", rev), err: err})
	return rev, err
}

func (s *traceStore) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	start := time.Now()
	sets, err := s.Store.Changes(ctx, after)
	result := fmt.Sprintf("%d sets", len(sets))
	if len(sets) > 0 {
		result += fmt.Sprintf(", to %d", sets[len(sets)-1].Revision)
	}
	s.record(traceEvent{op: "changes", start: start, end: time.Now(), after: after, result: result, err: err})
	return sets, err
}

// format lists the calls that overlap [from, to], with times relative to
// zero, and the kills and stalls in that span.
func (s *traceStore) format(from, to, zero time.Time, kills []time.Time, stalls []traceEvent) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := func(t time.Time) string { return fmt.Sprintf("%+8.1fms", float64(t.Sub(zero).Microseconds())/1000) }
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, e := range s.events {
		if e.end.Before(from) || e.start.After(to) {
			continue
		}
		text := fmt.Sprintf("%s .. %s  %-7s after %d: %s", ms(e.start), ms(e.end), e.op, e.after, e.result)
		if e.err != nil {
			text = fmt.Sprintf("%s .. %s  %-7s after %d: error %v", ms(e.start), ms(e.end), e.op, e.after, e.err)
		}
		lines = append(lines, line{e.start, text})
	}
	for _, e := range stalls {
		if !e.end.Before(from) && !e.start.After(to) {
			lines = append(lines, line{e.start, fmt.Sprintf("%s .. %s  stall: a 1ms sleep took %v", ms(e.start), ms(e.end), e.end.Sub(e.start).Round(100*time.Microsecond))})
		}
	}
	for _, k := range kills {
		if !k.Before(from) && !k.After(to) {
			lines = append(lines, line{k, fmt.Sprintf("%s              connections killed", ms(k))})
		}
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\t" + l.text + "\n")
	}
	return b.String()
}
