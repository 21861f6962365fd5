package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/sqlfilter"
)

// TestListsLongLists: a user covering 10,000 workgroups, and an org owning
// thousands of records in the snapshot's stored ownership, on every
// database: the clause carries each list as one parameter (array or JSON),
// and still selects exactly the rows Check allows.
func TestListsLongLists(t *testing.T) {
	const nWG, nRows = 10_000, 4_000
	p := &rbac.Policy{
		Roles: []rbac.Role{
			{ID: "team", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeWorkgroup}}},
			{ID: "editor", Grants: []rbac.Grant{{Permission: "case.edit", Scope: rbac.ScopeAll}}},
		},
		Workgroups:     []rbac.Workgroup{{ID: "agency--", Name: "agency"}, {ID: "other", Name: "other"}},
		OwnershipRules: []rbac.OwnershipRule{{Kind: "owned", Bypass: "case.bypass"}},
		Users: []rbac.User{
			{ID: "boss", Org: "dfe--", Roles: []rbac.RoleID{"team"}, Workgroups: []rbac.WorkgroupID{"agency--"}},
			{ID: "ed", Org: "dfe--", Roles: []rbac.RoleID{"editor"}},
		},
	}
	for i := range nWG {
		parent := rbac.WorkgroupID("agency--")
		if i >= 100 {
			parent = rbac.WorkgroupID(fmt.Sprintf("wg/%d--", i/100-1))
		}
		p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: rbac.WorkgroupID(fmt.Sprintf("wg/%d--", i)), Name: "w", Parent: parent})
	}
	r := rand.New(rand.NewPCG(3, 4))
	rows := make([]listRow, nRows)
	for i := range rows {
		row := listRow{id: int64(i + 1), closed: r.IntN(6) == 0}
		switch r.IntN(4) {
		case 0:
			row.workgroups = []rbac.WorkgroupID{"other"}
		case 1:
		default:
			row.workgroups = []rbac.WorkgroupID{rbac.WorkgroupID(fmt.Sprintf("wg/%d--", r.IntN(nWG)))}
		}
		rows[i] = row
		if r.IntN(3) > 0 { // stored owners for two thirds of the records
			owners := []rbac.OrgSlug{"hmrc"}
			if r.IntN(2) == 0 {
				owners = append(owners, "dfe--")
			}
			p.Ownerships = append(p.Ownerships, rbac.Ownership{Kind: "owned", ID: strconv.Itoa(i + 1), Owners: owners})
		}
	}
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		createListTables(ctx, t, h, db.dialect, rows)
		a := memAuthorizer(t, p)
		snap := a.Snapshot()
		cases := []struct {
			req   rbac.PlanRequest
			table sqlfilter.Table
			long  int // the length of the list that must travel as one parameter
		}{
			{rbac.PlanRequest{User: "boss", Permission: "case.read", Kind: "case"},
				sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed", Workgroups: sqlfilter.Values{Column: "home"}}, nWG + 1},
			{rbac.PlanRequest{User: "boss", Permission: "case.read", Kind: "case"},
				sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed", Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "app_case_workgroups", Record: "case_id", Value: "workgroup"}}}, nWG + 1},
			{rbac.PlanRequest{User: "ed", Permission: "case.edit", Kind: "owned"},
				sqlfilter.Table{Name: "app_cases", ID: "id", Inactive: "closed", Owners: sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}}, 0},
			{rbac.PlanRequest{User: "ed", Permission: "case.edit", Kind: "owned"}, // the ids as integers
				sqlfilter.Table{Name: "app_cases", ID: "id", IDType: sqlfilter.IDInteger, Inactive: "closed", Owners: sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}}, 0},
		}
		for _, c := range cases {
			plan := snap.Plan(c.req)
			if c.long > 0 && len(plan.Workgroups()) != c.long {
				t.Fatalf("plan covers %d workgroups, want %d", len(plan.Workgroups()), c.long)
			}
			if c.long == 0 && len(plan.StoredOwned()) < 1000 {
				t.Fatalf("dfe-- owns %d stored records, want thousands", len(plan.StoredOwned()))
			}
			where, args, err := sqlfilter.Where(plan, c.table, db.dialect)
			if err != nil {
				t.Fatal(err)
			}
			if len(args) != 1 {
				t.Fatalf("%d arguments, want the list as one: %s", len(args), where)
			}
			var want []int64
			for _, row := range rows {
				res := rbac.Resource{Kind: c.req.Kind, ID: strconv.FormatInt(row.id, 10), Inactive: row.closed, Workgroups: row.workgroups}
				if snap.Check(rbac.Request{User: c.req.User, Permission: c.req.Permission, Resource: &res}).Allowed {
					want = append(want, row.id)
				}
			}
			if len(want) == 0 {
				t.Fatalf("%v: Check allows no row; the test would prove nothing", plan)
			}
			if diff := cmp.Diff(want, listIDs(ctx, t, h, where, args, "")); diff != "" {
				t.Errorf("%s %s: rows (-Check +SQL):\n%s", c.req.User, where[:min(len(where), 200)], diff)
			}
		}
	})
}

// memAuthorizer compiles p in a memory store.
func memAuthorizer(t *testing.T, p *rbac.Policy) *rbac.Authorizer {
	t.Helper()
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
