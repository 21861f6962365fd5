package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// testInvalid checks that malformed changes are refused whole with
// ErrInvalid. Each bad change comes third in its set, after two good ones,
// so that a store that writes as it goes is caught.
func testInvalid(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "EmptySet", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		_, err := s.Apply(ctx, rbac.ChangeSet{})
		wantErr(t, "a set with nil Changes", err, rbac.ErrInvalid)
		_, err = s.Apply(ctx, rbac.ChangeSet{Actor: "a", Reason: "r", Changes: []rbac.Change{}})
		wantErr(t, "a set with no changes", err, rbac.ErrInvalid)
		wantState(t, s, &rbac.Policy{}, 0)
	})

	long := strings.Repeat("x", rbac.MaxIDLen+1)
	for _, tc := range []struct {
		name   string
		change rbac.Change
		why    string
	}{
		{"SQLInjection", rbac.DeleteRole("x'; DROP TABLE roles;--"), "quote and space are not id characters"},
		{"SQLInjectionPut", put(rbac.User{ID: "x'; DROP TABLE users;--"}), "hostile ids are refused before any SQL is built"},
		{"SQLInjectionOwnership", put(rbac.Ownership{Kind: "doc", ID: "1' OR '1'='1", Owners: []rbac.OrgSlug{"o"}}), "the id half of an ownership key is an id too"},
		{"EmptyKey", rbac.Change{Kind: rbac.EntityRole, Key: ""}, "every entity has a key"},
		{"Space", rbac.DeleteUser("alice smith"), "space is not an id character"},
		{"Unicode", put(rbac.Role{ID: "rôle"}), "ids are ASCII: no look-alike or normalisation tricks"},
		{"NUL", rbac.DeleteUser("a\x00b"), "NUL would cut C strings and PostgreSQL text"},
		{"TooLong", put(rbac.Group{ID: rbac.GroupID(long), Name: "g"}), "ids are at most MaxIDLen bytes"},
		{"UnknownKind", rbac.Change{Kind: "table", Key: "roles"}, "only the entity kinds exist"},
		{"KeyMismatch", rbac.Change{Kind: rbac.EntityRole, Key: "a", After: rbac.Role{ID: "b"}}, "the key names the entity"},
		{"KindMismatch", rbac.Change{Kind: rbac.EntityUser, Key: "a", After: rbac.Role{ID: "a"}}, "the value is of the change's kind"},
		{"OwnershipKeyWithoutSlash", rbac.Change{Kind: rbac.EntityOwnership, Key: "doc"}, "an ownership key is kind/id"},
		{"OwnershipRuleWithSlash", put(rbac.OwnershipRule{Kind: "a/b", Bypass: "x"}), "a resource kind has no '/'"},
	} {
		subtest(t, tc.name, newStore, func(t *testing.T, s rbac.Store) {
			good := []rbac.Entity{withKey(rbac.EntityRole, "good"), withKey(rbac.EntityUser, "good")}
			_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: append(puts(good), tc.change)})
			wantErr(t, tc.change.String()+" ("+tc.why+")", err, rbac.ErrInvalid)
			wantState(t, s, &rbac.Policy{}, 0)
			if log := mustChanges(t, s, 0); len(log) != 0 {
				t.Errorf("Changes(0) after a refused set: %d change sets, want none", len(log))
			}
		})
	}
}

// testIDs checks that keys are stored exactly: case-sensitive, up to the
// maximum length, with every allowed character.
func testIDs(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "CaseSensitive", newStore, func(t *testing.T, s rbac.Store) {
		var upper, lower []rbac.Entity
		for _, kind := range rbac.EntityKinds() {
			upper = append(upper, withKey(kind, keyFor(kind, "Alice")))
			lower = append(lower, withKey(kind, keyFor(kind, "alice")))
		}
		upper = append(upper, withKey(rbac.EntityOwnership, "Doc/alice"))
		mustApply(t, s, puts(upper)...)
		rev := mustApply(t, s, puts(lower)...)
		wantState(t, s, policyOf(append(upper, lower...)...), rev)
		var dels []rbac.Change
		for _, e := range lower {
			dels = append(dels, del(e))
		}
		rev = mustApply(t, s, dels...)
		wantState(t, s, policyOf(upper...), rev)
		_, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("ALICE")}})
		wantErr(t, "deleting user ALICE when Alice exists", err, rbac.ErrNotFound)
	})

	subtest(t, "LongAndOdd", newStore, func(t *testing.T, s rbac.Store) {
		const chars = "ABCXYZabcxyz0189_.:@+/-"
		long := strings.Repeat(chars, rbac.MaxIDLen/len(chars)+1)[:rbac.MaxIDLen]
		noSlash := strings.ReplaceAll(long, "/", "_")
		var all []rbac.Entity
		for _, kind := range rbac.EntityKinds() {
			switch kind {
			case rbac.EntityOwnershipRule, rbac.EntityResourceKind:
				all = append(all, withKey(kind, noSlash))
			case rbac.EntityOwnership:
				// The longest kind and id, the id full of slashes.
				all = append(all, rbac.Ownership{Kind: noSlash, ID: long, Owners: []rbac.OrgSlug{rbac.OrgSlug(long), "a"}})
				all = append(all, rbac.Ownership{Kind: "doc", ID: "/", Owners: []rbac.OrgSlug{"b"}})
			default:
				all = append(all, withKey(kind, long))
			}
			all = append(all, withKey(kind, keyFor(kind, "-")))
		}
		all = append(all, rbac.Role{ID: "r", Contains: []rbac.RoleID{rbac.RoleID(long)}, Grants: []rbac.Grant{{Permission: rbac.Permission(long), Scope: rbac.ScopeMine}}})
		rev := mustApply(t, s, puts(all)...)
		wantState(t, s, policyOf(all...), rev)
	})
}
