package rbac

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Explain decides req like Check and fills Decision.Path with the route
// that granted access (user → group or account type → role → contained
// role → grant → assignee, workgroup or owner), or for a denial the nearest
// miss. Explain allocates; use Check on hot paths.
func (s *Snapshot) Explain(req Request) Decision {
	var ev evaluation
	d := s.evaluate(&req, &ev).decision()
	if req.Principal != nil && s != nil {
		rec, _, _ := s.principalRecord(req.Principal)
		ev.user = rec
	} else if ev.prof != nil {
		// The route follows the roles held at the check's instant.
		r := *ev.user
		r.prof = ev.prof
		ev.user = &r
	}
	d.Path = s.route(&req, &ev, d)
	return d
}

func (s *Snapshot) route(req *Request, ev *evaluation, d Decision) []Step {
	miss := func(format string, args ...any) Step {
		return Step{Kind: StepMiss, Detail: fmt.Sprintf(format, args...)}
	}
	switch d.Reason {
	case ReasonInvalidRequest:
		if s == nil {
			return []Step{miss("no snapshot")}
		}
		if err := checkPermission(req.Permission); err != nil {
			return []Step{miss("invalid permission: %v", err)}
		}
		if res := req.Resource; res != nil && s.roles.kinds != nil {
			if _, ok := s.roles.kinds[res.Kind]; !ok {
				return []Step{miss("resource kind %s is not declared%s", quoteShort(res.Kind), didYouMean(res.Kind, s.src.kinds))}
			}
		}
		if s.roles.uncatalogued(req.Permission) {
			return []Step{miss("permission %s is not in the catalogue%s", quoteShort(string(req.Permission)), didYouMean(req.Permission, s.roles.catalog))}
		}
		if req.Principal != nil {
			if _, _, why := s.principalRecord(req.Principal); why != "" {
				return []Step{miss("%s", why)}
			}
		}
		return []Step{miss("invalid request")}
	case ReasonSeparationOfDuty:
		if req.Principal != nil && ev.sod < 0 {
			_, _, why := s.principalRecord(req.Principal)
			return []Step{{Kind: StepUser, ID: string(req.Principal.ID), Detail: "principal"}, miss("%s", why)}
		}
	case ReasonUnknownUser:
		return []Step{miss("no user %s%s", quoteShort(string(req.User)), s.nearestUser(req.User))}
	}
	u := ev.user
	if u == nil {
		return []Step{miss("%s", d.Reason)}
	}
	user := Step{Kind: StepUser, ID: string(u.user.ID)}
	if req.Principal != nil {
		user.Detail = "principal"
	}
	switch d.Reason {
	case ReasonDisabled:
		return []Step{user, miss("user %s is disabled", u.user.ID)}
	case ReasonRoleNotHeld:
		for _, r := range req.ActiveRoles {
			if i, ok := s.roles.idx[r]; !ok || !u.prof.roles.Has(int(i)) {
				return []Step{user, miss("role %s is not authorized for %s", quoteShort(string(r)), u.user.ID)}
			}
		}
	case ReasonSeparationOfDuty:
		dc := s.roles.dynamic[ev.sod]
		var names []string
		for _, r := range dc.roles {
			if s.activeHas(req, u, r) {
				names = append(names, string(s.roles.roles[r].ID))
			}
		}
		return []Step{user, {Kind: StepConstraint, ID: dc.name},
			miss("roles %s are active at once; at most %d may be", strings.Join(names, ", "), dc.max)}
	case ReasonNoGrant:
		steps := []Step{user, miss("no active role of %s grants %s", u.user.ID, req.Permission)}
		steps = append(steps, s.timedMisses(u, req.Permission)...)
		if others := s.rolesGranting(req.Permission, u.user.AccountType, 3); len(others) > 0 {
			steps = append(steps, miss("roles that grant it: %s", strings.Join(others, ", ")))
		} else if at := u.user.AccountType; at != "" {
			steps = append(steps, miss("no role open to account type %s grants it", at))
		} else if len(s.src.accountTypes) > 0 {
			steps = append(steps, miss("no role open to users without an account type grants it"))
		} else {
			steps = append(steps, miss("no role grants it"))
		}
		return steps
	}

	var want Scope
	switch d.Reason {
	case ReasonGranted:
		want = d.Scope
	case ReasonNotOwner:
		want = widest(ev.eff & ev.cover)
	case ReasonMissingPrerequisite:
		want = widest(ev.held)
	case ReasonOutOfScope:
		want = widest(ev.eff)
	}
	steps := append([]Step{user}, s.grantRoute(req, u, want)...)
	res := req.Resource
	switch d.Reason {
	case ReasonMissingPrerequisite:
		var missing []string
		for _, q := range s.roles.requires[req.Permission] {
			if !s.activeHolds(req, u, q) {
				missing = append(missing, string(q))
			}
		}
		return append(steps, miss("%s requires %s, which %s does not hold", req.Permission, strings.Join(missing, ", "), u.user.ID))
	case ReasonOutOfScope:
		var why []string
		for sc := ScopeAll; sc >= ScopeMine; sc-- {
			if ev.eff&scopeBit(sc) == 0 {
				continue
			}
			switch sc {
			case ScopeGlobal:
				why = append(why, fmt.Sprintf("holds %s@global, resource is inactive", req.Permission))
			case ScopeWorkgroup:
				if res.Inactive {
					why = append(why, fmt.Sprintf("holds %s@workgroup, resource is inactive", req.Permission))
				} else {
					why = append(why, fmt.Sprintf("holds %s@workgroup, resource workgroups [%s] are not in or under %s's workgroups [%s]",
						req.Permission, joinIDs(res.Workgroups), u.user.ID, joinIDs(u.user.Workgroups)))
				}
			case ScopeMine:
				if res.Inactive {
					why = append(why, fmt.Sprintf("holds %s@mine, resource is inactive", req.Permission))
				} else {
					why = append(why, fmt.Sprintf("holds %s@mine, resource not assigned to %s", req.Permission, u.user.ID))
				}
			}
		}
		return append(steps, miss("%s", strings.Join(why, "; ")))
	}
	// Granted or not_owner: show how the scope covers the resource.
	if res != nil {
		switch want {
		case ScopeMine:
			steps = append(steps, Step{Kind: StepAssignee, ID: string(u.user.ID), Detail: "assigned to the resource"})
		case ScopeWorkgroup:
			if pair, ok := s.workgroupMatch(u, res); ok {
				uw, x := s.workgroupID(pair[0]), s.workgroupID(pair[1])
				detail := "resource in " + x
				if uw != x {
					detail += ", under " + uw
				}
				steps = append(steps, Step{Kind: StepWorkgroup, ID: uw, Detail: detail})
			}
		}
	}
	if ev.rule == nil {
		return steps
	}
	owners := s.ownersOf(res)
	if d.Reason == ReasonNotOwner {
		org := string(u.user.Org)
		if org == "" {
			org = "(none)"
		}
		return append(steps, miss("%s %s is owned by [%s]; %s's org is %s and the active roles lack the bypass %s",
			res.Kind, quoteShort(res.ID), joinIDs(owners), u.user.ID, org, ev.rule.bypass))
	}
	if s.owns(u, res) {
		return append(steps, Step{Kind: StepOwner, ID: string(u.user.Org), Detail: fmt.Sprintf("owners [%s]", joinIDs(owners))})
	}
	return append(steps, Step{Kind: StepBypass, ID: string(ev.rule.bypass)})
}

// grantRoute finds the shortest route from the user's role sources to a
// grant of req.Permission at scope want, by breadth-first search.
func (s *Snapshot) grantRoute(req *Request, u *userRec, want Scope) []Step {
	rt := s.roles
	type node struct {
		role   int32
		parent int // index in visited order, -1 for a source
		origin []Step
	}
	var queue []node
	seen := map[int32]bool{}
	push := func(r RoleID, parent int, origin []Step) {
		i, ok := rt.idx[r]
		if !ok || seen[i] || !u.prof.roles.Has(int(i)) {
			return
		}
		seen[i] = true
		queue = append(queue, node{role: i, parent: parent, origin: origin})
	}
	if req.ActiveRoles != nil {
		for _, r := range req.ActiveRoles {
			push(r, -1, nil)
		}
	} else {
		for _, r := range u.user.Roles {
			push(r, -1, nil)
		}
		for _, g := range u.user.Groups {
			for _, r := range s.src.groups[g].Roles {
				push(r, -1, []Step{{Kind: StepGroup, ID: string(g)}})
			}
		}
		if at, ok := s.src.accountTypes[u.user.AccountType]; ok {
			for _, r := range at.DefaultRoles {
				push(r, -1, []Step{{Kind: StepAccountType, ID: string(at.ID), Detail: "default role"}})
			}
		}
		now := s.now()
		for _, t := range u.user.Temporary {
			if !t.HeldAt(now) {
				continue
			}
			window := []Step{{Kind: StepTemporary, Detail: t.String()}}
			if t.Role != "" {
				push(t.Role, -1, window)
			}
			for _, r := range s.src.groups[t.Group].Roles {
				push(r, -1, append(window, Step{Kind: StepGroup, ID: string(t.Group)}))
			}
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		n := queue[qi]
		role := &rt.roles[n.role]
		for _, g := range role.Grants {
			if g.Scope != want || !g.Permission.Matches(req.Permission) {
				continue
			}
			var chain []Step
			for at := qi; at >= 0; at = queue[at].parent {
				step := Step{Kind: StepRole, ID: string(rt.roles[queue[at].role].ID)}
				if queue[at].parent == -1 && req.ActiveRoles != nil {
					step.Detail = "active"
				}
				chain = append(chain, step)
				if queue[at].parent == -1 {
					chain = append(chain, reverse(queue[at].origin)...)
				}
			}
			chain = reverse(chain)
			grant := Step{Kind: StepGrant, ID: g.String()}
			if g.Permission.IsWildcard() {
				grant.Detail = "matches " + string(req.Permission)
			}
			return append(chain, grant)
		}
		for _, c := range role.Contains {
			push(c, qi, nil)
		}
	}
	return nil
}

func reverse(steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		out[len(steps)-1-i] = s
	}
	return out
}

// activeHas reports whether role r is active in the request.
func (s *Snapshot) activeHas(req *Request, u *userRec, r int32) bool {
	if req.ActiveRoles == nil {
		return u.prof.roles.Has(int(r))
	}
	for _, a := range req.ActiveRoles {
		if s.roles.closure[s.roles.idx[a]].Has(int(r)) {
			return true
		}
	}
	return false
}

// activeHolds reports whether the active roles hold p at some scope.
func (s *Snapshot) activeHolds(req *Request, u *userRec, p Permission) bool {
	if req.ActiveRoles == nil {
		return u.prof.held(p) != 0
	}
	var act activeSet
	act.resolve(s.roles, u.prof, req.ActiveRoles)
	held, _ := s.roles.activeHeld(&act, p)
	return held != 0
}

// rolesGranting lists up to max roles whose own grants match p and that a
// user of account type t may hold: a hint naming a role the user can
// never be given would mislead.
func (s *Snapshot) rolesGranting(p Permission, t AccountType, max int) []string {
	var out []string
	open, ok := s.roles.allowed[t]
	if !ok {
		open = s.roles.allowed[""]
	}
	for i, r := range s.roles.roles {
		if !open.Has(i) {
			continue
		}
		for _, g := range r.Grants {
			if g.Permission.Matches(p) {
				out = append(out, fmt.Sprintf("%s (%s)", r.ID, g))
				break
			}
		}
		if len(out) == max {
			break
		}
	}
	return out
}

// timedMisses says which of u's timed assignments would grant p but do
// not hold at the snapshot's clock: ended (at Until) or yet to start (at
// From), so that a denial after an expiry says so rather than only that
// no role grants it.
func (s *Snapshot) timedMisses(u *userRec, p Permission) []Step {
	now := s.now()
	var out []Step
	for _, t := range u.user.Temporary {
		if t.HeldAt(now) || !s.timedGrants(t, u.user.AccountType, p) {
			continue
		}
		if t.Expired(now) {
			out = append(out, Step{Kind: StepMiss, Detail: fmt.Sprintf("timed assignment of %s ended at %s; it granted %s", t, t.Until.Format(time.RFC3339), p)})
		} else {
			out = append(out, Step{Kind: StepMiss, Detail: fmt.Sprintf("timed assignment of %s starts at %s; it will grant %s", t, t.From.Format(time.RFC3339), p)})
		}
	}
	return out
}

// timedGrants reports whether the roles t gives (with those they contain,
// open to account type at) hold a grant matching p, prerequisites aside.
func (s *Snapshot) timedGrants(t TimedAssignment, at AccountType, p Permission) bool {
	roles := []RoleID{t.Role}
	if t.Group != "" {
		roles = s.src.groups[t.Group].Roles
	}
	open, ok := s.roles.allowed[at]
	if !ok {
		open = s.roles.allowed[""]
	}
	for _, id := range roles {
		i, ok := s.roles.idx[id]
		if !ok {
			continue
		}
		for j, r := range s.roles.roles {
			if !s.roles.closure[i].Has(j) || !open.Has(j) {
				continue
			}
			for _, g := range r.Grants {
				if g.Permission.Matches(p) {
					return true
				}
			}
		}
	}
	return false
}

func (s *Snapshot) workgroupID(i int32) string { return string(s.wgs.ids[i]) }

func joinIDs[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, ", ")
}

// maxSuggestUsers bounds the users searched for a "did you mean": an
// edit distance to each of a hundred thousand ids is not worth an
// explanation's time.
const maxSuggestUsers = 10000

// nearestUser is didYouMean over the snapshot's users, or "" when they
// are too many to search.
func (s *Snapshot) nearestUser(u UserID) string {
	if s.users.Len() > maxSuggestUsers {
		return ""
	}
	ids := make([]UserID, 0, s.users.Len())
	s.users.Range(func(id string, rec *userRec) bool {
		if rec != nil {
			ids = append(ids, UserID(id))
		}
		return true
	})
	slices.Sort(ids) // one answer among equally near ids
	return didYouMean(u, ids)
}

// nearestGranted is didYouMean over the names roles grant (wildcards
// aside), for a permission no role grants when there is no catalogue
// (Snapshot.Permission). Explain does not use it: a test that nobody
// holds a permission names one no role grants on purpose.
func (rt *roleTable) nearestGranted(p Permission) string {
	var granted []Permission
	for _, r := range rt.roles {
		for _, g := range r.Grants {
			if !g.Permission.IsWildcard() {
				granted = append(granted, g.Permission)
			}
		}
	}
	slices.Sort(granted)
	return didYouMean(p, slices.Compact(granted))
}
