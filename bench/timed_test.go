package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

// timedShape is rbacShape with a fifth of the users (every fifth) holding
// timed assignments: the next group's role for a day from an hour ago
// (held now), and the role twenty groups on (a permission two or three
// further) that ended an hour ago. Checks of those users read
// the clock and pick the profile of the interval it falls in.
func timedShape(roles, users int) *shape {
	s := rbacShape(roles, users)
	now := time.Now()
	s.extra = func(p *rbac.Policy) {
		for i := range p.Users {
			var n int
			fmt.Sscanf(string(p.Users[i].ID), "user%d", &n)
			if n%5 != 0 {
				continue
			}
			next := rbac.RoleID(fmt.Sprintf("group%d", (n/10+1)%roles))
			p.Users[i].Temporary = []rbac.TimedAssignment{
				{Role: next, From: now.Add(-time.Hour), Until: now.Add(24 * time.Hour)},
				{Role: rbac.RoleID(fmt.Sprintf("group%d", (n/10+20)%roles)), Until: now.Add(-time.Hour)},
			}
		}
	}
	return s
}

// BenchmarkTimed*: a check of a user holding timed assignments (granted by
// the timed role, and refused by the expired one), and of a user without
// any, on the small, medium and large shapes with a fifth of users timed.
func BenchmarkTimedSmall(b *testing.B)  { benchTimed(b, "timed-small", 100, 1000) }
func BenchmarkTimedMedium(b *testing.B) { benchTimed(b, "timed-medium", 1000, 10000) }
func BenchmarkTimedLarge(b *testing.B)  { benchTimed(b, "timed-large", 10000, 100000) }

func benchTimed(b *testing.B, name string, roles, users int) {
	e := enginesFor(b, name, func() *shape { return timedShape(roles, users) }, false)
	// user500: group50 (data5.read), timed group51 (data5.read, as i/10),
	// so ask for the next group's permission: user500's timed role is
	// group51, which grants data5.read; pick a user whose timed role
	// grants another permission than its own.
	u := users / 2 // a multiple of 10, so of 5: timed
	own := fmt.Sprintf("data%d.read", u/10/10)
	timed := fmt.Sprintf("data%d.read", (u/10+1)/10)
	expired := fmt.Sprintf("data%d.read", (u/10+20)/10)
	if timed == own {
		u += 90 // group(u/10) is then 9 mod 10: its next group grants the next permission
		own, timed, expired = fmt.Sprintf("data%d.read", u/10/10), fmt.Sprintf("data%d.read", (u/10+1)/10), fmt.Sprintf("data%d.read", (u/10+20)/10)
	}
	user := fmt.Sprintf("user%d", u)
	if expired == timed || expired == own {
		b.Fatalf("%s: the expired role grants %s, which the user holds otherwise: the shape measures nothing", user, expired)
	}
	b.Run("timed-granted", func(b *testing.B) { benchShape(b, e, request{user, timed, true}, rbac.Request{}) })
	b.Run("expired-refused", func(b *testing.B) { benchShape(b, e, request{user, expired, false}, rbac.Request{}) })
	b.Run("untimed-user", func(b *testing.B) {
		benchShape(b, e, request{fmt.Sprintf("user%d", u+1), own, true}, rbac.Request{})
	})
}

// BenchmarkCompileLargeTimed: BenchmarkCompileLarge with a fifth of the
// users timed.
func BenchmarkCompileLargeTimed(b *testing.B) {
	benchCompile(b, timedShape(10000, 100000).policy())
}

// BenchmarkAsOfLarge: Admin.AsOf on the large shape (100,000 users) with
// 10,000 change sets in the log after the revision asked for, each putting
// one user back with another role.
func BenchmarkAsOfLarge(b *testing.B) {
	ctx := context.Background()
	store := newStoreFromPolicy(b, rbacShape(10000, 100000).policy())
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	start := a.Snapshot().Revision()
	for i := range 10000 {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i*10)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", (i+1)%10000))}}
		if _, err := a.Apply(ctx, rbac.ChangeSet{Actor: rbac.System, Changes: []rbac.Change{rbac.PutUser(u)}}); err != nil {
			b.Fatal(err)
		}
	}
	auditor := a.Admin(rbac.System)
	for b.Loop() {
		s, err := auditor.AsOf(ctx, start)
		if err != nil {
			b.Fatal(err)
		}
		if !s.Check(rbac.Request{User: "user10", Permission: "data0.read"}).Allowed {
			b.Fatal("AsOf(start): user10 does not hold its first role")
		}
	}
}
