package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// ErrSchema is wrapped by the errors of Migrate and New when the database's
// schema is not one this build can use: newer than it knows, or an applied
// migration whose text was edited afterwards.
var ErrSchema = errors.New("schema mismatch")

// errorClass is what a driver error means to the store.
type errorClass int

const (
	classOther     errorClass = iota
	classExists               // unique or primary key violation
	classNotFound             // foreign key violation
	classInvalid              // a value the schema cannot hold
	classRetry                // serialization failure, deadlock, busy: the transaction was rolled back
	classClosed               // the database handle is closed
	classCancelled            // the context ended
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
func classify(d Dialect, err error) errorClass {
	switch {
	case err == nil:
		return classOther
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return classCancelled
	case errors.Is(err, sql.ErrConnDone), strings.Contains(err.Error(), "sql: database is closed"):
		return classClosed
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
		}
		return classOther
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
		}
	}
	return classOther
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

// wrap turns err into an *rbac.Error for op. Errors that are already
// *rbac.Error pass through; a done context or a closed store win over what
// the driver made of them; driver errors with a meaning get the matching
// sentinel, and keep the driver's error for errors.As.
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
		return &rbac.Error{Op: op, Err: ctx.Err()}
	}
	var sentinel error
	switch classify(s.dialect, err) {
	case classCancelled:
		return &rbac.Error{Op: op, Err: err}
	case classClosed:
		sentinel = rbac.ErrClosed
	case classExists:
		sentinel = rbac.ErrExists
	case classNotFound:
		sentinel = rbac.ErrNotFound
	case classInvalid:
		sentinel = rbac.ErrInvalid
	case classRetry:
		sentinel = rbac.ErrConflict
	default:
		return &rbac.Error{Op: op, Msg: "database error", Err: err}
	}
	return &rbac.Error{Op: op, Err: fmt.Errorf("%w: %w", sentinel, err)}
}
