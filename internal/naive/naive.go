// Package naive is a deliberately naive evaluator of rolegraph requests,
// written straight from DESIGN.md and the package documentation of rbac,
// sharing none of the engine's code: no interning, no bitsets, no
// profiles, everything recomputed for every request. Property tests
// compare the compiled engine against it.
package naive

import (
	"strings"

	"github.com/rolegraph/rbac"
)

// Evaluate decides req against p the slow, obvious way. The Decision has
// no Path.
func Evaluate(p *rbac.Policy, req rbac.Request) rbac.Decision {
	deny := func(r rbac.Reason) rbac.Decision { return rbac.Decision{Reason: r} }
	if !validPermission(string(req.Permission)) {
		return deny(rbac.ReasonInvalidRequest)
	}
	// Declared kinds: a request about another kind is invalid.
	if req.Resource != nil && len(p.Kinds) > 0 {
		declared := false
		for _, k := range p.Kinds {
			declared = declared || k.Name == req.Resource.Kind
		}
		if !declared {
			return deny(rbac.ReasonInvalidRequest)
		}
	}
	// A catalogue: a permission outside it is invalid; the built-in
	// administration permissions are always known, and no other rbac.
	// name ever is.
	if !Valid(p, req.Permission) {
		return deny(rbac.ReasonInvalidRequest)
	}
	var user *rbac.User
	if req.Principal != nil {
		if r := principalProblem(p, req.Principal); r != "" {
			return deny(r)
		}
		user = req.Principal
	} else {
		for i := range p.Users {
			if p.Users[i].ID == req.User {
				user = &p.Users[i]
			}
		}
	}
	if user == nil {
		return deny(rbac.ReasonUnknownUser)
	}
	if user.Disabled {
		return deny(rbac.ReasonDisabled)
	}
	authorized := authorizedRoles(p, user)
	active := authorized
	if req.ActiveRoles != nil {
		for _, r := range req.ActiveRoles {
			if !authorized[r] {
				return deny(rbac.ReasonRoleNotHeld)
			}
		}
		active = closure(p, req.ActiveRoles)
	}
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
			return deny(rbac.ReasonSeparationOfDuty)
		}
	}
	held := scopesHeld(p, active, req.Permission)
	if len(held) == 0 {
		return deny(rbac.ReasonNoGrant)
	}
	if !prerequisitesHeld(p, active, req.Permission) {
		return deny(rbac.ReasonMissingPrerequisite)
	}
	order := []rbac.Scope{rbac.ScopeAll, rbac.ScopeGlobal, rbac.ScopeWorkgroup, rbac.ScopeMine}
	res := req.Resource
	if res == nil {
		for _, s := range order {
			if held[s] {
				return rbac.Decision{Allowed: true, Scope: s, Reason: rbac.ReasonGranted}
			}
		}
	}
	granted := rbac.ScopeNone
	for _, s := range order {
		if held[s] && covers(p, user, res, s) {
			granted = s
			break
		}
	}
	if granted == rbac.ScopeNone {
		return deny(rbac.ReasonOutOfScope)
	}
	for _, rule := range p.OwnershipRules {
		if rule.Kind != res.Kind {
			continue
		}
		owners := res.Owners
		if owners == nil {
			for _, o := range p.Ownerships {
				if o.Kind == res.Kind && o.ID == res.ID {
					owners = o.Owners
				}
			}
		}
		isOwner := false
		for _, o := range owners {
			if user.Org != "" && o == user.Org {
				isOwner = true
			}
		}
		bypass := len(scopesHeld(p, active, rule.Bypass)) > 0 && prerequisitesHeld(p, active, rule.Bypass)
		if !isOwner && !bypass {
			return deny(rbac.ReasonNotOwner)
		}
	}
	return rbac.Decision{Allowed: true, Scope: granted, Reason: rbac.ReasonGranted}
}

func validPermission(p string) bool {
	if p == "" || len(p) > 128 || strings.Contains(p, "*") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return false
	}
	return rbac.ValidID(p)
}

func findRole(p *rbac.Policy, id rbac.RoleID) *rbac.Role {
	for i := range p.Roles {
		if p.Roles[i].ID == id {
			return &p.Roles[i]
		}
	}
	return nil
}

// closure follows Contains from the given roles with a worklist.
func closure(p *rbac.Policy, start []rbac.RoleID) map[rbac.RoleID]bool {
	out := map[rbac.RoleID]bool{}
	work := append([]rbac.RoleID(nil), start...)
	for len(work) > 0 {
		r := work[0]
		work = work[1:]
		role := findRole(p, r)
		if role == nil || out[r] {
			continue
		}
		out[r] = true
		work = append(work, role.Contains...)
	}
	return out
}

// authorizedRoles: closure of direct, group and default roles, then each
// role kept only if it allows the user's account type.
func authorizedRoles(p *rbac.Policy, u *rbac.User) map[rbac.RoleID]bool {
	var start []rbac.RoleID
	start = append(start, u.Roles...)
	for _, g := range u.Groups {
		for _, group := range p.Groups {
			if group.ID == g {
				start = append(start, group.Roles...)
			}
		}
	}
	for _, at := range p.AccountTypes {
		if u.AccountType != "" && at.ID == u.AccountType {
			start = append(start, at.DefaultRoles...)
		}
	}
	out := closure(p, start)
	for r := range out {
		role := findRole(p, r)
		allowed := len(role.AccountTypes) == 0
		for _, t := range role.AccountTypes {
			if t == u.AccountType {
				allowed = true
			}
		}
		if !allowed {
			delete(out, r)
		}
	}
	return out
}

func matches(grant, perm rbac.Permission) bool {
	g, q := string(grant), string(perm)
	if g == "*" {
		return true
	}
	if strings.HasSuffix(g, ".*") {
		return strings.HasPrefix(q, strings.TrimSuffix(g, "*"))
	}
	return g == q
}

func scopesHeld(p *rbac.Policy, active map[rbac.RoleID]bool, perm rbac.Permission) map[rbac.Scope]bool {
	out := map[rbac.Scope]bool{}
	for r := range active {
		for _, g := range findRole(p, r).Grants {
			if matches(g.Permission, perm) {
				out[g.Scope] = true
			}
		}
	}
	return out
}

func prerequisitesHeld(p *rbac.Policy, active map[rbac.RoleID]bool, perm rbac.Permission) bool {
	for _, d := range p.Permissions {
		if d.Name != perm {
			continue
		}
		for _, q := range d.Requires {
			if len(scopesHeld(p, active, q)) == 0 {
				return false
			}
		}
	}
	return true
}

func covers(p *rbac.Policy, u *rbac.User, res *rbac.Resource, s rbac.Scope) bool {
	switch s {
	case rbac.ScopeAll:
		return true
	case rbac.ScopeGlobal:
		return !res.Inactive
	case rbac.ScopeMine:
		if res.Inactive {
			return false
		}
		for _, a := range res.Assignees {
			if a == u.ID {
				return true
			}
		}
	case rbac.ScopeWorkgroup:
		if res.Inactive {
			return false
		}
		for _, w := range res.Workgroups {
			if !workgroupExists(p, w) {
				continue
			}
			// Walk up from the record's workgroup, with a visited set.
			seen := map[rbac.WorkgroupID]bool{}
			for at := w; at != "" && !seen[at]; at = parentOf(p, at) {
				seen[at] = true
				for _, mine := range u.Workgroups {
					if mine == at {
						return true
					}
				}
			}
		}
	}
	return false
}

func workgroupExists(p *rbac.Policy, id rbac.WorkgroupID) bool {
	for _, w := range p.Workgroups {
		if w.ID == id {
			return true
		}
	}
	return false
}

func parentOf(p *rbac.Policy, id rbac.WorkgroupID) rbac.WorkgroupID {
	for _, w := range p.Workgroups {
		if w.ID == id {
			return w.Parent
		}
	}
	return ""
}

// principalProblem checks a principal as a stored user is validated:
// every id known, every role and group open to its account type, no
// static constraint exceeded.
func principalProblem(p *rbac.Policy, u *rbac.User) rbac.Reason {
	bad := rbac.ReasonInvalidRequest
	if !rbac.ValidID(string(u.ID)) || (u.Org != "" && !rbac.ValidID(string(u.Org))) {
		return bad
	}
	if u.AccountType != "" {
		found := false
		for _, at := range p.AccountTypes {
			found = found || at.ID == u.AccountType
		}
		if !found {
			return bad
		}
	}
	for _, r := range u.Roles {
		role := findRole(p, r)
		if role == nil {
			return bad
		}
		open := len(role.AccountTypes) == 0
		for _, t := range role.AccountTypes {
			open = open || (u.AccountType != "" && t == u.AccountType)
		}
		if !open {
			return bad
		}
	}
	for _, g := range u.Groups {
		found := false
		for _, group := range p.Groups {
			if group.ID == g {
				found = true
				if group.AccountType != "" && group.AccountType != u.AccountType {
					return bad
				}
			}
		}
		if !found {
			return bad
		}
	}
	for _, w := range u.Workgroups {
		if !workgroupExists(p, w) {
			return bad
		}
	}
	authorized := authorizedRoles(p, u)
	for _, c := range p.Constraints {
		if c.Dynamic {
			continue
		}
		n := 0
		for _, r := range c.Roles {
			if authorized[r] {
				n++
			}
		}
		if n > c.Max {
			return rbac.ReasonSeparationOfDuty
		}
	}
	return ""
}
