// Package pgxcopy lets sqlstore write an import's rows with PostgreSQL's
// COPY through pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib):
//
//	db, err := sql.Open("pgx", dsn)
//	store, err := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithCopy(pgxcopy.CopyFrom))
//
// It is a module of its own so that sqlstore imports no driver.
package pgxcopy

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyFrom is a sqlstore.CopyFunc: it copies rows into table in binary
// format on driverConn, which must be pgx's *stdlib.Conn; for any other
// connection it returns an error wrapping errors.ErrUnsupported, and
// sqlstore falls back to INSERTs. pgx encodes and sends the rows on one
// goroutine while the server reads them, so the rows are made while the
// server writes the ones before.
func CopyFrom(ctx context.Context, driverConn any, table string, columns []string, rows iter.Seq[[]any]) error {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("pgxcopy: a %T is not pgx's *stdlib.Conn: %w", driverConn, errors.ErrUnsupported)
	}
	next, stop := iter.Pull(rows)
	defer stop()
	_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil // the end
		}
		return row, nil
	}))
	return err
}
