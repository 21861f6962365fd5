package naive

import "github.com/rolegraph/rbac"

// Exercisable returns the scopes at which user u can exercise perm (a
// checked name) under some set of active roles it may use: any subset of
// its authorized roles that breaks no dynamic constraint, with the
// permission's prerequisites held by the same set. Unknown and disabled
// users exercise nothing. Every subset is tried when the user's full role
// set breaks a dynamic constraint (what a set holds only grows with it).
func Exercisable(p *rbac.Policy, u rbac.UserID, perm rbac.Permission) map[rbac.Scope]bool {
	out := map[rbac.Scope]bool{}
	user := findUser(p, u)
	if user == nil || user.Disabled {
		return out
	}
	authorized := authorizedRoles(p, user)
	var roles []rbac.RoleID
	for r := range authorized {
		roles = append(roles, r)
	}
	try := func(active map[rbac.RoleID]bool) {
		if breaksDynamic(p, active) || !prerequisitesHeld(p, active, perm) {
			return
		}
		for s := range scopesHeld(p, active, perm) {
			out[s] = true
		}
	}
	if !breaksDynamic(p, authorized) {
		try(authorized)
		return out
	}
	for mask := 0; mask < 1<<len(roles); mask++ {
		var chosen []rbac.RoleID
		for i, r := range roles {
			if mask>>i&1 == 1 {
				chosen = append(chosen, r)
			}
		}
		active := closure(p, chosen)
		for r := range active {
			if !authorized[r] {
				delete(active, r)
			}
		}
		try(active)
	}
	return out
}

// ExercisesAt reports whether u exercises perm at scope s or wider.
func ExercisesAt(p *rbac.Policy, u rbac.UserID, perm rbac.Permission, s rbac.Scope) bool {
	for t := range Exercisable(p, u, perm) {
		if wider(t, s) {
			return true
		}
	}
	return false
}

// wider reports whether scope t covers everything scope s covers:
// mine, workgroup < global < all.
func wider(t, s rbac.Scope) bool {
	switch t {
	case rbac.ScopeAll:
		return true
	case rbac.ScopeGlobal:
		return s != rbac.ScopeAll
	}
	return t == s
}

func breaksDynamic(p *rbac.Policy, active map[rbac.RoleID]bool) bool {
	for _, c := range p.Constraints {
		if !c.Dynamic {
			continue
		}
		n := 0
		for _, r := range c.Roles {
			if active[r] {
				n++
			}
		}
		if n > c.Max {
			return true
		}
	}
	return false
}

func findUser(p *rbac.Policy, id rbac.UserID) *rbac.User {
	for i := range p.Users {
		if p.Users[i].ID == id {
			return &p.Users[i]
		}
	}
	return nil
}

// Conferred returns the scopes at which the closure of roles, filtered by
// account type t, grants perm, prerequisites aside: what a group's roles
// give its members.
func Conferred(p *rbac.Policy, roles []rbac.RoleID, t rbac.AccountType, perm rbac.Permission) map[rbac.Scope]bool {
	active := closure(p, roles)
	for r := range active {
		role := findRole(p, r)
		allowed := len(role.AccountTypes) == 0
		for _, x := range role.AccountTypes {
			allowed = allowed || x == t
		}
		if !allowed {
			delete(active, r)
		}
	}
	return scopesHeld(p, active, perm)
}

// CoversWorkgroup reports whether one of mine is w or an ancestor of w in
// p's workgroup forest (walking up from w with a visited set).
func CoversWorkgroup(p *rbac.Policy, mine []rbac.WorkgroupID, w rbac.WorkgroupID) bool {
	if !workgroupExists(p, w) {
		return false
	}
	seen := map[rbac.WorkgroupID]bool{}
	for at := w; at != "" && !seen[at]; at = parentOf(p, at) {
		seen[at] = true
		for _, m := range mine {
			if m == at {
				return true
			}
		}
	}
	return false
}

// Ancestors returns w and its ancestors in p.
func Ancestors(p *rbac.Policy, w rbac.WorkgroupID) map[rbac.WorkgroupID]bool {
	out := map[rbac.WorkgroupID]bool{}
	for at := w; at != "" && !out[at] && workgroupExists(p, at); at = parentOf(p, at) {
		out[at] = true
	}
	return out
}

// BreaksStatic reports whether user u is authorized for more than c.Max of
// c's roles: what Validate must reject for a static constraint.
func BreaksStatic(p *rbac.Policy, u *rbac.User, c rbac.Constraint) bool {
	authorized := authorizedRoles(p, u)
	n := 0
	for _, r := range c.Roles {
		if authorized[r] {
			n++
		}
	}
	return n > c.Max
}
