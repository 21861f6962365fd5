// Package sqlstore is an rbac.Store in a SQL database: SQLite, PostgreSQL,
// or MariaDB/MySQL, through database/sql. It imports no driver; the caller
// opens the *sql.DB with one and names its Dialect:
//
//	db, err := sql.Open("sqlite", "file:policy.db?_pragma=busy_timeout(5000)&_txlock=immediate") // modernc.org/sqlite
//	db, err := sql.Open("pgx", "postgres://app@db/app")                                        // github.com/jackc/pgx/v5/stdlib
//	db, err := sql.Open("mysql", "app@tcp(db:3306)/app")                                       // github.com/go-sql-driver/mysql
//	store, err := sqlstore.New(ctx, db, sqlstore.SQLite) // or sqlstore.Postgres, sqlstore.MySQL
//
// New migrates the schema (see Migrate). The tables are prefixed rbac_, one
// per entity kind, so a DBA can query them: rbac_users, rbac_roles,
// rbac_groups and so on. Keys are case-sensitive on every database
// (utf8mb4_bin on MariaDB, COLLATE "C" on PostgreSQL) and Load returns each
// list sorted by key in byte order. Every value is passed as a placeholder.
//
// # Lists inside an entity
//
// Since schema 5 the lists inside an entity are JSON arrays in columns of
// its row, in order: rbac_users.role_ids, group_ids and workgroup_ids;
// rbac_groups.role_ids and manager_ids; rbac_roles.account_types,
// contains_ids and grants (an array of [permission, scope] pairs, scope ""
// for none); rbac_account_types.default_role_ids; rbac_permissions.requires;
// rbac_constraints.role_ids. One row per user instead of one per
// membership makes an import of 100,000 users with ten roles each write a
// tenth of the rows (migration 0005 moved the old list tables' rows there).
// The columns are JSONB on PostgreSQL, JSON on MariaDB/MySQL, TEXT holding
// JSON on SQLite. Who holds role "admin" directly:
//
//	SELECT u.id FROM rbac_users u, json_each(u.role_ids) r WHERE r.value = 'admin'     -- SQLite
//	SELECT id FROM rbac_users WHERE role_ids ? 'admin'                                 -- PostgreSQL
//	SELECT id FROM rbac_users WHERE JSON_CONTAINS(role_ids, JSON_QUOTE('admin'))      -- MariaDB, MySQL
//
// and one row per membership, with its position, as the old table had:
//
//	SELECT u.id, r.key, r.value FROM rbac_users u, json_each(u.role_ids) r                                          -- SQLite
//	SELECT u.id, r.pos - 1, r.role_id FROM rbac_users u, jsonb_array_elements_text(u.role_ids) WITH ORDINALITY r(role_id, pos) -- PostgreSQL
//	SELECT u.id, r.pos - 1, r.role_id FROM rbac_users u, JSON_TABLE(u.role_ids, '$[*]' COLUMNS (pos FOR ORDINALITY, role_id VARCHAR(128) PATH '$')) r -- MariaDB 10.6+, MySQL 8
//
// These scan every user: there is no index by role (on PostgreSQL a GIN
// index on role_ids serves the ? query, at a cost to every write). Only
// sqlstore should write the columns: it reads them back strictly, and a
// value that is not an array of strings fails the load.
//
// Two lists keep tables of their own, with a pos column: ownership owners
// (rbac_ownership_owners, which sqlfilter joins to the application's
// tables) and an ownership rule's create permission
// (rbac_ownership_rule_create, zero or one row per rule).
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
// in the same transaction, which is what keeps a set's changes with it:
// since schema 7, rbac_change_items has no foreign key to rbac_changes (it
// cost a check and a lock per logged change). Changes reads the log,
// ReadHistory (rbac.HistoryReader) reads a page of it, Prune truncates it
// (the changes before their sets) and records the horizon in rbac_revision.
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
// # Large writes
//
// A change set of 5,000 changes or more (an import) is written in key
// order with multi-row INSERTs prepared once per table, each batch's rows
// made while the database executes the batch before (on PostgreSQL with
// generic plans for the rest of the transaction: planning each of the
// first five executions for its thousand rows cost more than running
// them; on SQLite with a larger page cache for the write). With
// WithCopy(pgxcopy.CopyFrom) (the module github.com/rolegraph/rbac/sqlstore/pgxcopy,
// for pgx's database/sql driver) they go through PostgreSQL's COPY instead,
// inside the same transaction:
//
//	db, err := sql.Open("pgx", dsn)
//	store, err := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithCopy(pgxcopy.CopyFrom))
//
// The data, the change log and the guarantees are the same either way: a
// COPY that fails fails the write, and nothing is committed.
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
