package rbac

import "strings"

// Check decides a request against the snapshot. It is pure, takes no lock
// and allocates nothing; Decision.Path is left empty (see Explain). A nil
// snapshot denies everything.
func (s *Snapshot) Check(req Request) Decision {
	var ev evaluation
	return s.evaluate(&req, &ev).decision()
}

// verdict is a Decision without its Path. It is small enough for the
// compiler to keep in registers, where a Decision (six words) is copied
// through memory at every return of the functions that pass it up; built
// once, at the end, the Decision costs no copy.
type verdict struct {
	reason  Reason
	allowed bool
	scope   Scope
}

func deny(r Reason) verdict { return verdict{reason: r} }

func grant(scope Scope) verdict { return verdict{reason: ReasonGranted, allowed: true, scope: scope} }

func (v verdict) decision() Decision {
	return Decision{Allowed: v.allowed, Scope: v.scope, Reason: v.reason}
}

// evaluation records what evaluate found, for Explain.
type evaluation struct {
	user  *userRec
	held  uint8          // scopes at which the active roles hold the permission
	eff   uint8          // the same, with prerequisites
	cover uint8          // scopes that cover the resource
	sod   int            // violated dynamic constraint, or -1
	rule  *ownershipRule // the ownership rule that applies, if any
	// prof is the profile a user with timed assignments holds at the
	// check's instant; nil: the record's own.
	prof *profile
}

// profile returns the profile u holds for this evaluation.
func (ev *evaluation) profile(u *userRec) *profile {
	if ev.prof != nil {
		return ev.prof
	}
	return u.prof
}

func (s *Snapshot) evaluate(req *Request, ev *evaluation) verdict {
	ev.sod = -1
	if s == nil || !validCheckedPermission(req.Permission) {
		return deny(ReasonInvalidRequest)
	}
	if res := req.Resource; res != nil && s.roles.kinds != nil {
		if _, ok := s.roles.kinds[res.Kind]; !ok {
			return deny(ReasonInvalidRequest)
		}
	}
	if req.ActiveRoles != nil && s.roles.uncatalogued(req.Permission) {
		return deny(ReasonInvalidRequest)
	}
	if p := req.Principal; p != nil {
		// The principal's record lives on this stack: decide keeps no
		// pointer to it, so a cached principal allocates nothing.
		var rec userRec
		if r := s.resolvePrincipal(p, &rec); r != "" {
			if s.roles.uncatalogued(req.Permission) {
				r = ReasonInvalidRequest
			}
			return deny(r)
		}
		return s.decide(req, &rec, ev)
	}
	u, ok := s.users.Get(string(req.User))
	if !ok || u == nil {
		if s.roles.uncatalogued(req.Permission) {
			return deny(ReasonInvalidRequest)
		}
		return deny(ReasonUnknownUser)
	}
	ev.user = u
	if u.timed != nil {
		// The one clock read, for users with timed assignments only.
		ev.prof = s.timedAt(u.timed)
	}
	return s.decide(req, u, ev)
}

// decide evaluates a request for a known, valid user. It keeps no pointer
// to u (which may live on the caller's stack).
func (s *Snapshot) decide(req *Request, u *userRec, ev *evaluation) verdict {
	if u.user.Disabled {
		if s.roles.uncatalogued(req.Permission) {
			return deny(ReasonInvalidRequest)
		}
		return deny(ReasonDisabled)
	}
	if reason := s.grantScopes(u, req.ActiveRoles, req.Permission, ev); reason != ReasonGranted {
		return deny(reason)
	}
	res := req.Resource
	if res == nil {
		return grant(widest(ev.eff))
	}
	ev.cover = s.covering(u, res, ev.eff)
	granted := ev.eff & ev.cover
	if granted == 0 {
		return deny(ReasonOutOfScope)
	}
	scope := widest(granted)
	if rule, ok := s.rules[res.Kind]; ok {
		ev.rule = rule
		if !s.owns(u, res) && !s.bypasses(ev.profile(u), req, rule) {
			return deny(ReasonNotOwner)
		}
	}
	return grant(scope)
}

// grantScopes is the part of a decision that does not depend on the
// resource: active roles, dynamic separation of duty, grants (wildcards
// included) and prerequisites. It fills ev.held, ev.eff and ev.sod and
// returns ReasonGranted when the permission is effective at some scope.
// Check and Plan share it, so that they cannot drift apart.
func (s *Snapshot) grantScopes(u *userRec, active []RoleID, p Permission, ev *evaluation) Reason {
	rt := s.roles
	prof := ev.profile(u)
	if active != nil {
		var act activeSet
		if !act.resolve(rt, prof, active) {
			return ReasonRoleNotHeld
		}
		if ev.sod = rt.violatedDynamic(&act); ev.sod >= 0 {
			return ReasonSeparationOfDuty
		}
		ev.held, ev.eff = rt.activeHeld(&act, p)
	} else {
		if prof.sod >= 0 {
			if rt.uncatalogued(p) {
				return ReasonInvalidRequest
			}
			ev.sod = int(prof.sod)
			return ReasonSeparationOfDuty
		}
		if e, ok := prof.lookup(p); ok {
			ev.held, ev.eff = e.held, e.eff
		} else {
			// Every catalogued name a profile reaches is in its table, so
			// only a miss can be a name outside the catalogue, which no
			// grant, not even "*", may match.
			if rt.uncatalogued(p) {
				return ReasonInvalidRequest
			}
			ev.held = prof.wildcard(p)
			ev.eff = ev.held
		}
	}
	if ev.held == 0 {
		return ReasonNoGrant
	}
	if ev.eff == 0 {
		return ReasonMissingPrerequisite
	}
	return ReasonGranted
}

// covering returns which of the scopes in want cover the resource.
func (s *Snapshot) covering(u *userRec, res *Resource, want uint8) uint8 {
	cover := scopeBit(ScopeAll)
	if res.Inactive {
		return cover
	}
	cover |= scopeBit(ScopeGlobal)
	if want&scopeBit(ScopeMine) != 0 {
		for _, a := range res.Assignees {
			if a == u.user.ID {
				cover |= scopeBit(ScopeMine)
				break
			}
		}
	}
	if want&scopeBit(ScopeWorkgroup) != 0 && len(u.wgs) > 0 {
		if _, ok := s.workgroupMatch(u, res); ok {
			cover |= scopeBit(ScopeWorkgroup)
		}
	}
	return cover
}

// workgroupMatch finds a resource workgroup under one of the user's.
func (s *Snapshot) workgroupMatch(u *userRec, res *Resource) (pair [2]int32, ok bool) {
	for _, w := range res.Workgroups {
		x, known := s.wgs.idx[w]
		if !known {
			continue
		}
		for _, uw := range u.wgs {
			if s.wgs.contains(uw, x) {
				return [2]int32{uw, x}, true
			}
		}
	}
	return pair, false
}

// owns reports whether the user's org is among the resource's owners.
func (s *Snapshot) owns(u *userRec, res *Resource) bool {
	org := u.user.Org
	if org == "" {
		return false
	}
	for _, o := range s.ownersOf(res) {
		if o == org {
			return true
		}
	}
	return false
}

// ownersOf returns the request's owners, or the stored ones when nil.
func (s *Snapshot) ownersOf(res *Resource) []OrgSlug {
	if res.Owners != nil {
		return res.Owners
	}
	rule, ok := s.rules[res.Kind]
	if !ok {
		return nil
	}
	owners, _ := rule.owners.Get(res.ID)
	return owners
}

func (s *Snapshot) bypasses(prof *profile, req *Request, rule *ownershipRule) bool {
	if req.ActiveRoles == nil {
		return prof.bypass.Has(rule.idx)
	}
	var act activeSet
	act.resolve(s.roles, prof, req.ActiveRoles)
	_, eff := s.roles.activeHeld(&act, rule.bypass)
	return eff != 0
}

// activeSet is the roles a request activates, interned. The first few are
// kept in a fixed array so that resolving them does not allocate.
type activeSet struct {
	ids   []RoleID
	fixed [8]int32
}

// resolve interns the active roles and reports whether each is authorized
// by prof.
func (a *activeSet) resolve(rt *roleTable, prof *profile, ids []RoleID) bool {
	a.ids = ids
	for n, r := range ids {
		i, ok := rt.idx[r]
		if !ok || !prof.roles.Has(int(i)) {
			return false
		}
		if n < len(a.fixed) {
			a.fixed[n] = i
		}
	}
	return true
}

func (a *activeSet) len() int { return len(a.ids) }

func (a *activeSet) at(rt *roleTable, n int) int32 {
	if n < len(a.fixed) {
		return a.fixed[n]
	}
	return rt.idx[a.ids[n]]
}

// activeHeld returns the scopes at which the active roles hold p, and the
// scopes at which p is effective (every prerequisite held by them too).
func (rt *roleTable) activeHeld(act *activeSet, p Permission) (held, eff uint8) {
	requires := false
	for n := 0; n < act.len(); n++ {
		prof := rt.singleProfile(act.at(rt, n))
		if e, ok := prof.lookup(p); ok {
			held |= e.held
			requires = requires || e.requires
		} else {
			held |= prof.wildcard(p)
		}
	}
	if held == 0 || !requires {
		return held, held
	}
	for _, q := range rt.requires[p] {
		var h uint8
		for n := 0; n < act.len(); n++ {
			h |= rt.singleProfile(act.at(rt, n)).held(q)
		}
		if h == 0 {
			return held, 0
		}
	}
	return held, held
}

// violatedDynamic returns the index of a dynamic constraint of which more
// than Max roles are active (counting contained roles), or -1.
func (rt *roleTable) violatedDynamic(act *activeSet) int {
	for ci, dc := range rt.dynamic {
		n := 0
		for _, r := range dc.roles {
			for k := 0; k < act.len(); k++ {
				if rt.closure[act.at(rt, k)].Has(int(r)) {
					n++
					break
				}
			}
		}
		if n > dc.max {
			return ci
		}
	}
	return -1
}

// validCheckedPermission is checkPermission without allocating: a
// well-formed identifier, no wildcard, no empty dotted segment.
func validCheckedPermission(p Permission) bool {
	if len(p) == 0 || len(p) > MaxIDLen || p[0] == '.' || p[len(p)-1] == '.' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !idByte(c) || (c == '.' && prev == '.') {
			return false
		}
		prev = c
	}
	return true
}

// uncatalogued reports whether the policy has a permission catalogue that
// does not know p. Built-in administration permissions are always known;
// any other name under their prefix is never known, catalogue or not, so
// that not even "*" reaches it.
func (rt *roleTable) uncatalogued(p Permission) bool {
	if strings.HasPrefix(string(p), BuiltinPermissionPrefix) {
		return !builtinPermission(p)
	}
	if rt.known == nil {
		return false
	}
	_, ok := rt.known[p]
	return !ok
}
