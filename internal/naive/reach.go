package naive

import (
	"strings"

	"github.com/rolegraph/rbac"
)

// Reach is one (permission, region) a user exercises, written from
// DESIGN.md's "Reach is per permission": at scope mine the user's own
// records, at scope workgroup one workgroup of the forest its workgroups
// cover, at global or all everything; Org is the org whose owned records
// it reaches ("" when the policy has no ownership rules or the user no
// org).
type Reach struct {
	User       rbac.UserID
	Permission rbac.Permission
	Scope      rbac.Scope
	Workgroup  rbac.WorkgroupID
	Org        rbac.OrgSlug
}

var builtins = []rbac.Permission{rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage, rbac.PermAuditRead, rbac.PermEscalate, rbac.PermSensitiveGrant}

// Valid reports whether a request may name perm under p: a built-in
// administration permission, or (with a catalogue) a catalogued name, or
// (without one) any name not under the built-in prefix.
func Valid(p *rbac.Policy, perm rbac.Permission) bool {
	if strings.HasPrefix(string(perm), "rbac.") {
		for _, b := range builtins {
			if b == perm {
				return true
			}
		}
		return false
	}
	if len(p.Permissions) == 0 {
		return true
	}
	for _, d := range p.Permissions {
		if d.Name == perm {
			return true
		}
	}
	return false
}

// Reaches lists what user u exercises in p over the given names (invalid
// names are exercised by nobody), region by region.
func Reaches(p *rbac.Policy, u rbac.UserID, names []rbac.Permission) []Reach {
	user := findUser(p, u)
	if user == nil || user.Disabled {
		return nil
	}
	var org rbac.OrgSlug
	if len(p.OwnershipRules) > 0 {
		org = user.Org
	}
	var out []Reach
	for _, q := range names {
		if !Valid(p, q) {
			continue
		}
		for s := range Exercisable(p, u, q) {
			if s != rbac.ScopeWorkgroup {
				out = append(out, Reach{User: u, Permission: q, Scope: s, Org: org})
				continue
			}
			for _, w := range p.Workgroups {
				if CoversWorkgroup(p, user.Workgroups, w.ID) {
					out = append(out, Reach{User: u, Permission: q, Scope: s, Workgroup: w.ID, Org: org})
				}
			}
		}
	}
	return out
}

// Covers reports whether reach a (the same user's or another's) covers the
// region of r for the same permission: all covers everything, global
// everything but all, a workgroup itself, mine mine. Orgs are compared by
// the caller.
func Covers(a, r Reach) bool {
	if a.Permission != r.Permission {
		return false
	}
	switch a.Scope {
	case rbac.ScopeAll:
		return true
	case rbac.ScopeGlobal:
		return r.Scope != rbac.ScopeAll
	case rbac.ScopeWorkgroup:
		return r.Scope == rbac.ScopeWorkgroup && r.Workgroup == a.Workgroup
	}
	return r.Scope == rbac.ScopeMine
}
