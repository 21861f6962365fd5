package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// ErrSchema is wrapped by the errors of Migrate and New when the database's
// schema is not one this build can use: newer than it knows, or an applied
// migration whose text was edited afterwards. It wraps rbac.ErrInvalid, so
// that such errors, like every other, wrap one rbac sentinel.
var ErrSchema error = schemaError{}

type schemaError struct{}

func (schemaError) Error() string { return "schema mismatch" }
func (schemaError) Unwrap() error { return rbac.ErrInvalid }

// ErrNotMigrated is wrapped by New's error (WithoutMigrate) when the
// database has none of the schema: it is new, or another program's. It
// wraps ErrSchema, so that errors.Is(err, ErrSchema) holds as well; a reader
// may take such a database for an empty store.
var ErrNotMigrated error = notMigratedError{}

type notMigratedError struct{}

func (notMigratedError) Error() string { return "not migrated" }
func (notMigratedError) Unwrap() error { return ErrSchema }

// missingTable reports whether err says that a table does not exist
// (SQLite's message, PostgreSQL's SQLSTATE 42P01, MySQL's error 1146).
func missingTable(d Dialect, err error) bool {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "42P01"
	}
	switch d {
	case SQLite:
		return strings.Contains(err.Error(), "no such table")
	case MySQL:
		return mysqlErrorNumber(err.Error()) == 1146
	}
	return false
}

// errorClass is what a driver error means to the store.
type errorClass int

const (
	classOther       errorClass = iota
	classExists                 // unique or primary key violation
	classNotFound               // foreign key violation
	classInvalid                // a value the schema cannot hold
	classRetry                  // serialization failure, deadlock, busy: the transaction was rolled back
	classClosed                 // the *sql.DB is closed
	classCancelled              // the context ended
	classUnavailable            // the connection was lost, killed or timed out; the server shuts down
)

// classify maps a driver error to a class without importing any driver:
//
//   - PostgreSQL (pgx's *pgconn.PgError and lib/pq's *pq.Error) expose
//     SQLState() string: 23505 unique, 23503 foreign key, 22001 too long,
//     40001 serialization failure, 40P01 deadlock.
//   - modernc.org/sqlite's *sqlite.Error exposes Code() int (the extended
//     result code): 1555/2067 unique, 787 foreign key, 5 busy, 6 locked; other
//     SQLite drivers are recognised by their message.
//   - go-sql-driver/mysql's *mysql.MySQLError has no method, but its message
//     starts "Error <number>": 1062 duplicate, 1451/1452 foreign key, 1406 too
//     long, 1213 deadlock, 1205 lock wait timeout.
//
// Lost connections are recognised by type (net.Error, driver.ErrBadConn,
// io.ErrUnexpectedEOF, sql.ErrConnDone), by SQLSTATE class 08 and 57P01-03
// (terminated by an administrator, crash, shutdown), by MySQL numbers
// (1053 shutdown, 1927 killed, 1317 interrupted, 2006 gone away, 2013 lost)
// and by the drivers' messages ("invalid connection", "bad connection",
// "conn closed", "broken pipe", "connection reset").
func classify(d Dialect, err error) errorClass {
	switch {
	case err == nil:
		return classOther
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return classCancelled
	case strings.Contains(err.Error(), "sql: database is closed"):
		return classClosed
	case errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return classUnavailable
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		switch code := st.SQLState(); {
		case code == "23505":
			return classExists
		case code == "23503":
			return classNotFound
		case code == "22001":
			return classInvalid
		case code == "40001", code == "40P01":
			return classRetry
		case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03", code == "57014", code == "55P03", code == "53300":
			return classUnavailable
		}
		return classOther
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return classUnavailable
	}
	if lostConnection(err.Error()) {
		return classUnavailable
	}
	msg := err.Error()
	switch d {
	case SQLite:
		var c interface{ Code() int }
		if errors.As(err, &c) {
			switch code := c.Code(); {
			case code == 1555 || code == 2067:
				return classExists
			case code == 787:
				return classNotFound
			case code&0xff == 5 || code&0xff == 6:
				return classRetry
			case code == 18:
				return classInvalid
			case code&0xff == 9: // SQLITE_INTERRUPT
				return classUnavailable
			}
			return classOther
		}
		switch {
		case strings.Contains(msg, "UNIQUE constraint failed"):
			return classExists
		case strings.Contains(msg, "FOREIGN KEY constraint failed"):
			return classNotFound
		case strings.Contains(msg, "database is locked"), strings.Contains(msg, "database table is locked"):
			return classRetry
		}
	case MySQL:
		switch mysqlErrorNumber(msg) {
		case 1062:
			return classExists
		case 1451, 1452:
			return classNotFound
		case 1406:
			return classInvalid
		case 1213, 1205:
			return classRetry
		case 1040, 1053, 1317, 1927, 2006, 2013:
			return classUnavailable
		}
	}
	return classOther
}

// lostConnection recognises the drivers' words for a connection that is
// gone (go-sql-driver/mysql's ErrInvalidConn, pgconn's closed connection,
// the operating system's resets).
func lostConnection(msg string) bool {
	for _, s := range []string{"invalid connection", "bad connection", "conn closed", "connection closed", "broken pipe", "connection reset", "connection refused", "unexpected EOF", "i/o timeout", "terminating connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// unreachable reports whether err says no connection could be made to the
// server (as opposed to one that was lost).
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "dial ") || strings.Contains(msg, "no such host")
}

// ctxError is the error of an operation whose context ended: it wraps
// rbac.ErrUnavailable (the same call with a live context may succeed) and
// the context's error.
func ctxError(ctx context.Context, op string) error {
	return &rbac.Error{Op: op, Err: fmt.Errorf("%w: %w", rbac.ErrUnavailable, context.Cause(ctx))}
}

// mysqlErrorNumber returns the number of a MySQL server error from its
// message ("Error 1062 (23000): Duplicate entry ..."), or 0.
func mysqlErrorNumber(msg string) int {
	i := strings.Index(msg, "Error ")
	if i < 0 {
		return 0
	}
	rest := msg[i+len("Error "):]
	j := 0
	for j < len(rest) && j < 5 && '0' <= rest[j] && rest[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(rest[:j])
	return n
}

// wrap turns err into an *rbac.Error for op, wrapping exactly one rbac
// sentinel and keeping the driver's error for errors.As. Errors that are
// already *rbac.Error pass through; a closed store or a done context win
// over what the driver made of them; driver errors with a meaning get the
// matching sentinel; whatever else the database said wraps
// rbac.ErrUnavailable (it did not do the work; it may if asked again).
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var re *rbac.Error
	if errors.As(err, &re) {
		return err
	}
	if s.isClosed() {
		return &rbac.Error{Op: op, Err: rbac.ErrClosed}
	}
	if ctx.Err() != nil {
		return ctxError(ctx, op)
	}
	var sentinel error
	msg := ""
	switch classify(s.dialect, err) {
	case classCancelled:
		sentinel = rbac.ErrUnavailable
	case classClosed:
		sentinel, msg = rbac.ErrClosed, "the database handle is closed"
	case classExists:
		sentinel = rbac.ErrExists
	case classNotFound:
		sentinel = rbac.ErrNotFound
	case classInvalid:
		sentinel = rbac.ErrInvalid
	case classRetry:
		sentinel, msg = rbac.ErrUnavailable, "rolled back by the database (serialization failure, deadlock or busy)"
		if op == "apply" || op == "prune" {
			msg = fmt.Sprintf("gave up after %d attempts, each rolled back by the database (serialization failure, deadlock or busy)", s.retries+1)
		}
	case classUnavailable:
		sentinel, msg = rbac.ErrUnavailable, "lost the database connection"
	default:
		sentinel, msg = rbac.ErrUnavailable, "database error"
	}
	return &rbac.Error{Op: op, Msg: msg, Err: fmt.Errorf("%w: %w", sentinel, err)}
}
