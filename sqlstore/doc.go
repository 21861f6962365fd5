// Package sqlstore is an rbac.Store in a SQL database: SQLite, PostgreSQL,
// or MariaDB/MySQL, through database/sql. It imports no driver; the caller
// opens the *sql.DB with one and names its Dialect:
//
//	db, err := sql.Open("sqlite", "file:policy.db?_pragma=busy_timeout(5000)&_txlock=immediate") // modernc.org/sqlite
//	db, err := sql.Open("pgx", "postgres://app@db/app")                                        // github.com/jackc/pgx/v5/stdlib
//	db, err := sql.Open("mysql", "app@tcp(db:3306)/app")                                       // github.com/go-sql-driver/mysql
//	store, err := sqlstore.New(ctx, db, sqlstore.SQLite) // or sqlstore.Postgres, sqlstore.MySQL
//
// New migrates the schema (see Migrate). The tables are normalized and
// prefixed rbac_, so a DBA can query them: rbac_users, rbac_user_roles,
// rbac_roles, rbac_role_contains, rbac_role_grants and so on, one table per
// entity kind and one per list inside an entity, whose pos column keeps the
// list's order. Keys are case-sensitive on every database (utf8mb4_bin on
// MariaDB, COLLATE "C" on PostgreSQL) and Load returns each list sorted by
// key in byte order. Every value is passed as a placeholder.
//
// # Revisions and replicas
//
// Many Stores (one per replica of a service) can share a database. Every
// write transaction first bumps the one row of rbac_revision; that row lock
// serializes writers, so commit order is revision order and a follower
// reading "the revision is now n" has all of 1..n visible. (Identity or
// auto-increment columns do not have this property: their values are
// taken at insert but become visible at commit, out of order.) The change
// log (rbac_changes, rbac_change_items, with JSON before and after images,
// and rbac_change_kinds, each set's count of changes per kind) is written
// in the same transaction; Changes reads it, ReadHistory (rbac.HistoryReader)
// reads a page of it, Prune truncates it and records the horizon in
// rbac_revision.
//
// Wait polls the revision row (WithPollInterval, 50ms by default). On
// PostgreSQL, WithNotify makes Apply pg_notify a channel at commit, and
// WithListener lets a LISTEN connection wake Wait at once; the poll goes
// on as a safety net, since notifications are lost while disconnected.
//
// # Per database
//
// SQLite: Migrate switches the file to WAL once (doing it in every
// connection's DSN races at start-up). Write transactions begin with BEGIN
// IMMEDIATE on a dedicated connection, whose busy_timeout sqlstore sets
// (WithBusyTimeout): deferred transactions that later write fail with
// SQLITE_BUSY under contention instead of waiting. sqlstore therefore does
// not depend on the DSN, but the application's own transactions on the same
// file want _txlock=immediate and a busy timeout in the DSN, as above.
//
// PostgreSQL and MariaDB/MySQL: writes run at READ COMMITTED (the revision
// row already serializes them), reads (Load, Changes) in a read-only
// REPEATABLE READ snapshot. A transaction rolled back for a serialization
// failure or deadlock is retried a few times (WithRetries).
//
// # Errors
//
// Errors are *rbac.Error wrapping the rbac sentinels: a unique violation
// wraps rbac.ErrExists, a foreign key violation rbac.ErrNotFound, a value
// too long rbac.ErrInvalid, a closed database rbac.ErrClosed, a transaction
// still rolled back after the retries rbac.ErrConflict; the driver's error
// stays reachable with errors.As. Other database failures (the server is
// down) wrap the driver's error alone. Driver errors are recognised without
// importing drivers: by a SQLState() method (pgx, lib/pq), a Code() method
// (modernc.org/sqlite), or the "Error <number>" of MySQL's messages.
package sqlstore
