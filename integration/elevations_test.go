package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

const elevationPolicy = `
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, "*@all"]}
  - {id: caseworker, grants: [case.read, case.break_glass]}
  - {id: case_admin, grants: [case.admin]}
users:
  - {id: root, roles: [admin]}
  - {id: cara, roles: [caseworker]}
  - {id: bob}
elevations:
  - {id: incident, title: Incident response, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}
`

// TestElevationAcrossReplicas: an elevation written through one replica
// holds on another, ends there by the clock with no write, is ended early
// from the other, is listed for review and seen by AsOfTime; and while
// another replica keeps writing, Elevate and EndElevation are judged again
// and written, not refused with a conflict.
func TestElevationAcrossReplicas(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		start := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
		var clock atomic.Pointer[time.Time]
		clock.Store(&start)
		set := func(t time.Time) { clock.Store(&t) }
		_, dsn, _ := db.open(t)
		_, replicas := clockedReplicas(t, db, dsn, 2, elevationPolicy, func() time.Time { return *clock.Load() })
		a, b := replicas[0], replicas[1]
		check := func(r *rbac.Authorizer, rev rbac.Revision) bool {
			t.Helper()
			d, err := r.Check(ctx, rbac.Request{User: "cara", Permission: "case.admin", AtLeast: rev})
			if err != nil {
				t.Fatal(err)
			}
			return d.Allowed
		}
		rev, err := a.Admin("cara").Elevate(ctx, "outage on case intake", "incident", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !check(b, rev) {
			t.Error("the other replica does not see the elevation")
		}
		set(start.Add(time.Hour))
		if check(b, rev) {
			t.Error("the elevation holds on the other replica at its end")
		}
		set(start.Add(2 * time.Hour))
		if _, err := a.Admin("cara").Elevate(ctx, "second outage", "incident", time.Hour); err != nil {
			t.Fatal(err)
		}
		end, err := b.Admin("cara").EndElevation(ctx, "fixed", "incident")
		if err != nil {
			t.Fatal(err)
		}
		if check(a, end) {
			t.Error("the elevation ended early on one replica still holds on the other")
		}
		recs, err := a.Admin("root").Elevations(ctx)
		if err != nil || len(recs) != 2 || recs[0].EndedAt != 0 || recs[1].EndedAt != end {
			t.Errorf("Elevations: %v %+v; want the first closed by time, the second ended at %d", err, recs, end)
		}
		past, err := b.Admin("root").AsOfTime(ctx, start.Add(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !past.Check(rbac.Request{User: "cara", Permission: "case.admin"}).Allowed {
			t.Error("AsOfTime during the first elevation does not see it")
		}

		// Another replica writes all along, as a busy console would: each
		// elevation is judged again on the new model and written. (A
		// replica writing in a tight loop can starve another's Admin
		// writes: each retry must sync and judge again between two of its
		// commits, and a judgement takes about as long as its cycle.)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if _, err := b.Admin("root").PutUser(ctx, "rename", rbac.User{ID: "bob", Name: fmt.Sprintf("Bob %d", i)}); err != nil {
					t.Errorf("the other replica's write: %v", err)
					return
				}
				time.Sleep(5*time.Millisecond + rand.N(20*time.Millisecond))
			}
		}()
		for i := range 5 {
			if _, err := a.Admin("cara").Elevate(ctx, fmt.Sprintf("outage %d", i), "incident", time.Hour); err != nil {
				t.Errorf("Elevate while another replica writes: %v", err)
			}
			if _, err := a.Admin("cara").EndElevation(ctx, "fixed", "incident"); err != nil {
				t.Errorf("EndElevation while another replica writes: %v", err)
			}
		}
		close(done)
		wg.Wait()
	})
}
