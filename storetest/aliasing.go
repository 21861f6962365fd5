package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// testAliasing checks that no memory is shared between a store and its
// callers: mutating what was passed to Apply, or what Load and Changes
// returned, must not change the store.
func testAliasing(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "Apply", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		cs := rbac.ChangeSet{Actor: "a", Reason: "r", Changes: puts(all)}
		rev, err := s.Apply(context.Background(), cs)
		if err != nil {
			t.Fatal(err)
		}
		// The caller's set is not modified by the store...
		if d := cmp.Diff(rbac.ChangeSet{Actor: "a", Reason: "r", Changes: puts(all)}, cs, cmpOptions); d != "" || cs.Revision != 0 {
			t.Errorf("Apply modified the caller's change set (revision %d; -before +after):\n%s", cs.Revision, d)
		}
		// ...and the store does not see the caller's later edits.
		for i := range cs.Changes {
			scribble(cs.Changes[i].After)
			cs.Changes[i] = rbac.DeleteUser("scribbled")
		}
		wantState(t, s, policyOf(all...), rev)
		if d := diffLog([]rbac.ChangeSet{{Revision: rev, Actor: "a", Reason: "r", Changes: puts(all)}}, mustChanges(t, s, 0)); d != "" {
			t.Errorf("Changes(0) after the caller edited its set: mismatch (-want +got):\n%s", d)
		}
	})

	subtest(t, "Load", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		rev := mustApply(t, s, puts(all)...)
		p, _ := mustLoad(t, s)
		scribblePolicy(p)
		wantState(t, s, policyOf(all...), rev)
	})

	subtest(t, "Changes", newStore, func(t *testing.T, s rbac.Store) {
		all := everyKind()
		mustApply(t, s, puts(all)...)
		var replaced []rbac.Entity
		for _, e := range all {
			replaced = append(replaced, bareEntity(e))
		}
		rev := mustApply(t, s, puts(replaced)...)
		want := mustChanges(t, s, 0)
		wantCopy := make([]rbac.ChangeSet, len(want))
		for i, cs := range want {
			wantCopy[i] = cs.Clone()
		}
		for _, cs := range mustChanges(t, s, 0) {
			for i := range cs.Changes {
				scribble(cs.Changes[i].After)
				scribble(cs.Changes[i].Before)
				cs.Changes[i].Key = "scribbled"
			}
		}
		if d := diffLog(wantCopy, mustChanges(t, s, 0)); d != "" {
			t.Errorf("Changes(0) after the caller edited an earlier result: mismatch (-want +got):\n%s", d)
		}
		wantState(t, s, policyOf(replaced...), rev)
	})
}

// scribble overwrites the first item of every list inside e, through the
// memory the entity value shares with whoever else holds it.
func scribble(e rbac.Entity) {
	const x = "scribbled"
	switch v := e.(type) {
	case rbac.AccountTypeDef:
		scribbleList(v.DefaultRoles, x)
	case rbac.PermissionDef:
		scribbleList(v.Requires, x)
	case rbac.Role:
		scribbleList(v.AccountTypes, x)
		scribbleList(v.Contains, x)
		scribbleList(v.Grants, rbac.Grant{Permission: x, Scope: rbac.ScopeAll})
	case rbac.Group:
		scribbleList(v.Roles, x)
		scribbleList(v.Managers, x)
	case rbac.User:
		scribbleList(v.Roles, x)
		scribbleList(v.Groups, x)
		scribbleList(v.Workgroups, x)
		scribbleList(v.Temporary, rbac.TimedAssignment{Role: x})
	case *rbac.User: // handed over by a StreamLoader
		scribble(*v)
		v.Disabled = !v.Disabled
	case rbac.Constraint:
		scribbleList(v.Roles, x)
	case rbac.Approval:
		scribbleList(v.Roles, x)
		scribbleList(v.Groups, x)
		scribbleList(v.MadeBy, x)
	case rbac.Campaign:
		scribbleList(v.Roles, x)
		scribbleList(v.Groups, x)
	case rbac.Ownership:
		scribbleList(v.Owners, x)
	case rbac.Elevation:
		scribbleList(v.Roles, x)
	}
}

func scribbleList[T any](list []T, v T) {
	if len(list) > 0 {
		list[0] = v
	}
}

// scribblePolicy changes every entity of p in place, its fields and its
// lists.
func scribblePolicy(p *rbac.Policy) {
	for i := range p.AccountTypes {
		scribble(p.AccountTypes[i])
		p.AccountTypes[i].Title = "scribbled"
	}
	for i := range p.Permissions {
		scribble(p.Permissions[i])
		p.Permissions[i].Title = "scribbled"
	}
	for i := range p.Roles {
		scribble(p.Roles[i])
		p.Roles[i].Title = "scribbled"
	}
	for i := range p.Groups {
		scribble(p.Groups[i])
		p.Groups[i].Name = "scribbled"
	}
	for i := range p.Workgroups {
		p.Workgroups[i].Name = "scribbled"
	}
	for i := range p.Users {
		scribble(p.Users[i])
		p.Users[i].Disabled = !p.Users[i].Disabled
	}
	for i := range p.Constraints {
		scribble(p.Constraints[i])
		p.Constraints[i].Max++
	}
	for i := range p.Campaigns {
		scribble(p.Campaigns[i])
		p.Campaigns[i].Due = p.Campaigns[i].Due.Add(time.Hour)
	}
	for i := range p.Approvals {
		scribble(p.Approvals[i])
		p.Approvals[i].Sensitive = !p.Approvals[i].Sensitive
	}
	for i := range p.Kinds {
		p.Kinds[i].Title = "scribbled"
	}
	for i := range p.OwnershipRules {
		p.OwnershipRules[i].Bypass = "scribbled"
	}
	for i := range p.Ownerships {
		scribble(p.Ownerships[i])
	}
	for i := range p.Elevations {
		scribble(p.Elevations[i])
		p.Elevations[i].Title = "scribbled"
	}
	p.Users = append(p.Users[:0], rbac.User{ID: "scribbled"})
}
