package storetest

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// A text with 4-byte UTF-8 (utf8mb4 on MariaDB), quotes, a backslash, a
// newline and SQL-looking content: free text must round-trip exactly.
const oddText = "Ça marche 🚀 — “quoted” 'single' \\ back\nnew line; DROP TABLE roles;-- 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"

// everyKind returns one or more entities of every kind with every field set
// to a non-zero value, so that a field a store forgets shows up in a diff.
func everyKind() []rbac.Entity {
	return []rbac.Entity{
		rbac.PermissionDef{Name: "case.read", Title: "Read cases", Section: "Cases", Description: oddText},
		rbac.PermissionDef{
			Name: "case.delete", Title: "Delete cases", Section: "Cases", Description: "removes a case",
			Deprecated: "use case.archive", Sensitive: "cannot be undone",
			Requires: []rbac.Permission{"case.read", "case.archive", "audit.write"}, // not sorted
		},
		rbac.Role{
			ID: "caseworker", Title: "Case worker", Description: oddText,
			AccountTypes: []rbac.AccountType{"nomis", "delius"},
			Contains:     []rbac.RoleID{"reader", "auditor"},
			Grants: []rbac.Grant{
				{Permission: "case.read", Scope: rbac.ScopeMine},
				{Permission: "case.update", Scope: rbac.ScopeWorkgroup},
				{Permission: "client.*", Scope: rbac.ScopeGlobal},
				{Permission: "*", Scope: rbac.ScopeAll},
			},
		},
		rbac.Role{ID: "reader", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}}},
		rbac.AccountTypeDef{ID: "nomis", Title: "NOMIS", DefaultRoles: []rbac.RoleID{"reader", "caseworker"}},
		rbac.Workgroup{ID: "north", Name: "North region"},
		rbac.Workgroup{ID: "north.leeds", Name: "Leeds", Parent: "north"},
		rbac.Group{
			ID: "g1", Name: "Leeds case workers", Description: oddText, AccountType: "nomis",
			Roles: []rbac.RoleID{"caseworker", "reader"}, Managers: []rbac.UserID{"zoe", "adam"},
		},
		rbac.User{
			ID: "alice", Name: oddText + " ", Email: "alice.o'brien@example.org", AccountType: "nomis", Org: "hmpps",
			Roles: []rbac.RoleID{"reader", "caseworker"}, Groups: []rbac.GroupID{"g1"},
			Workgroups: []rbac.WorkgroupID{"north.leeds", "north"}, Disabled: true,
			Temporary: []rbac.TimedAssignment{
				{Role: "reader", Until: time.Date(2027, 1, 8, 17, 0, 0, 123456789, time.UTC)},
				{Group: "g1", From: time.Date(2027, 1, 4, 9, 0, 0, 0, time.FixedZone("CET", 3600)), Until: time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)},
			},
		},
		rbac.User{ID: "bob"},
		rbac.Constraint{Name: "no-self-approval", Roles: []rbac.RoleID{"maker", "checker"}, Max: 1, Dynamic: true},
		rbac.Constraint{Name: "static-sod", Roles: []rbac.RoleID{"a", "b", "c"}, Max: 2},
		rbac.OwnershipRule{Kind: "document", Bypass: "document.bypass", Create: "document.create"},
		rbac.Ownership{Kind: "document", ID: "d1", Owners: []rbac.OrgSlug{"zeta", "alpha", "mid"}},
		rbac.Ownership{Kind: "document", ID: "dept/2024/7", Owners: []rbac.OrgSlug{"hmrc"}},
		rbac.Elevation{ID: "incident", Title: oddText, Roles: []rbac.RoleID{"caseworker", "reader"}, MaxDuration: 90*time.Minute + time.Nanosecond, Invoke: "case.break_glass"},
	}
}

// puts returns a put of each entity.
func puts(entities []rbac.Entity) []rbac.Change {
	out := make([]rbac.Change, len(entities))
	for i, e := range entities {
		out[i] = put(e)
	}
	return out
}

// put returns the change that puts e.
func put(e rbac.Entity) rbac.Change {
	return rbac.Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: rbac.CloneEntity(e)}
}

// del returns the change that deletes e.
func del(e rbac.Entity) rbac.Change {
	return rbac.Change{Kind: e.EntityKind(), Key: e.EntityKey()}
}

// withKey returns an entity of the kind whose key is key, with a few fields
// set so that it is not all zero. For ownership, key is "kind/id".
func withKey(kind rbac.EntityKind, key string) rbac.Entity {
	switch kind {
	case rbac.EntityAccountType:
		return rbac.AccountTypeDef{ID: rbac.AccountType(key), Title: "type " + key}
	case rbac.EntityPermission:
		return rbac.PermissionDef{Name: rbac.Permission(key), Title: "permission " + key}
	case rbac.EntityRole:
		return rbac.Role{ID: rbac.RoleID(key), Title: "role " + key, Grants: []rbac.Grant{{Permission: "x.read", Scope: rbac.ScopeGlobal}}}
	case rbac.EntityGroup:
		return rbac.Group{ID: rbac.GroupID(key), Name: groupName(key)}
	case rbac.EntityWorkgroup:
		return rbac.Workgroup{ID: rbac.WorkgroupID(key), Name: "workgroup " + key}
	case rbac.EntityUser:
		return rbac.User{ID: rbac.UserID(key), Org: "org"}
	case rbac.EntityConstraint:
		return rbac.Constraint{Name: key, Roles: []rbac.RoleID{"a", "b"}, Max: 1}
	case rbac.EntityCampaign:
		return rbac.Campaign{ID: key, Groups: []rbac.GroupID{"g"}, Due: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	case rbac.EntityApproval:
		return rbac.Approval{Name: key, Roles: []rbac.RoleID{"a"}, Groups: []rbac.GroupID{"g"}, MadeBy: []rbac.RoleID{"b"}}
	case rbac.EntityResourceKind:
		return rbac.Kind{Name: key, Title: "kind " + key}
	case rbac.EntityOwnershipRule:
		return rbac.OwnershipRule{Kind: key, Bypass: "bypass"}
	case rbac.EntityOwnership:
		k, id, _ := strings.Cut(key, "/")
		return rbac.Ownership{Kind: k, ID: id, Owners: []rbac.OrgSlug{"o1"}}
	case rbac.EntityElevation:
		return rbac.Elevation{ID: key, Title: "elevation " + key, Roles: []rbac.RoleID{"a"}, MaxDuration: time.Hour, Invoke: "x.read"}
	}
	panic("storetest: unknown entity kind " + string(kind))
}

// groupName derives a group's name from its id so that names are unique
// even compared case-insensitively, as the model wants them ("Alice" and
// "alice" get different names): the suite never relies on a store not
// enforcing that.
func groupName(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("group %016x", h.Sum64())
}

// keyFor returns a key of the kind built from id: id itself, or for
// ownership "doc/" + id.
func keyFor(kind rbac.EntityKind, id string) string {
	if kind == rbac.EntityOwnership {
		return "doc/" + id
	}
	return id
}
