package policytest_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// authorizerFor loads a seed policy into a fresh store and authorizer.
func authorizerFor(t *testing.T, seed string) (*rbac.Authorizer, *memstore.Store) {
	t.Helper()
	p, err := rbac.LoadPolicyFile(filepath.Join(seedDir, seed))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, store
}

// TestSeedRulesOnWrite covers what the seeds document about changing the
// model, which a tests: section (requests only) cannot express: each change
// breaks a rule of its seed and must be refused whole, naming the entity.
func TestSeedRulesOnWrite(t *testing.T) {
	tests := []struct {
		why     string
		seed    string
		changes []rbac.Change
		want    error
		naming  string
	}{
		{
			why:  "HMPPS: DPS roles go to DPS users; the probation role is for Delius users only",
			seed: "hmpps_auth.yaml",
			changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "omar_officer", AccountType: "nomis",
				Roles: []rbac.RoleID{"suggest_changes", "prison_viewer", "probation"}})},
			want:   rbac.ErrInvalid,
			naming: "omar_officer",
		},
		{
			why:  "HMPPS: only external users are added to the external groups",
			seed: "hmpps_auth.yaml",
			changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "pat_probation", AccountType: "delius",
				Groups: []rbac.GroupID{"west_police"}})},
			want:   rbac.ErrInvalid,
			naming: "pat_probation",
		},
		{
			why:  "HMPPS: an external group cannot carry a DPS role",
			seed: "hmpps_auth.yaml",
			changes: []rbac.Change{rbac.PutGroup(rbac.Group{ID: "west_police", Name: "West Police", AccountType: "external",
				Roles: []rbac.RoleID{"police_viewer", "approve_changes"}, Managers: []rbac.UserID{"pc_morgan"}})},
			want:   rbac.ErrInvalid,
			naming: "west_police",
		},
		{
			why:  "nVIRO: a copied security group needs a unique name (compared ignoring case)",
			seed: "nviro.yaml",
			changes: []rbac.Change{rbac.PutGroup(rbac.Group{ID: "permitting_staff_2", Name: "PERMITTING STAFF", AccountType: "internal",
				Roles: []rbac.RoleID{"permitting"}})},
			want:   rbac.ErrExists,
			naming: "PERMITTING STAFF",
		},
		{
			why:  "nVIRO: a security group applies to one account type; an external user cannot join an internal group",
			seed: "nviro.yaml",
			changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "eric", AccountType: "external",
				Groups: []rbac.GroupID{"registered_external", "permitting_staff"}})},
			want:   rbac.ErrInvalid,
			naming: "eric",
		},
		{
			why:     "nVIRO: workgroups form a forest; an agency cannot be under its own division",
			seed:    "nviro.yaml",
			changes: []rbac.Change{rbac.PutWorkgroup(rbac.Workgroup{ID: "deq", Name: "Department of Environmental Quality", Parent: "deq.water.north"})},
			want:    rbac.ErrCycle,
			naming:  "deq",
		},
		{
			why:  "ServiceNow: containment is acyclic; the viewer cannot contain the admin that contains it",
			seed: servicenow,
			changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "sn_gsm.constituent_viewer", Title: "constituent_viewer",
				Contains: []rbac.RoleID{"sn_customerservice.customer_data_viewer", "sn_gsm.constituent_admin"},
				Grants:   []rbac.Grant{{Permission: "constituent.read", Scope: rbac.ScopeGlobal}}})},
			want:   rbac.ErrCycle,
			naming: "sn_gsm.constituent_viewer",
		},
		{
			why:  "One IYSS: with a catalogue, a role may grant only catalogued permissions",
			seed: "one_iyss.yaml",
			changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "youth_worker",
				Grants: []rbac.Grant{{Permission: "client.teleport", Scope: rbac.ScopeGlobal}}})},
			want:   rbac.ErrNotFound,
			naming: "client.teleport",
		},
		{
			why:  "One IYSS: a prerequisite must be a catalogued permission",
			seed: "one_iyss.yaml",
			changes: []rbac.Change{rbac.PutPermission(rbac.PermissionDef{Name: "client_merge.merge", Section: "Client Merge",
				Requires: []rbac.Permission{"yj.case.view_everything"}})},
			want:   rbac.ErrNotFound,
			naming: "yj.case.view_everything",
		},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			a, store := authorizerFor(t, tt.seed)
			ctx := context.Background()
			_, before, err := store.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Apply(ctx, rbac.ChangeSet{Actor: "test", Changes: tt.changes})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Apply = %v; want an error wrapping %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("Apply error %q does not name %s", err, tt.naming)
			}
			if _, after, err := store.Load(ctx); err != nil || after != before {
				t.Errorf("store revision went from %d to %d (err %v); a refused change must write nothing", before, after, err)
			}
		})
	}
}

// TestNviroDeletingAGroupRemovesItFromMembers: "When a security group is
// deleted, it is also removed from the group membership list of all users
// that were in it", in the same change set, which records the cascade.
func TestNviroDeletingAGroupRemovesItFromMembers(t *testing.T) {
	a, store := authorizerFor(t, "nviro.yaml")
	ctx := context.Background()
	rev, err := a.Apply(ctx, rbac.ChangeSet{Actor: "ada", Reason: "merge into permitting_plus",
		Changes: []rbac.Change{rbac.DeleteGroup("permitting_staff")}})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cascaded []string
	log, err := store.Changes(ctx, rev-1)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range log {
		for _, c := range cs.Changes {
			if c.Cascade {
				cascaded = append(cascaded, c.Key)
			}
		}
	}
	slices.Sort(cascaded)
	if want := []string{"carla", "paula"}; !slices.Equal(cascaded, want) {
		t.Errorf("cascaded changes %v; want the former members %v", cascaded, want)
	}
	for _, u := range p.Users {
		if slices.Contains(u.Groups, "permitting_staff") {
			t.Errorf("user %s is still in the deleted group: %v", u.ID, u.Groups)
		}
	}
	// Carla keeps what her other group gives her, and loses the rest.
	snap := a.Snapshot()
	if d := snap.Check(rbac.Request{User: "carla", Permission: "inspection.update"}); !d.Allowed {
		t.Errorf("carla lost compliance, which comes from another group: %v", d)
	}
	if d := snap.Check(rbac.Request{User: "carla", Permission: "permit.issue"}); d.Allowed || d.Reason != rbac.ReasonNoGrant {
		t.Errorf("carla still issues permits after her permitting group was deleted: %v", d)
	}
}
