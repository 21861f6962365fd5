package rbac_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// FuzzAdminApply: any change, by any actor, with any reason, is judged
// without a panic; an error wraps one of the sentinels; a refused change
// writes nothing.
func FuzzAdminApply(f *testing.F) {
	f.Add("sam", uint8(5), "int1", uint8(5), "int1", "case_reader", 0, false, "")
	f.Add("olly", uint8(5), "x", uint8(2), "x", "", 0, false, "")          // a Role value in a user change
	f.Add("olly", uint8(8), "service/x", uint8(19), "x", "", 0, false, "") // a nil *Ownership
	f.Add("ursula", uint8(5), "ursula", uint8(5), "ursula", "", 0, false, "\x00")
	f.Add("rita", uint8(6), "suggest-vs-approve", uint8(255), "", "", 0, false, "")
	f.Add("grace", uint8(5), "grace", uint8(5), "grace", "partners", 1, false, "")
	f.Add("sam", uint8(3), "north", uint8(3), "north", "leeds", 0, false, "")
	f.Add("ed", uint8(8), "service/s9", uint8(8), "s9", "dfe", 0, false, "x")
	f.Add("rbac.system", uint8(42), "\xff", uint8(1), strings.Repeat("a", 300), "*", -1, true, "\xfe")

	p, err := rbac.LoadPolicy(strings.NewReader(attackPolicy))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, actor string, kind uint8, key string, value uint8, id, list string, n int, flag bool, reason string) {
		ctx := context.Background()
		a, store := authorizerOf(t, p, rbac.WithoutFollow())
		c := fuzzChange(kind, key, value, id, list, n, flag)
		rev := store.Revision()
		_, perr := a.Admin(rbac.UserID(actor)).Preview(ctx, c)
		_, err = a.Admin(rbac.UserID(actor)).Apply(ctx, reason, c)
		for _, e := range []error{perr, err} {
			if e != nil && !wrapsSentinel(e) {
				t.Fatalf("error wraps no sentinel: %v", e)
			}
		}
		if err != nil && store.Revision() != rev {
			t.Fatalf("refused (%v) but written", err)
		}
	})
}

func wrapsSentinel(err error) bool {
	for _, s := range []error{rbac.ErrNotFound, rbac.ErrExists, rbac.ErrInvalid, rbac.ErrCycle, rbac.ErrConflict, rbac.ErrForbidden, rbac.ErrSeparationOfDuty, rbac.ErrTruncated, rbac.ErrClosed} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// fuzzChange builds a change of kind (an index into EntityKinds, or an
// unknown kind) whose value is of type value (any entity type, pointers,
// nil pointers or none), filled from id, list and n.
func fuzzChange(kind uint8, key string, value uint8, id, list string, n int, flag bool) rbac.Change {
	c := rbac.Change{Key: key}
	if int(kind) < len(rbac.EntityKinds()) {
		c.Kind = rbac.EntityKinds()[kind]
	} else {
		c.Kind = rbac.EntityKind(key)
	}
	items := strings.Split(list, ",")
	roles := make([]rbac.RoleID, len(items))
	for i, s := range items {
		roles[i] = rbac.RoleID(s)
	}
	var e rbac.Entity
	switch value % 20 {
	case 0:
		e = rbac.PermissionDef{Name: rbac.Permission(id), Title: list, Sensitive: list, Requires: []rbac.Permission{rbac.Permission(list)}}
	case 1:
		e = rbac.Role{ID: rbac.RoleID(id), Title: list, Contains: roles, Grants: []rbac.Grant{{Permission: rbac.Permission(list), Scope: rbac.Scope(n)}}}
	case 2:
		e = rbac.Role{ID: rbac.RoleID(id)}
	case 3:
		e = rbac.Workgroup{ID: rbac.WorkgroupID(id), Name: list, Parent: rbac.WorkgroupID(list)}
	case 4:
		e = rbac.Group{ID: rbac.GroupID(id), Name: list, AccountType: "internal", Roles: roles, Managers: []rbac.UserID{rbac.UserID(list)}}
	case 5:
		u := rbac.User{ID: rbac.UserID(id), AccountType: "internal", Roles: roles, Disabled: flag}
		if n == 1 {
			u = rbac.User{ID: rbac.UserID(id), AccountType: "external", Groups: []rbac.GroupID{rbac.GroupID(list)}}
		}
		e = u
	case 6:
		e = rbac.Constraint{Name: id, Roles: roles, Max: n, Dynamic: flag}
	case 7:
		e = rbac.OwnershipRule{Kind: id, Bypass: rbac.Permission(list), Create: rbac.Permission(list)}
	case 8:
		e = rbac.Ownership{Kind: "service", ID: id, Owners: []rbac.OrgSlug{rbac.OrgSlug(list)}}
	case 9:
		e = rbac.AccountTypeDef{ID: rbac.AccountType(id), Title: list, DefaultRoles: roles}
	case 10:
		e = &rbac.User{ID: rbac.UserID(id)}
	case 11:
		e = (*rbac.User)(nil)
	case 12:
		e = &rbac.Role{ID: rbac.RoleID(id)}
	case 13:
		e = (*rbac.Group)(nil)
	case 14:
		e = &rbac.Workgroup{ID: rbac.WorkgroupID(id)}
	case 15:
		e = (*rbac.Constraint)(nil)
	case 16:
		e = (*rbac.PermissionDef)(nil)
	case 17:
		e = (*rbac.AccountTypeDef)(nil)
	case 18:
		e = (*rbac.OwnershipRule)(nil)
	case 19:
		e = (*rbac.Ownership)(nil)
	}
	if value < 240 {
		c.After = e
	}
	return c
}
