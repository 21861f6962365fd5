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
// PostgreSQL's COPY is not used: database/sql does not reach it without
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

// insertRows inserts rows into table: full batches through one prepared
// multi-row statement, the remainder with one more statement.
func (s *Store) insertRows(ctx context.Context, q querier, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if s.dialect == SQLite && len(rows) >= bulkRows {
		restore, err := s.sqliteBigCache(ctx, q)
		if err != nil {
			return err
		}
		defer restore()
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
	args := make([]any, 0, min(len(rows), per)*len(cols))
	batch := func(rows [][]any) []any {
		args = args[:0]
		for _, r := range rows {
			args = append(args, r...)
		}
		return args
	}
	if p, ok := q.(preparer); ok && len(rows) >= 2*per {
		stmt, err := p.PrepareContext(ctx, statement(per))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for len(rows) >= per {
			if _, err := stmt.ExecContext(ctx, batch(rows[:per])...); err != nil {
				return err
			}
			rows = rows[per:]
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), per)
		if _, err := q.ExecContext(ctx, statement(n), batch(rows[:n])...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
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

// sortRecords orders records by key, the order of their tables' primary
// keys (byte order, as every dialect compares keys: SQLite's BINARY,
// utf8mb4_bin, PostgreSQL's "C" or close enough for locality).
func sortRecords(recs []record) {
	slices.SortFunc(recs, func(a, b record) int { return slices.Compare(a.key, b.key) })
}
