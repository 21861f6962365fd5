package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

// testRoundTrip checks that what is put comes back whole from Load.
func testRoundTrip(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "EveryKindEveryField", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		rev := mustApply(t, s, puts(all)...)
		wantState(t, s, policyOf(all...), rev)
	})

	subtest(t, "OneSetPerEntity", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		for i, e := range all {
			if rev := mustApply(t, s, put(e)); rev != rbac.Revision(i+1) {
				t.Fatalf("put %s %q: revision %d, want %d", e.EntityKind(), e.EntityKey(), rev, i+1)
			}
		}
		wantState(t, s, policyOf(all...), rbac.Revision(len(all)))
	})

	subtest(t, "PutReplacesWholeEntity", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		mustApply(t, s, puts(all)...)
		// Replace every entity by a bare one with the same key: no field
		// and no list item of the old value may survive.
		var bare []rbac.Entity
		for _, e := range all {
			bare = append(bare, bareEntity(e))
		}
		rev := mustApply(t, s, puts(bare)...)
		wantState(t, s, policyOf(bare...), rev)
		// And back again.
		rev = mustApply(t, s, puts(all)...)
		wantState(t, s, policyOf(all...), rev)
	})

	subtest(t, "ListOrderIsKept", newStore, func(t *testing.T, s rbac.Store) {
		forward := rbac.Ownership{Kind: "doc", ID: "1", Owners: []rbac.OrgSlug{"a", "b", "c", "d"}}
		backward := rbac.Ownership{Kind: "doc", ID: "1", Owners: []rbac.OrgSlug{"d", "c", "b", "a"}}
		role := rbac.Role{ID: "r", Contains: []rbac.RoleID{"z", "a", "m"}, Grants: []rbac.Grant{
			{Permission: "b", Scope: rbac.ScopeAll}, {Permission: "a", Scope: rbac.ScopeMine}, {Permission: "c", Scope: rbac.ScopeWorkgroup},
		}}
		mustApply(t, s, put(forward), put(role))
		rev := mustApply(t, s, put(backward))
		wantState(t, s, policyOf(backward, role), rev)
	})

	subtest(t, "DeleteEveryKind", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		mustApply(t, s, puts(all)...)
		// Delete in reverse dependency order first, then the rest one by one
		// in dependency order: stores may not impose any order.
		half := len(all) / 2
		var dels []rbac.Change
		for i := len(all) - 1; i >= half; i-- {
			dels = append(dels, del(all[i]))
		}
		rev := mustApply(t, s, dels...)
		wantState(t, s, policyOf(all[:half]...), rev)
		for _, e := range all[:half] {
			rev = mustApply(t, s, del(e))
		}
		wantState(t, s, &rbac.Policy{}, rev)
	})

	subtest(t, "BigSet", newStore, func(t *testing.T, s rbac.Store) {
		const n = 5000
		changes := make([]rbac.Change, 0, n+1)
		entities := make([]rbac.Entity, 0, n+1)
		entities = append(entities, rbac.Role{ID: "member"})
		for i := range n {
			u := rbac.User{
				ID:         rbac.UserID(fmt.Sprintf("user-%05d", i)),
				Org:        "org",
				Roles:      []rbac.RoleID{"member", rbac.RoleID(fmt.Sprintf("r%d", i%7))},
				Workgroups: []rbac.WorkgroupID{rbac.WorkgroupID(fmt.Sprintf("w%d", i%13))},
				Disabled:   i%11 == 0,
			}
			if i%3 == 0 { // bulk writes carry names and emails too
				u.Name, u.Email = fmt.Sprintf("Ünïcode Person %d ", i), fmt.Sprintf("person%d@example.org", i)
			}
			if i%5 == 0 { // and timed assignments
				u.Temporary = []rbac.TimedAssignment{{Role: "member", From: time.Unix(int64(i)*3600, 0).UTC(), Until: time.Unix(int64(i)*3600+86400, 7).UTC()}}
			}
			entities = append(entities, u)
		}
		changes = append(changes, puts(entities)...)
		rev := mustApply(t, s, changes...)
		wantState(t, s, policyOf(entities...), rev)
		log := mustChanges(t, s, 0)
		if len(log) != 1 || len(log[0].Changes) != n+1 {
			t.Fatalf("Changes(0): %d sets, want 1 set of %d changes", len(log), n+1)
		}
		if d := diffLog([]rbac.ChangeSet{{Revision: rev, Changes: changes}}, log); d != "" {
			t.Errorf("Changes(0): mismatch (-want +got):\n%s", d)
		}
	})
}

// bareEntity returns an entity with e's key and every other field zero.
func bareEntity(e rbac.Entity) rbac.Entity {
	switch v := e.(type) {
	case rbac.AccountTypeDef:
		return rbac.AccountTypeDef{ID: v.ID}
	case rbac.PermissionDef:
		return rbac.PermissionDef{Name: v.Name}
	case rbac.Role:
		return rbac.Role{ID: v.ID}
	case rbac.Group:
		return rbac.Group{ID: v.ID, Name: v.Name} // a group has a name
	case rbac.Workgroup:
		return rbac.Workgroup{ID: v.ID}
	case rbac.User:
		return rbac.User{ID: v.ID}
	case rbac.Constraint:
		return rbac.Constraint{Name: v.Name}
	case rbac.Approval:
		return rbac.Approval{Name: v.Name}
	case rbac.Campaign:
		return rbac.Campaign{ID: v.ID}
	case rbac.Kind:
		return rbac.Kind{Name: v.Name}
	case rbac.OwnershipRule:
		return rbac.OwnershipRule{Kind: v.Kind}
	case rbac.Ownership:
		return rbac.Ownership{Kind: v.Kind, ID: v.ID}
	case rbac.Elevation:
		return rbac.Elevation{ID: v.ID}
	}
	panic(fmt.Sprintf("storetest: unknown entity %T", e))
}
