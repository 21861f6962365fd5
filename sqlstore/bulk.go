package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Bulk writes: an import of a large policy is one change set of a hundred
// thousand entities and a million list rows. They are written with
// multi-row INSERTs prepared once per table and executed for every full
// batch, in key order (so that each B-tree grows at its end instead of
// splitting pages all over), and on SQLite with a page cache large enough
// that the transaction does not spill pages to the WAL and read them back.
// PostgreSQL's COPY is used when the caller passes a CopyFunc that reaches
// it (WithCopy, sqlstore/pgxcopy): database/sql does not reach it without
// importing a driver, and sqlstore imports none.

// rowsPerInsert is how many rows one INSERT carries: as many as the
// placeholder limit allows, up to maxRows; fewer on SQLite, where there is
// no round trip to save and a statement's parameters cost more the more
// there are: modernc.org/sqlite finds each parameter's argument by scanning
// the argument list, quadratic in the statement's parameters. About 256
// parameters per statement (36 seven-column rows) measured a third less CPU
// than 1,000 for an import of 30,000 users, and less than 64 or 128.
func (s *Store) rowsPerInsert(ncols int) int {
	if s.dialect == SQLite {
		return max(1, sqliteParamsPerInsert/ncols)
	}
	return max(1, min(maxRows, maxParams/ncols))
}

const sqliteParamsPerInsert = 256

// bulkRows is the size from which a write is treated as bulk.
const bulkRows = 5000

// sqliteBulkCacheKiB is the SQLite page cache given to a bulk write (the
// default is 2 MiB).
const sqliteBulkCacheKiB = 256 << 10

type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// rowFunc appends the values of row i of a bulk write to args, in column
// order.
type rowFunc func(i int, args []any) []any

// insertRows inserts rows into table.
func (s *Store) insertRows(ctx context.Context, q querier, table string, cols []string, rows [][]any) error {
	return s.insertRowsOf(ctx, q, table, cols, len(rows), func(i int, args []any) []any { return append(args, rows[i]...) })
}

// insertRowsOf inserts n rows into table, row i's values from row: full
// batches through one prepared multi-row statement, the remainder with one
// more statement. A bulk write builds each batch's arguments on another
// goroutine while the database executes the batch before.
func (s *Store) insertRowsOf(ctx context.Context, q querier, table string, cols []string, n int, row rowFunc) error {
	if n == 0 {
		return nil
	}
	if n >= bulkRows {
		if copied, err := s.copyRows(ctx, q, table, cols, n, row); copied || err != nil {
			return err
		}
	}
	if s.dialect == SQLite && n >= bulkRows {
		restore, err := s.sqliteBigCache(ctx, q)
		if err != nil {
			return err
		}
		defer restore()
	}
	if s.dialect == Postgres && n >= bulkRows {
		// PostgreSQL plans a prepared statement's first five executions
		// for their arguments: a thousand-row INSERT of JSON columns took
		// 35-55 ms to bind that way, 2 ms with the generic plan. SET
		// LOCAL ends with the transaction.
		if _, err := q.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
			return err
		}
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	tuple := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	statement := func(n int) string {
		var b strings.Builder
		b.Grow(len(head) + n*(len(tuple)+2))
		b.WriteString(head)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		return s.dialect.rebind(b.String())
	}
	per := s.rowsPerInsert(len(cols))
	next, done := batches(n, per, len(cols), row)
	defer done()
	if p, ok := q.(preparer); ok && n >= 2*per {
		stmt, err := p.PrepareContext(ctx, statement(per))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for ; n >= per; n -= per {
			if _, err := stmt.ExecContext(ctx, next()...); err != nil {
				return err
			}
		}
	}
	for n > 0 {
		args := next()
		rows := len(args) / len(cols)
		if _, err := q.ExecContext(ctx, statement(rows), args...); err != nil {
			return err
		}
		n -= rows
	}
	return nil
}

// batches returns the arguments of n rows in batches of per rows: next
// returns the next batch, whose slice is reused once next is called again
// (drivers do not keep arguments after a statement returns). A bulk write's
// batches are built on another goroutine, at most two ahead, so that
// building them (records, JSON lists) overlaps the database's work instead
// of preceding it. done stops the builder and waits for it; it must be
// called before row's data is changed or dropped.
func batches(n, per, ncols int, row rowFunc) (next func() []any, done func()) {
	if n < bulkRows {
		args := make([]any, 0, min(n, per)*ncols)
		i := 0
		return func() []any {
			args = args[:0]
			for end := min(n, i+per); i < end; i++ {
				args = row(i, args)
			}
			return args
		}, func() {}
	}
	const buffers = 3 // one executing, two built ahead
	free := make(chan []any, buffers)
	for range buffers {
		free <- make([]any, 0, per*ncols)
	}
	built := make(chan []any, buffers)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i := 0; i < n; {
			var args []any
			select {
			case args = <-free:
			case <-stop:
				return
			}
			args = args[:0]
			for end := min(n, i+per); i < end; i++ {
				args = row(i, args)
			}
			built <- args // never blocks: at most buffers are out
		}
	}()
	var last []any
	next = func() []any {
		if last != nil {
			free <- last // the statement that used it has returned
		}
		last = <-built
		return last
	}
	done = func() {
		close(stop)
		<-finished
	}
	return next, done
}

// sqliteBigCache enlarges the connection's page cache for a bulk write, so
// that the transaction does not spill pages to the WAL and read them back,
// and returns what puts it back.
func (s *Store) sqliteBigCache(ctx context.Context, q querier) (restore func(), err error) {
	var cache int64
	if err := q.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", sqliteBulkCacheKiB)); err != nil {
		return nil, err
	}
	return func() {
		// Best effort: the cache size only affects memory use.
		q.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d", cache))
	}, nil
}

// sortKeys orders split keys as their tables' primary keys are ordered
// (byte order, as every dialect compares keys: SQLite's BINARY,
// utf8mb4_bin, PostgreSQL's "C" or close enough for locality).
func sortKeys(keys [][]string) {
	slices.SortFunc(keys, slices.Compare[[]string])
}
