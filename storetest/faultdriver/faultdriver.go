// Package faultdriver wraps a real database/sql driver and injects faults
// into its calls: a connection lost before a statement runs, or after it ran
// (the reply lost: the classic ambiguous COMMIT), and connections killed as
// an administrator would. It imports no driver: wrap the one the program
// uses (db.Driver() of a *sql.DB opened the usual way), so that the database
// under test is real and only the failures are made.
//
//	real, _ := sql.Open("pgx", dsn)
//	db, inj := faultdriver.Open(real.Driver(), dsn)
//	inj.SetRule(func(c faultdriver.Call) *faultdriver.Fault {
//		if c.Op == faultdriver.OpCommit {
//			return &faultdriver.Fault{After: true} // commit, then lose the reply
//		}
//		return nil
//	})
//
// The storetest package uses it to check that stores on database/sql give
// honest errors under faults (storetest.RunFaults).
package faultdriver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Op is the kind of a driver call.
type Op int

const (
	OpBegin    Op = iota + 1 // starting a transaction
	OpExec                   // a statement without rows (COMMIT and ROLLBACK sent as statements are OpCommit and OpRollback)
	OpQuery                  // a statement with rows
	OpCommit                 // committing: Tx.Commit, or a "COMMIT" statement
	OpRollback               // rolling back: Tx.Rollback, or a "ROLLBACK" statement
)

func (o Op) String() string {
	switch o {
	case OpBegin:
		return "begin"
	case OpExec:
		return "exec"
	case OpQuery:
		return "query"
	case OpCommit:
		return "commit"
	case OpRollback:
		return "rollback"
	}
	return "unknown"
}

// Call describes a driver call about to be made.
type Call struct {
	Op    Op
	Query string // the statement, for OpExec, OpQuery and statements that commit or roll back
}

// Fault is what happens to a call instead of (or after) running it.
type Fault struct {
	// After runs the call on the real connection first and then fails it:
	// the work was done but the caller cannot know. Otherwise the call
	// does not reach the database.
	After bool
	// Err is the error returned; nil means ErrConnLost. The connection is
	// closed either way, as it would be after a network failure, and
	// database/sql discards it.
	Err error
}

// ErrConnLost is the default injected error: a TCP connection reset, which
// is what a client sees when its server connection is killed.
var ErrConnLost error = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

// Rule decides the fate of a call: nil lets it run.
type Rule func(c Call) *Fault

// Injector controls the faults of the connections of one wrapped driver.
// It is safe for concurrent use.
type Injector struct {
	rule   atomic.Pointer[Rule]
	epoch  atomic.Int64 // KillAll increments it: older connections are dead
	calls  atomic.Int64
	faults atomic.Int64
}

// SetRule installs r (nil: no faults) for every later call.
func (in *Injector) SetRule(r Rule) {
	if r == nil {
		in.rule.Store(nil)
		return
	}
	in.rule.Store(&r)
}

// KillAll kills every connection open now, as pg_terminate_backend or
// MySQL's KILL would: the next call on each fails with ErrConnLost before it
// reaches the database (an open transaction there is rolled back when the
// real connection closes), except a COMMIT, which fails after it ran in
// every other kill, so that both outcomes of a killed COMMIT happen.
func (in *Injector) KillAll() { in.epoch.Add(1) }

// Stats returns how many calls were made and how many were failed.
func (in *Injector) Stats() (calls, faults int64) { return in.calls.Load(), in.faults.Load() }

// Open returns a *sql.DB whose connections are drv's, opened with dsn, and
// the Injector that controls their faults.
func Open(drv driver.Driver, dsn string) (*sql.DB, *Injector) {
	in := &Injector{}
	var c driver.Connector
	if dc, ok := drv.(driver.DriverContext); ok {
		if real, err := dc.OpenConnector(dsn); err == nil {
			c = real
		}
	}
	if c == nil {
		c = dsnConnector{drv, dsn}
	}
	return sql.OpenDB(&connector{real: c, drv: drv, in: in}), in
}

type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

type connector struct {
	real driver.Connector
	drv  driver.Driver
	in   *Injector
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	real, err := c.real.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{real: real, in: c.in, epoch: c.in.epoch.Load()}, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// conn wraps a real connection. database/sql never uses a connection from
// two goroutines at once, so its fields need no lock beyond the atomics.
type conn struct {
	real  driver.Conn
	in    *Injector
	epoch int64
	dead  atomic.Bool
	once  sync.Once
}

// fault returns the fault for the call, if any: a killed connection first,
// then the rule.
func (c *conn) fault(call Call) *Fault {
	c.in.calls.Add(1)
	if c.dead.Load() {
		return &Fault{Err: driver.ErrBadConn}
	}
	if c.in.epoch.Load() != c.epoch {
		c.in.faults.Add(1)
		return &Fault{After: call.Op == OpCommit && c.in.faults.Load()%2 == 0}
	}
	if p := c.in.rule.Load(); p != nil {
		if f := (*p)(call); f != nil {
			c.in.faults.Add(1)
			return f
		}
	}
	return nil
}

// fail closes the real connection (as a network failure would) and returns
// the fault's error.
func (c *conn) fail(f *Fault) error {
	c.dead.Store(true)
	c.once.Do(func() { c.real.Close() })
	if f.Err != nil {
		return f.Err
	}
	return ErrConnLost
}

// run makes a call under the fault rules. A fault after the call is
// returned as a *lateFault, which the caller turns into the fault's error
// once it has released what the call returned (rows must be closed before
// their connection).
func (c *conn) run(call Call, f func() error) error {
	flt := c.fault(call)
	if flt != nil && !flt.After {
		return c.fail(flt)
	}
	err := f()
	if flt != nil {
		if err == nil {
			return &lateFault{flt}
		}
		return c.fail(flt)
	}
	return err
}

type lateFault struct{ f *Fault }

func (l *lateFault) Error() string { return "faultdriver: late fault" }

// late turns a late fault into its error.
func (c *conn) late(err error) error {
	if l, ok := err.(*lateFault); ok {
		return c.fail(l.f)
	}
	return err
}

// rowsOrNot returns the rows of a query, or closes them and fails.
func (c *conn) rowsOrNot(rows driver.Rows, err error) (driver.Rows, error) {
	if err == nil {
		return rows, nil
	}
	if _, ok := err.(*lateFault); ok && rows != nil {
		rows.Close()
	}
	return nil, c.late(err)
}

func opOf(query string, op Op) Op {
	switch q := strings.ToUpper(strings.TrimSpace(query)); {
	case q == "COMMIT", strings.HasPrefix(q, "COMMIT "), q == "END":
		return OpCommit
	case q == "ROLLBACK", strings.HasPrefix(q, "ROLLBACK "):
		return OpRollback
	case strings.HasPrefix(q, "BEGIN"), strings.HasPrefix(q, "START TRANSACTION"):
		return OpBegin
	}
	return op
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.dead.Load() {
		return nil, driver.ErrBadConn
	}
	var s driver.Stmt
	var err error
	if p, ok := c.real.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		s, err = c.real.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &stmt{real: s, c: c, query: query}, nil
}

func (c *conn) Close() error {
	var err error
	c.once.Do(func() { err = c.real.Close() })
	return err
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var tx driver.Tx
	err := c.run(Call{Op: OpBegin}, func() error {
		var err error
		if b, ok := c.real.(driver.ConnBeginTx); ok {
			tx, err = b.BeginTx(ctx, opts)
		} else {
			//lint:ignore SA1019 the driver has nothing better
			tx, err = c.real.Begin()
		}
		return err
	})
	if err != nil {
		if _, ok := err.(*lateFault); ok && tx != nil {
			tx.Rollback()
		}
		return nil, c.late(err)
	}
	return &txn{real: tx, c: c}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.real.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	var res driver.Result
	err := c.run(Call{Op: opOf(query, OpExec), Query: query}, func() error {
		var err error
		res, err = e.ExecContext(ctx, query, args)
		return err
	})
	return res, c.late(err)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.real.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	var rows driver.Rows
	err := c.run(Call{Op: OpQuery, Query: query}, func() error {
		var err error
		rows, err = q.QueryContext(ctx, query, args)
		return err
	})
	return c.rowsOrNot(rows, err)
}

func (c *conn) Ping(ctx context.Context) error {
	if c.dead.Load() {
		return driver.ErrBadConn
	}
	if p, ok := c.real.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if c.dead.Load() || c.in.epoch.Load() != c.epoch {
		return driver.ErrBadConn
	}
	if r, ok := c.real.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if c.dead.Load() {
		return false
	}
	if v, ok := c.real.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.real.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type txn struct {
	real driver.Tx
	c    *conn
}

func (t *txn) Commit() error {
	return t.c.late(t.c.run(Call{Op: OpCommit}, t.real.Commit))
}

func (t *txn) Rollback() error {
	if t.c.dead.Load() {
		return driver.ErrBadConn
	}
	return t.c.late(t.c.run(Call{Op: OpRollback}, t.real.Rollback))
}

type stmt struct {
	real  driver.Stmt
	c     *conn
	query string
}

func (s *stmt) Close() error  { return s.real.Close() }
func (s *stmt) NumInput() int { return s.real.NumInput() }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	var res driver.Result
	err := s.c.run(Call{Op: opOf(s.query, OpExec), Query: s.query}, func() error {
		var err error
		//lint:ignore SA1019 for drivers without ExecContext
		res, err = s.real.Exec(args)
		return err
	})
	return res, s.c.late(err)
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	var rows driver.Rows
	err := s.c.run(Call{Op: OpQuery, Query: s.query}, func() error {
		var err error
		//lint:ignore SA1019 for drivers without QueryContext
		rows, err = s.real.Query(args)
		return err
	})
	return rows, err
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.real.(driver.StmtExecContext)
	if !ok {
		return s.Exec(values(args))
	}
	var res driver.Result
	err := s.c.run(Call{Op: opOf(s.query, OpExec), Query: s.query}, func() error {
		var err error
		res, err = e.ExecContext(ctx, args)
		return err
	})
	return res, s.c.late(err)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.real.(driver.StmtQueryContext)
	if !ok {
		return s.Query(values(args))
	}
	var rows driver.Rows
	err := s.c.run(Call{Op: OpQuery, Query: s.query}, func() error {
		var err error
		rows, err = q.QueryContext(ctx, args)
		return err
	})
	return s.c.rowsOrNot(rows, err)
}

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.real.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
