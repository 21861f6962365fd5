package rbac_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A caseworker covers a colleague's caseload for a week: the supervisor
// role is hers from Monday 09:00 until Friday 17:00, and no one has to
// remember to take it back. The clock is moved by hand here
// (rbac.WithClock); a service leaves the default, time.Now.
func ExampleTimedAssignment() {
	p, err := rbac.LoadPolicy(strings.NewReader(`
roles:
  - {id: caseworker, grants: [case.read]}
  - {id: supervisor, contains: [caseworker], grants: [case.approve]}
users:
  - id: cara
    roles: [caseworker]
    temporary: [{role: supervisor, from: 2027-01-04T09:00:00Z, until: 2027-01-08T17:00:00Z}]
`))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		panic(err)
	}
	now := time.Date(2027, 1, 4, 8, 59, 0, 0, time.UTC)
	// WithoutFollow: nothing but this function reads the hand-moved clock.
	a, err := rbac.New(ctx, store, rbac.WithoutFollow(), rbac.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer a.Close()
	snap := a.Snapshot() // held throughout: no write is needed at either bound
	for _, at := range []string{"2027-01-04T08:59:59Z", "2027-01-04T09:00:00Z", "2027-01-08T16:59:59Z", "2027-01-08T17:00:00Z"} {
		now, _ = time.Parse(time.RFC3339, at)
		d := snap.Check(rbac.Request{User: "cara", Permission: "case.approve"})
		fmt.Println(at, d.Allowed, d.Reason)
	}
	// Output:
	// 2027-01-04T08:59:59Z false no_grant
	// 2027-01-04T09:00:00Z true granted
	// 2027-01-08T16:59:59Z true granted
	// 2027-01-08T17:00:00Z false no_grant
}
