package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// cluster is one database shared by several replicas, each with its own
// *sql.DB, Store and Authorizer, as separate processes would have.
type cluster struct {
	db       database
	dsn      string
	stores   []*sqlstore.Store
	replicas []*rbac.Authorizer
}

func newCluster(t *testing.T, db database, n int, opts ...sqlstore.Option) *cluster {
	t.Helper()
	_, dsn, _ := db.open(t)
	c := &cluster{db: db, dsn: dsn}
	ctx := context.Background()
	for range n {
		s, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect, append([]sqlstore.Option{sqlstore.WithPollInterval(20 * time.Millisecond)}, opts...)...)
		if err != nil {
			t.Fatalf("sqlstore.New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		a, err := rbac.New(ctx, s, rbac.WithRetryDelay(50*time.Millisecond))
		if err != nil {
			t.Fatalf("rbac.New: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		c.stores = append(c.stores, s)
		c.replicas = append(c.replicas, a)
	}
	return c
}

// sync brings every replica up to date, so that their writes are validated
// against the current policy.
func (c *cluster) sync(t *testing.T) {
	t.Helper()
	for i, a := range c.replicas {
		if _, err := a.Sync(context.Background()); err != nil {
			t.Fatalf("replica %d: Sync: %v", i, err)
		}
	}
}

// basePolicy is what the replica tests start from.
func basePolicy() []rbac.Change {
	return []rbac.Change{
		rbac.PutRole(rbac.Role{ID: "reader", Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeGlobal}}}),
		rbac.PutRole(rbac.Role{ID: "writer", Contains: []rbac.RoleID{"reader"}, Grants: []rbac.Grant{{Permission: "doc.write", Scope: rbac.ScopeMine}}}),
	}
}

func mustApply(t *testing.T, a *rbac.Authorizer, changes ...rbac.Change) rbac.Revision {
	t.Helper()
	rev, err := a.Apply(context.Background(), rbac.ChangeSet{Actor: "test", Changes: changes})
	if err != nil {
		t.Fatalf("Apply(%v): %v", changes, err)
	}
	return rev
}

// Three replicas with concurrent writers end at the same revision, with the
// same policy as the database and the same decision on every request.
func TestReplicasConverge(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		c := newCluster(t, db, 3)
		mustApply(t, c.replicas[0], basePolicy()...)
		c.sync(t)
		const perWriter = 8
		var wg sync.WaitGroup
		errs := make(chan error, len(c.replicas)*perWriter)
		for w, a := range c.replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					u := rbac.User{ID: rbac.UserID(fmt.Sprintf("u%d-%d", w, i)), Roles: []rbac.RoleID{[]rbac.RoleID{"reader", "writer"}[i%2]}}
					changes := []rbac.Change{rbac.PutUser(u)}
					if i%3 == 2 { // also rewrite a shared role: writers collide
						changes = append(changes, rbac.PutRole(rbac.Role{ID: "reader", Title: fmt.Sprintf("by %d", w), Grants: []rbac.Grant{{Permission: "doc.read", Scope: rbac.ScopeGlobal}}}))
					}
					if _, err := a.Apply(context.Background(), rbac.ChangeSet{Changes: changes}); err != nil {
						errs <- fmt.Errorf("writer %d, set %d: %w", w, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		want, rev, err := c.stores[0].Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if wantRev := rbac.Revision(1 + len(c.replicas)*perWriter); rev != wantRev {
			t.Errorf("the database is at revision %d, want %d", rev, wantRev)
		}
		requests := everyRequest(want)
		for i, a := range c.replicas {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			if _, err := a.Check(ctx, rbac.Request{User: "nobody", Permission: "x", AtLeast: rev}); err != nil {
				t.Fatalf("replica %d did not reach revision %d: %v", i, rev, err)
			}
			cancel()
			got, gotRev := a.Policy()
			if gotRev != rev {
				t.Errorf("replica %d: revision %d, want %d", i, gotRev, rev)
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
				t.Errorf("replica %d: policy differs from the database (-db +replica):\n%s", i, d)
			}
			if i > 0 {
				for _, req := range requests {
					d0, di := c.replicas[0].Snapshot().Check(req), a.Snapshot().Check(req)
					if d := cmp.Diff(d0, di); d != "" {
						t.Errorf("replica %d and replica 0 decide %+v differently (-replica 0 +replica %d):\n%s", i, req, i, d)
					}
				}
			}
		}
	})
}

// everyRequest returns a capability check of every permission for every
// user of p, plus an unknown user.
func everyRequest(p *rbac.Policy) []rbac.Request {
	var out []rbac.Request
	users := []rbac.UserID{"nobody"}
	for _, u := range p.Users {
		users = append(users, u.ID)
	}
	for _, u := range users {
		for _, perm := range []rbac.Permission{"doc.read", "doc.write", "doc.delete"} {
			out = append(out, rbac.Request{User: u, Permission: perm})
		}
	}
	return out
}

// A write through one replica is visible on another that asks for its
// revision with AtLeast, even with a poll interval too long to help.
func TestReadYourWritesAcrossReplicas(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		c := newCluster(t, db, 2, sqlstore.WithPollInterval(time.Hour))
		mustApply(t, c.replicas[0], basePolicy()...)
		for i := range 5 {
			u := rbac.UserID(fmt.Sprintf("alice%d", i))
			rev := mustApply(t, c.replicas[0], rbac.PutUser(rbac.User{ID: u, Roles: []rbac.RoleID{"writer"}}))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			d, err := c.replicas[1].Check(ctx, rbac.Request{User: u, Permission: "doc.read", AtLeast: rev})
			cancel()
			if err != nil || !d.Allowed {
				t.Fatalf("replica 1, AtLeast %d: %v, %v; want allowed (the user was written at that revision)", rev, d, err)
			}
			if got := c.replicas[1].Snapshot().Revision(); got < rev {
				t.Fatalf("replica 1 answered at revision %d, below AtLeast %d", got, rev)
			}
		}
	})
}

// Two replicas adding opposite containment edges at once: exactly one
// wins, the other gets ErrCycle, and no cycle is ever stored.
func TestRacingContainment(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		c := newCluster(t, db, 2)
		const rounds = 8
		for r := range rounds {
			a, b := rbac.RoleID(fmt.Sprintf("a%d", r)), rbac.RoleID(fmt.Sprintf("b%d", r))
			mustApply(t, c.replicas[0], rbac.PutRole(rbac.Role{ID: a}), rbac.PutRole(rbac.Role{ID: b}))
			c.sync(t)
			start := make(chan struct{})
			results := make([]error, 2)
			var wg sync.WaitGroup
			for i, edge := range [][2]rbac.RoleID{{a, b}, {b, a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, results[i] = c.replicas[i].Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{
						rbac.PutRole(rbac.Role{ID: edge[0], Contains: []rbac.RoleID{edge[1]}}),
					}})
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for i, err := range results {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, rbac.ErrCycle):
					t.Errorf("round %d, replica %d: %v; want success or ErrCycle", r, i, err)
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d replicas won (errors %v); want exactly 1", r, won, results)
			}
		}
		p, _, err := c.stores[0].Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		contains := map[rbac.RoleID][]rbac.RoleID{}
		for _, role := range p.Roles {
			contains[role.ID] = role.Contains
		}
		for a, list := range contains {
			for _, b := range list {
				if slices.Contains(contains[b], a) {
					t.Errorf("the database holds the cycle %s → %s → %s", a, b, a)
				}
			}
		}
	})
}
