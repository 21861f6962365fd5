package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/rolegraph/rbac"
)

// Store is an rbac.Store in a SQL database. Many Stores, in many processes,
// may share one database: writers are serialized by the revision row, and
// each Store follows the others through Wait and Changes. A Store is safe
// for concurrent use. It does not own the *sql.DB: Close leaves it open.
type Store struct {
	db          *sql.DB
	dialect     Dialect
	migrate     bool
	poll        time.Duration
	busyTimeout time.Duration
	retries     int
	now         func() time.Time
	keepIDs     time.Duration
	notify      string // PostgreSQL channel to pg_notify on every commit
	listen      Listener
	copy        CopyFunc // bulk writes' rows, if set (WithCopy)

	closeOnce sync.Once
	closed    chan struct{}
	stop      context.CancelFunc
	listening sync.WaitGroup

	wakeMu sync.Mutex
	wake   chan struct{} // closed and replaced by every wake-up
}

var _ rbac.Store = (*Store)(nil)

// Listener delivers wake-ups from other writers, so that Wait returns
// sooner than the next poll: PostgreSQL LISTEN on a dedicated connection,
// say (the integration module has one for pgx). Listen runs until ctx ends,
// calling wake after every notification and after every (re)connection, as
// notifications sent while it was disconnected are lost. If Listen returns
// early, the Store calls it again after the poll interval. Polling goes on
// regardless: a Listener only shortens the wait.
type Listener interface {
	Listen(ctx context.Context, wake func()) error
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(ctx context.Context, wake func()) error

func (f ListenerFunc) Listen(ctx context.Context, wake func()) error { return f(ctx, wake) }

// Option configures a Store.
type Option func(*Store)

// WithoutMigrate makes New check that the schema is current instead of
// migrating it, for deployments that run Migrate as a separate step.
func WithoutMigrate() Option { return func(s *Store) { s.migrate = false } }

// WithPollInterval sets how often Wait reads the revision (default 50ms).
func WithPollInterval(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.poll = d
		}
	}
}

// WithBusyTimeout sets how long a SQLite statement waits for a lock held by
// another connection or process (default 5s). sqlstore sets it on each
// connection it uses, so the DSN need not.
func WithBusyTimeout(d time.Duration) Option { return func(s *Store) { s.busyTimeout = d } }

// WithRetries sets how many times Apply retries a transaction that the
// database rolled back for a serialization failure, a deadlock or (SQLite) a
// busy lock (default 5).
func WithRetries(n int) Option { return func(s *Store) { s.retries = max(0, n) } }

// DefaultIDRetention is how long Prune keeps the ID of a change set it
// drops, so that a retry within that time is still recognised.
const DefaultIDRetention = 24 * time.Hour

// WithIDRetention sets how long Prune keeps the IDs of the change sets it
// drops (DefaultIDRetention by default).
func WithIDRetention(d time.Duration) Option { return func(s *Store) { s.keepIDs = max(0, d) } }

// WithClock sets the function that stamps change sets whose Time is zero
// (time.Now by default).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithNotify makes Apply send pg_notify(channel, revision) inside its
// transaction (PostgreSQL only; delivered at commit), for Listeners of
// other Stores.
func WithNotify(channel string) Option { return func(s *Store) { s.notify = channel } }

// WithListener makes Wait wake on the listener's signals as well as on its
// poll.
func WithListener(l Listener) Option { return func(s *Store) { s.listen = l } }

// New returns a Store on db, which the caller opened with a driver for the
// dialect. It migrates the schema first (see Migrate) unless WithoutMigrate
// is given, in which case it only checks it.
func New(ctx context.Context, db *sql.DB, d Dialect, opts ...Option) (*Store, error) {
	if err := d.valid(); err != nil {
		return nil, &rbac.Error{Op: "open", Msg: err.Error(), Err: rbac.ErrInvalid}
	}
	s := &Store{
		db: db, dialect: d, migrate: true, poll: 50 * time.Millisecond, busyTimeout: 5 * time.Second,
		retries: 5, now: time.Now, keepIDs: DefaultIDRetention, closed: make(chan struct{}), wake: make(chan struct{}),
	}
	for _, opt := range opts {
		opt(s)
	}
	if s.notify != "" && d != Postgres {
		return nil, &rbac.Error{Op: "open", Msg: fmt.Sprintf("WithNotify needs PostgreSQL, not %s", d), Err: rbac.ErrInvalid}
	}
	var err error
	if s.migrate {
		err = Migrate(ctx, db, d)
	} else {
		err = checkSchema(ctx, db, d)
	}
	if err != nil {
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	if s.listen != nil {
		s.listening.Add(1)
		go s.runListener(bg)
	}
	return s, nil
}

// Close stops the Store: pending Waits and later calls return an error
// wrapping rbac.ErrClosed. It does not close the *sql.DB.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.stop()
		s.listening.Wait()
	})
	return nil
}

func (s *Store) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// enter returns the error an operation must fail with before it starts.
func (s *Store) enter(ctx context.Context, op string) error {
	if ctx.Err() != nil {
		return ctxError(ctx, op)
	}
	if s.isClosed() {
		return &rbac.Error{Op: op, Err: rbac.ErrClosed}
	}
	return nil
}

// inTx runs f in one transaction: a write transaction (serialized by the
// revision row, READ COMMITTED) or a read-only snapshot.
//
// The statements run under ctx, but the transaction itself does not: once
// COMMIT is sent, cancelling ctx must not change the outcome nor hide it
// (drivers may report a cancelled context for a COMMIT that succeeded). An
// error of the COMMIT itself comes back as a *commitError.
//
// SQLite transactions are begun by hand on a dedicated connection, with
// BEGIN IMMEDIATE for writes: a deferred transaction that later writes
// fails with SQLITE_BUSY under contention instead of waiting, whatever the
// driver's DSN says. PostgreSQL and MySQL use database/sql transactions.
func (s *Store) inTx(ctx context.Context, write bool, f func(q querier) error) error {
	if s.dialect == SQLite {
		return s.inSQLiteTx(ctx, write, f)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	if !write {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	// database/sql rolls a transaction back when its context ends, even
	// while COMMIT runs; the statements below still honour ctx.
	var q querier
	var tx *sql.Tx
	if write && s.copy != nil {
		// On a connection of its own, which a CopyFunc reaches with Raw.
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close() // after the transaction ends: back to the pool
		if tx, err = conn.BeginTx(context.WithoutCancel(ctx), opts); err != nil {
			return err
		}
		q = connTx{tx, conn}
	} else {
		var err error
		if tx, err = s.db.BeginTx(context.WithoutCancel(ctx), opts); err != nil {
			return err
		}
		q = tx
	}
	if err := f(q); err != nil {
		tx.Rollback()
		return err
	}
	if err := ctx.Err(); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return &commitError{err}
	}
	return nil
}

// commitError is an error of COMMIT: whether the transaction committed is
// not known, unless the database said it rolled back.
type commitError struct{ err error }

func (e *commitError) Error() string { return "commit: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

func (s *Store) inSQLiteTx(ctx context.Context, write bool, f func(q querier) error) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", s.busyTimeout.Milliseconds())); err != nil {
		return err
	}
	// Statement journals in memory: SQLite decides where they go when the
	// transaction begins, and a multi-row INSERT (sqlstore/bulk.go) journals
	// the pages it changes in case it fails halfway.
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return err
	}
	begin := "BEGIN"
	if write {
		begin = "BEGIN IMMEDIATE"
	}
	committing := false
	defer func() {
		if err == nil || committing {
			return
		}
		// The transaction may be gone already (an interrupted statement
		// rolls it back) or never begun (BEGIN itself failed, or reported
		// a cancelled context after it ran); if rolling back fails
		// otherwise, the connection must not go back to the pool inside a
		// transaction.
		_, rbErr := conn.ExecContext(context.Background(), "ROLLBACK")
		if rbErr != nil && !strings.Contains(rbErr.Error(), "no transaction is active") {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return err
	}
	if err := f(conn); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	committing = true
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		// A failed COMMIT may leave the transaction open (SQLITE_BUSY):
		// such a connection must not be reused.
		if _, rbErr := conn.ExecContext(context.Background(), "ROLLBACK"); rbErr != nil && !strings.Contains(rbErr.Error(), "no transaction is active") {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return &commitError{err}
	}
	return nil
}

// write runs f in a write transaction, retrying it (a bounded number of
// times, with jittered backoff) when the database rolled it back for a
// serialization failure or deadlock. f must be safe to run again.
func (s *Store) write(ctx context.Context, f func(q querier) error) error {
	for attempt := 0; ; attempt++ {
		err := s.inTx(ctx, true, f)
		if err == nil || attempt >= s.retries || classify(s.dialect, err) != classRetry || ctx.Err() != nil {
			return err
		}
		backoff := time.Duration(1+rand.IntN(5*(attempt+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// read runs the read-only f, and runs it again at once when it failed
// because its connection was lost (killed, reset, timed out) while the
// server itself is up: database/sql discards the dead connection, and
// once the pool's idle connections are used up (a server restart or an
// administrator's kill takes them all) it opens a fresh one. Reads are
// safe to repeat; waiting before the next try would only make a replica
// stale for longer. A server that cannot be reached (the connection
// refused) is left to the caller, which backs off.
func (s *Store) read(ctx context.Context, f func() error) error {
	tries := 0
	for {
		err := f()
		tries++
		if err == nil || ctx.Err() != nil || classify(s.dialect, err) != classUnavailable || unreachable(err) {
			return err
		}
		var re *rbac.Error
		if errors.As(err, &re) || tries > min(s.db.Stats().Idle+1, maxReadTries) {
			return err
		}
	}
}

// maxReadTries bounds read's tries after lost connections.
const maxReadTries = 16

// readRevision returns the current revision and the log's horizon.
func (s *Store) readRevision(ctx context.Context, q querier) (rev, horizon rbac.Revision, err error) {
	var r, h int64
	err = q.QueryRowContext(ctx, "SELECT rev, horizon FROM rbac_revision WHERE id = 1").Scan(&r, &h)
	if err == sql.ErrNoRows {
		return 0, 0, fmt.Errorf("the rbac_revision row is missing: the schema was not migrated")
	}
	return rbac.Revision(r), rbac.Revision(h), err
}
