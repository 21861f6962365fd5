package integration

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

const campaignPolicy = `
account_types:
  - {id: internal}
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, "*@all"]}
  - {id: user_manager, grants: [rbac.users.manage, permit.write, inspect]}
  - {id: permit_writer, grants: [permit.write]}
  - {id: inspector, grants: [inspect]}
groups:
  - {id: permitting, name: Permitting, account_type: internal, roles: [permit_writer], managers: [mia]}
users:
  - {id: root, account_type: internal, roles: [admin]}
  - {id: uma, account_type: internal, roles: [user_manager]}
  - {id: mia, account_type: internal}
  - {id: pat, account_type: internal, groups: [permitting]}
  - {id: quinn, account_type: internal, groups: [permitting]}
  - {id: ron, account_type: internal, roles: [inspector]}
  - {id: sal, account_type: internal, roles: [inspector]}
campaigns:
  - {id: 2027-q1, groups: [permitting], roles: [inspector], due: 2027-03-31T00:00:00Z}
`

// TestCampaignDueAcrossReplicas: four replicas, each with its own
// connection pool, pass a campaign's Due at once; the removals of what is
// not attested keep are written exactly once, and what is attested keep
// stays.
func TestCampaignDueAcrossReplicas(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		due := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
		before := due.Add(-time.Minute)
		var clock atomic.Pointer[time.Time]
		clock.Store(&before)
		_, dsn, _ := db.open(t)
		stores, replicas := clockedReplicas(t, db, dsn, 4, campaignPolicy, func() time.Time { return *clock.Load() })
		for i, at := range []struct {
			by, user rbac.UserID
			keep     bool
		}{{"mia", "pat", true}, {"uma", "sal", true}, {"uma", "ron", false}} {
			if err := replicas[i].Admin(at.by).Attest(ctx, "2027-q1", at.user, at.keep); err != nil {
				t.Fatal(err)
			}
		}
		start, _ := stores[0].Changes(ctx, 0)
		clock.Store(&due)
		deadline := time.Now().Add(10 * time.Second)
		for {
			sets, _ := stores[1].Changes(ctx, 0)
			if len(sets) > len(start) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // every replica has had its turns
		sets, err := stores[2].Changes(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		after := sets[len(start):]
		if len(after) != 1 || after[0].ID != "campaign.2027-q1" || after[0].Actor != rbac.System {
			t.Fatalf("change sets after Due: %+v; want one, campaign.2027-q1 by rbac.System", after)
		}
		var changed []string
		for _, c := range after[0].Changes {
			changed = append(changed, c.Key)
		}
		if strings.Join(changed, ",") != "quinn,ron" {
			t.Errorf("removed from %v, want quinn and ron", changed)
		}
	})
}

// clockedReplicas opens n stores on dsn, each with its own connection pool,
// imports policy through the first, and starts an Authorizer on each that
// reads clock: replicas that pass a time at once.
func clockedReplicas(t *testing.T, db database, dsn string, n int, policy string, clock func() time.Time) ([]*sqlstore.Store, []*rbac.Authorizer) {
	t.Helper()
	ctx := context.Background()
	var stores []*sqlstore.Store
	var replicas []*rbac.Authorizer
	for i := range n {
		s, err := sqlstore.New(ctx, db.connect(t, dsn), db.dialect, sqlstore.WithPollInterval(10*time.Millisecond))
		if err != nil {
			t.Fatalf("sqlstore.New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
		if i == 0 {
			p, err := rbac.LoadPolicy(strings.NewReader(policy))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rbac.Import(ctx, s, p); err != nil {
				t.Fatal(err)
			}
		}
		a, err := rbac.New(ctx, s, rbac.WithClock(clock), rbac.WithHeartbeat(10*time.Millisecond))
		if err != nil {
			t.Fatalf("rbac.New: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		replicas = append(replicas, a)
	}
	return stores, replicas
}
