// Package pgnotify wakes sqlstore followers on PostgreSQL with
// LISTEN/NOTIFY, so that replicas see each other's writes in about a
// millisecond instead of at their next poll:
//
//	writer, _ := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithNotify("rbac"))
//	follower, _ := sqlstore.New(ctx, db, sqlstore.Postgres,
//		sqlstore.WithListener(pgnotify.Listener(dsn, "rbac")))
//
// (One Store usually does both.) The listener holds a dedicated connection
// of its own, outside the *sql.DB pool: LISTEN is a session state, which
// transaction-pooling proxies such as PgBouncer do not keep, so dsn should
// reach PostgreSQL directly. Notifications sent while the connection is
// down are lost, so after every (re)connection the listener wakes the store
// to read the revision; the store's poll goes on regardless.
package pgnotify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rolegraph/rbac/sqlstore"
)

// Listener returns a sqlstore.Listener that LISTENs on channel through its
// own pgx connection to connString, reconnecting whenever the connection
// drops: at once after a connection that worked (a killed session is
// usually one of many), then after 10ms, doubling up to a second while
// connecting keeps failing.
func Listener(connString, channel string) sqlstore.Listener {
	return &listener{connString: connString, channel: channel, firstRetry: 10 * time.Millisecond, maxRetry: time.Second}
}

type listener struct {
	connString string
	channel    string
	firstRetry time.Duration
	maxRetry   time.Duration
}

func (l *listener) Listen(ctx context.Context, wake func()) error {
	retry := time.Duration(0)
	for {
		if l.session(ctx, wake) {
			retry = 0 // it listened: reconnect at once
		} else {
			retry = min(max(2*retry, l.firstRetry), l.maxRetry)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

// session listens on one connection until it fails or ctx ends, and
// reports whether it got as far as listening.
func (l *listener) session(ctx context.Context, wake func()) bool {
	conn, err := pgx.Connect(ctx, l.connString)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return false
	}
	wake() // catch up with what was sent while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true
		}
		wake()
	}
}
