package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/storetest"
)

const adminPolicy = `
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read]}
  - {id: reader, grants: [case.read]}
groups:
  - {id: readers, name: Readers, roles: [reader], managers: [mia]}
users:
  - {id: sam, roles: [security_admin, reader]}
  - {id: mia}
  - {id: ned}
`

// TestAdminAuditSurvivesRestart: delegated administration on each
// database, and the audit trail read back by a fresh store and authorizer
// on the same database, as after a restart.
func TestAdminAuditSurvivesRestart(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, release := db.open(t)
		defer release()
		p, err := rbac.LoadPolicy(strings.NewReader(adminPolicy))
		if err != nil {
			t.Fatal(err)
		}
		first, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rbac.Import(ctx, first, p); err != nil {
			t.Fatal(err)
		}
		a, err := rbac.New(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := a.Admin("mia").AddMember(ctx, "mia's new starter", "readers", "ned")
		if err != nil {
			t.Fatalf("delegated manager: %v", err)
		}
		if _, err := a.Admin("mia").AssignRole(ctx, "", "ned", "security_admin"); !errors.Is(err, rbac.ErrForbidden) {
			t.Fatalf("manager escalating: %v", err)
		}
		a.Close()
		first.Close()

		// Restart: a new store and authorizer on the same database.
		second, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		b, err := rbac.New(ctx, second)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if !b.Snapshot().Check(rbac.Request{User: "ned", Permission: "case.read"}).Allowed {
			t.Fatal("the membership did not survive the restart")
		}
		hist, err := b.Admin("sam").History(ctx, rbac.HistoryQuery{Actor: "mia"})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].Revision != rev || hist[0].Reason != "mia's new starter" || hist[0].Changes[0].Before == nil {
			t.Fatalf("audit trail after restart: %+v", hist)
		}
		if _, err := b.Admin("sam").Revert(ctx, rev, "wrong person"); err != nil {
			t.Fatalf("revert after restart: %v", err)
		}
		if b.Snapshot().Check(rbac.Request{User: "ned", Permission: "case.read"}).Allowed {
			t.Error("the revert did not take")
		}
	})
}

// TestAdminConcurrency: 8 goroutines × 25 AssignRole/AddMember on one
// user, through two authorizers on each database: no update is lost.
func TestAdminConcurrency(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		storetest.RunAdminConcurrency(t, func(t *testing.T) rbac.Store { return newStore(t, db) })
	})
}
