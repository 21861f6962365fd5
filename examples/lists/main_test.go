package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestTabsMatchCheck: every tab of every user lists exactly the
// evaluations Check allows when the user acts in the tab's role.
func TestTabsMatchCheck(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := fill(ctx, db); err != nil {
		t.Fatal(err)
	}
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	authz, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer authz.Close()
	snap := authz.Snapshot()
	for _, u := range p.Users {
		for _, tb := range tabs {
			for _, role := range tb.roles {
				plan := snap.Plan(rbac.PlanRequest{User: u.ID, ActiveRoles: []rbac.RoleID{role}, Permission: "evaluation.read", Kind: "evaluation"})
				where, args, err := sqlfilter.Where(plan, table, sqlstore.SQLite)
				if err != nil {
					t.Fatal(err)
				}
				got, err := page(ctx, db, where, args, 100, 0)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, e := range evaluations {
					r := rbac.Resource{Kind: "evaluation", ID: e.id, Workgroups: []rbac.WorkgroupID{rbac.WorkgroupID(e.workgroup)}, Inactive: e.closed}
					for _, a := range e.assignees {
						r.Assignees = append(r.Assignees, rbac.UserID(a))
					}
					if snap.Check(rbac.Request{User: u.ID, ActiveRoles: []rbac.RoleID{role}, Permission: "evaluation.read", Resource: &r}).Allowed {
						title := e.id + " " + e.title
						if e.closed {
							title += " (closed)"
						}
						want = append(want, title)
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s as %s: (-Check +list):\n%s", u.ID, role, diff)
				}
			}
		}
	}
}

const want = `paula
  [Mine] 3 evaluation(s), first page: E-001 Riverside discharge permit; E-002 North basin stormwater; E-005 Smelter air permit
sven
  [Mine] 1 evaluation(s), first page: E-002 North basin stormwater
  [Workgroup] 4 evaluation(s), first page: E-001 Riverside discharge permit; E-002 North basin stormwater; E-003 South lagoon renewal
  [Workgroup] page 2: E-004 Water division audit
    plan: evaluation records that are active and (in workgroup deq.water, deq.water.north, deq.water.south)
    WHERE "evaluations"."closed" = FALSE AND "evaluations"."workgroup" COLLATE BINARY IN (?, ?, ?)
    args [deq.water deq.water.north deq.water.south]
greta
  [Global] 6 evaluation(s), first page: E-001 Riverside discharge permit; E-002 North basin stormwater; E-003 South lagoon renewal
  [Global] page 2: E-004 Water division audit; E-005 Smelter air permit; E-007 Forest road culvert
ada
  [Global] 8 evaluation(s), first page: E-001 Riverside discharge permit; E-002 North basin stormwater; E-003 South lagoon renewal
  [Global] page 2: E-004 Water division audit; E-005 Smelter air permit; E-006 Closed well inspection (closed)
`
