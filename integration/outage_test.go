package integration

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// proxy forwards TCP connections to a database server until it is taken
// down: then it refuses connections and cuts the open ones, as a stopped
// server or a broken network would.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("reopening the proxy: %v", err)
	}
	p.serve(ln)
}

// viaProxy returns the DSN with the server's address replaced by a proxy's.
func viaProxy(t *testing.T, db database, dsn string) (string, *proxy) {
	switch db.dialect {
	case sqlstore.Postgres:
		u, err := url.Parse(dsn)
		if err != nil {
			t.Skipf("the outage test needs a URL DSN: %v", err)
		}
		p := startProxy(t, u.Host)
		u.Host = p.addr
		return u.String(), p
	case sqlstore.MySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		p := startProxy(t, cfg.Addr)
		cfg.Addr = p.addr
		return cfg.FormatDSN(), p
	}
	t.Skipf("%s has no server to lose", db.name)
	return "", nil
}

// While its database is unreachable, an authorizer keeps answering from
// its last snapshot and reports the error and its lag; when the database
// returns, it catches up by itself.
func TestOutage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		if db.dialect == sqlstore.SQLite {
			t.Skip("SQLite is a file in the process: there is no server to lose")
		}
		ctx := context.Background()
		_, dsn, _ := db.open(t)
		writer, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer writer.Close()
		proxied, p := viaProxy(t, db, dsn)
		store, err := sqlstore.New(ctx, db.connect(t, proxied), db.dialect, sqlstore.WithPollInterval(20*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		a, err := rbac.New(ctx, store, rbac.WithRetryDelay(20*time.Millisecond), rbac.WithHeartbeat(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()

		base, err := writer.Apply(ctx, rbac.ChangeSet{Changes: append(basePolicy(), rbac.PutUser(rbac.User{ID: "alice", Roles: []rbac.RoleID{"reader"}}))})
		if err != nil {
			t.Fatal(err)
		}
		alice := rbac.Request{User: "alice", Permission: "doc.read", AtLeast: base}
		if d, err := checkWithin(a, alice); err != nil || !d.Allowed {
			t.Fatalf("before the outage: %v, %v; want allowed", d, err)
		}

		p.down()
		late, err := writer.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "late", Roles: []rbac.RoleID{"reader"}})}})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for a.Status().LastError == nil {
			if time.Now().After(deadline) {
				t.Fatalf("the authorizer reported no error while its database was unreachable: %+v", a.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
		st := a.Status()
		if st.Revision != base || st.Lag <= 0 {
			t.Errorf("Status during the outage: %+v; want revision %d and a lag", st, base)
		}
		if d := a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"}); !d.Allowed {
			t.Errorf("during the outage, alice: %v; want allowed from the last snapshot", d)
		}
		if d := a.Snapshot().Check(rbac.Request{User: "late", Permission: "doc.read"}); d.Allowed {
			t.Errorf("during the outage, late (written meanwhile): %v; the snapshot cannot know her yet", d)
		}

		p.up()
		if d, err := checkWithin(a, rbac.Request{User: "late", Permission: "doc.read", AtLeast: late}); err != nil || !d.Allowed {
			t.Fatalf("after the outage, late: %v, %v; want allowed once caught up", d, err)
		}
		for a.Status().LastError != nil {
			if time.Now().After(deadline) {
				t.Fatalf("the error stayed after recovery: %+v", a.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func checkWithin(a *rbac.Authorizer, req rbac.Request) (rbac.Decision, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Check(ctx, req)
}
