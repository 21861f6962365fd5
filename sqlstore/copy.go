package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"iter"
)

// CopyFunc writes rows into table with the database's own bulk path, such as
// PostgreSQL's COPY, inside the write transaction that calls it. driverConn
// is the driver's connection of that transaction, as sql.Conn.Raw passes it;
// rows yields each row's values in columns' order, and a row's slice is
// only valid until the next is asked for. A CopyFunc that does not handle
// driverConn returns an error wrapping errors.ErrUnsupported before writing
// anything: the rows are then written with INSERTs. Any other error fails
// the write (nothing is committed). sqlstore/pgxcopy has one for pgx.
type CopyFunc func(ctx context.Context, driverConn any, table string, columns []string, rows iter.Seq[[]any]) error

// WithCopy makes large writes (5,000 rows and more into one table: an
// import) go through copy instead of multi-row INSERTs. sqlstore imports no
// driver, so the caller passes one that reaches its driver's bulk path:
//
//	store, err := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithCopy(pgxcopy.CopyFrom))
//
// With WithCopy, PostgreSQL and MySQL write transactions are begun on a
// connection taken from the pool for the transaction (a *sql.Conn), so that
// copy can reach the driver's connection inside it.
func WithCopy(copy CopyFunc) Option { return func(s *Store) { s.copy = copy } }

// rawConn is a connection inside a write transaction that can hand its
// driver connection to a CopyFunc: a *sql.Conn (SQLite's transactions, begun
// by hand) or a connTx.
type rawConn interface {
	Raw(f func(driverConn any) error) error
}

// connTx is a database/sql transaction begun on a *sql.Conn, which reaches
// the driver connection the transaction runs on.
type connTx struct {
	*sql.Tx
	conn *sql.Conn
}

func (t connTx) Raw(f func(driverConn any) error) error { return t.conn.Raw(f) }

// copyRows writes n rows into table through s.copy, if it has one and it
// handles the connection; copied reports whether it did.
func (s *Store) copyRows(ctx context.Context, q querier, table string, cols []string, n int, row rowFunc) (copied bool, err error) {
	rc, ok := q.(rawConn)
	if s.copy == nil || !ok {
		return false, nil
	}
	rows := func(yield func([]any) bool) {
		var args []any
		for i := range n {
			args = row(i, args[:0])
			if !yield(args) {
				return
			}
		}
	}
	err = rc.Raw(func(driverConn any) error { return s.copy(ctx, driverConn, table, cols, rows) })
	if errors.Is(err, errors.ErrUnsupported) {
		return false, nil
	}
	return true, err
}
