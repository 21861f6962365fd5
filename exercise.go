package rbac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac/internal/compile"
)

// What a user can exercise: the (permission, scope) pairs its roles hold
// effectively — with their prerequisites — under some active-role set it
// may use. For most users that is the profile of every authorized role. A
// user whose full role set breaks a dynamic separation-of-duty constraint
// is denied with every role active, yet may still activate any subset that
// keeps within the constraints: it can exercise the union of what those
// subsets give. Administration judges gains and the actor's own rights on
// this, so that such users are neither invisible nor all-powerful.

// maxTiedRoles bounds the roles under dynamic constraints whose subsets
// are enumerated for one user (2^n sets). Beyond it the user cannot be
// judged and administration refuses the change rather than guess.
const maxTiedRoles = 12

// exercisable returns a profile of what a user with profile prof can
// exercise: prof itself unless its full role set breaks a dynamic
// constraint, else the union over the largest role sets that do not.
func (rt *roleTable) exercisable(prof *profile) (*profile, error) {
	if prof.sod < 0 {
		return prof, nil
	}
	constrained := compile.NewBits(len(rt.roles))
	for _, dc := range rt.dynamic {
		for _, r := range dc.roles {
			constrained.Set(int(r))
		}
	}
	base := compile.NewBits(len(rt.roles))
	var tied []int
	prof.roles.Each(func(i int) {
		if intersects(rt.closure[i], constrained) {
			tied = append(tied, i)
		} else {
			base.Or(rt.closure[i])
		}
	})
	if len(tied) > maxTiedRoles {
		return nil, fmt.Errorf("%d of the user's roles are under dynamic separation-of-duty constraints, more than %d", len(tied), maxTiedRoles)
	}
	with := func(set compile.Bits, i int) compile.Bits {
		out := set.Clone()
		out.Or(rt.closure[i])
		out.And(prof.roles)
		return out
	}
	union := &profile{roles: compile.NewBits(len(rt.roles)), perms: map[Permission]permEntry{}, sod: -1, bypass: compile.NewBits(len(rt.rules))}
	for m := 0; m < 1<<len(tied); m++ {
		set := base.Clone()
		set.And(prof.roles)
		for k, i := range tied {
			if m>>k&1 == 1 {
				set = with(set, i)
			}
		}
		if rt.violates(set) {
			continue
		}
		// Only inclusion-maximal sets matter: what a role set exercises
		// grows with the set.
		maximal := true
		for k, i := range tied {
			if m>>k&1 == 0 && !rt.violates(with(set, i)) {
				maximal = false
				break
			}
		}
		if maximal {
			rt.addProfile(union, rt.buildProfile(set))
		}
	}
	return union, nil
}

// exercising returns what the user of rec can exercise, or nil for an
// unknown or disabled user or one whose role sets are too many to judge.
func (s *Snapshot) exercising(rec *userRec) *profile {
	if rec == nil || rec.user.Disabled {
		return nil
	}
	p, err := s.roles.exercisable(rec.prof)
	if err != nil {
		return nil
	}
	return p
}

func intersects(a, b compile.Bits) bool {
	for i := range min(len(a), len(b)) { // closures are trimmed (compile.Closure)
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

// violates reports whether set has more than Max roles of some dynamic
// constraint.
func (rt *roleTable) violates(set compile.Bits) bool {
	for _, dc := range rt.dynamic {
		n := 0
		for _, r := range dc.roles {
			if set.Has(int(r)) {
				n++
			}
		}
		if n > dc.max {
			return true
		}
	}
	return false
}

// addProfile adds what p holds to union. A name missing from a profile's
// table is not catalogued, so the union's wildcards reach it without
// prerequisites; they are folded into the names the union lists.
func (rt *roleTable) addProfile(union, p *profile) {
	union.roles.Or(p.roles)
	union.bypass.Or(p.bypass)
	for name, e := range p.perms {
		u := union.perms[name]
		u.held |= e.held
		u.eff |= e.eff
		u.requires = u.requires || e.requires
		union.perms[name] = u
	}
	for prefix, m := range p.wild {
		if union.wild == nil {
			union.wild = map[string]uint8{}
		}
		union.wild[prefix] |= m
	}
	for name, e := range union.perms {
		if _, catalogued := slices.BinarySearch(rt.catalog, name); !catalogued {
			w := union.wildcard(name)
			e.held |= w
			e.eff |= w
			union.perms[name] = e
		}
	}
}

// canName returns the scopes at which p exercises the permission name.
func (p *profile) canName(name Permission) uint8 {
	if p == nil {
		return 0
	}
	return p.effective(name)
}

// holdsName returns the scopes at which p holds the name, prerequisites
// aside.
func (p *profile) holdsName(name Permission) uint8 {
	if p == nil {
		return 0
	}
	return p.held(name)
}

// canPattern returns the scopes at which p holds a wildcard grant that
// reaches every name pattern reaches.
func (p *profile) canPattern(pattern Permission) uint8 {
	if p == nil {
		return 0
	}
	var m uint8
	for prefix, mask := range p.wild {
		if patternCovers(Permission(prefix+"*"), pattern) {
			m |= mask
		}
	}
	return m
}

// can returns the scopes at which p exercises g's permission (a name or a
// pattern); with heldOnly, prerequisites aside.
func (p *profile) can(perm Permission, heldOnly bool) uint8 {
	switch {
	case perm.IsWildcard():
		return p.canPattern(perm)
	case heldOnly:
		return p.holdsName(perm)
	}
	return p.canName(perm)
}

// patternCovers reports whether a grant of a reaches every name a grant
// of b reaches.
func patternCovers(a, b Permission) bool {
	switch {
	case a == "*" || a == b:
		return true
	case b == "*":
		return false
	case a.IsWildcard():
		return strings.HasPrefix(string(b), string(a[:len(a)-1]))
	}
	return false
}

// coversScope reports whether some scope in mask is s or wider.
func coversScope(mask uint8, s Scope) bool {
	for t := ScopeMine; t <= ScopeAll; t++ {
		if mask&scopeBit(t) != 0 && t.Covers(s) {
			return true
		}
	}
	return false
}

// gained lists the (permission, scope) pairs that after exercises and
// before does not, at that scope or wider: names and wildcard patterns,
// sorted. With heldOnly, prerequisites are set aside (what roles confer).
// A nil profile exercises nothing.
func gained(before, after *profile, heldOnly bool) []ScopedPermission {
	if after == nil {
		return nil
	}
	var out []ScopedPermission
	add := func(perm Permission, mask uint8) {
		if mask == 0 {
			return
		}
		had := before.can(perm, heldOnly)
		for s := ScopeMine; s <= ScopeAll; s++ {
			if mask&scopeBit(s) != 0 && !coversScope(had, s) {
				out = append(out, ScopedPermission{Permission: perm, Scope: s})
			}
		}
	}
	for name, e := range after.perms {
		if heldOnly {
			add(name, e.held)
		} else {
			add(name, e.eff)
		}
	}
	for prefix, m := range after.wild {
		add(Permission(prefix+"*"), m)
	}
	slices.SortFunc(out, func(a, b ScopedPermission) int {
		if c := strings.Compare(string(a.Permission), string(b.Permission)); c != 0 {
			return c
		}
		return int(a.Scope) - int(b.Scope)
	})
	return out
}
