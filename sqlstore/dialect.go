package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect names the SQL database behind a *sql.DB. sqlstore imports no
// driver: the caller opens the database with the driver of their choice and
// says which dialect it speaks.
type Dialect int

const (
	// SQLite, tested with modernc.org/sqlite (pure Go). Write transactions
	// begin with BEGIN IMMEDIATE on a dedicated connection whose busy_timeout
	// sqlstore sets itself (WithBusyTimeout), so the DSN needs nothing
	// special; WAL is switched on once, by Migrate.
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL, tested with github.com/jackc/pgx/v5/stdlib.
	Postgres
	// MySQL is MariaDB or MySQL, tested on MariaDB with
	// github.com/go-sql-driver/mysql. Tables use utf8mb4_bin so that keys
	// are case-sensitive.
	MySQL
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

func (d Dialect) valid() error {
	if d < SQLite || d > MySQL {
		return fmt.Errorf("unknown dialect %d; use sqlstore.SQLite, sqlstore.Postgres or sqlstore.MySQL", int(d))
	}
	return nil
}

// rebind rewrites the ? placeholders of q into the dialect's: $1, $2... on
// PostgreSQL. The queries of this package never hold a literal '?'.
func (d Dialect) rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// maxParams bounds the placeholders of one statement, below every dialect's
// limit (SQLite 32766, PostgreSQL and MySQL 65535).
const maxParams = 30000

// maxRows bounds the rows of one multi-row INSERT or the keys of one IN
// list, so statements stay small enough for any packet size.
const maxRows = 1000
