package rbac

import (
	"cmp"
	"context"
	"slices"

	"github.com/rolegraph/rbac/internal/compile"
)

// UserImpact is what a change would give a user and take away.
type UserImpact struct {
	User   UserID
	Gained []ScopedPermission
	Lost   []ScopedPermission
}

// Preview returns, for every user whose permissions would change, the
// (permission, scope) pairs gained and lost, each permission at its widest
// scope, without writing anything. A user whose full role set breaks a
// dynamic separation-of-duty constraint counts with what every active-role
// set it may use gives, as in the judgement of Admin.Apply. The actor needs the rights to make the changes (checked
// first, before anything about the model is revealed); the escalation and
// sensitivity rules are not applied, so that an administrator can see what
// a refused change would have done.
func (ad *Admin) Preview(ctx context.Context, changes ...Change) ([]UserImpact, error) {
	if err := checkAdminInput("preview", "", changes); err != nil {
		return nil, err
	}
	var rules evaluationRules
	if ad.actor != System {
		rules.rights = func(st *state, before *Snapshot, changes []Change) error {
			_, err := ad.rights(st, before, changes)
			return err
		}
	}
	ev, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Changes: changes}, rules)
	if err != nil {
		return nil, err
	}
	return preview(ev.before, ev.after, ev.expanded.Changes), nil
}

// preview compares every user's permissions before and after changes:
// only the changed users when the changes touch only users and ownership.
// Nil changes (two unrelated policies) compare every user.
func preview(before, after *Snapshot, changes []Change) []UserImpact {
	type pair struct{ b, a *profile }
	diffs := map[pair][2][]ScopedPermission{}
	var out []UserImpact
	seen := map[string]bool{}
	can := map[*profile]*profile{}
	exercising := func(s *Snapshot, rec *userRec) *profile {
		if rec == nil {
			return nil
		}
		if p, ok := can[rec.prof]; ok && !rec.user.Disabled {
			return p
		}
		p := s.exercising(rec)
		if p != nil {
			can[rec.prof] = p
		}
		return p
	}
	visit := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		b, _ := before.users.Get(id)
		a, _ := after.users.Get(id)
		bp, ap := exercising(before, b), exercising(after, a)
		if bp == ap {
			return
		}
		d, ok := diffs[pair{bp, ap}]
		if !ok {
			var was, now []ScopedPermission
			if bp != nil {
				was = bp.permissions()
			}
			if ap != nil {
				now = ap.permissions()
			}
			d = [2][]ScopedPermission{difference(was, now), difference(now, was)}
			diffs[pair{bp, ap}] = d
		}
		if len(d[0]) > 0 || len(d[1]) > 0 {
			out = append(out, UserImpact{User: UserID(id), Gained: d[0], Lost: d[1]})
		}
	}
	if changes != nil && usersOnly(changes) {
		for _, c := range changes {
			if c.Kind == EntityUser {
				visit(c.Key)
			}
		}
	} else {
		before.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
		after.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	}
	slices.SortFunc(out, func(x, y UserImpact) int { return cmp.Compare(x.User, y.User) })
	return out
}

// PolicyDiff is what replacing one policy with another does to its users:
// what a pull request that edits a policy file changes.
type PolicyDiff struct {
	// Impacts are the (permission, scope) pairs each user gains and loses,
	// computed exactly as Admin.Preview computes them.
	Impacts []UserImpact
	// Roles are the authorized roles each user gains and loses (direct,
	// through groups, account-type defaults and containment).
	Roles []RoleImpact
	// Conferrers are the (permission, scope) pairs each role, group and
	// account type confers, gained and lost: what a change does to the
	// model whether or not any stored user holds it (users from tokens are
	// not stored). Roles first, then groups, then account types, each by
	// id.
	Conferrers []ConferrerImpact
	// Sensitive lists every gain, by a user, a role, a group or an
	// account type, that reaches a permission that is sensitive before or
	// after the change: users first, then Conferrers' order.
	Sensitive []SensitiveGain
}

// Conferrer is a role, a group or an account type (through its default
// roles): what gives users permissions besides their own. Exactly one
// field is set.
type Conferrer struct {
	Role        RoleID
	Group       GroupID
	AccountType AccountType
}

// String returns "role ID", "group ID" or "account type ID".
func (c Conferrer) String() string {
	switch {
	case c.Role != "":
		return "role " + string(c.Role)
	case c.Group != "":
		return "group " + string(c.Group)
	case c.AccountType != "":
		return "account type " + string(c.AccountType)
	}
	return ""
}

// ConferrerImpact is what a change makes a role, a group or an account
// type confer, gained and lost: the (permission, scope) pairs its holders
// (the role's holders, the group's members, the users of the type) get
// from it, through containment, wildcards and the catalogue included.
// Prerequisites are not applied: whether they are met depends on the
// holder's other roles.
type ConferrerImpact struct {
	Conferrer Conferrer
	Gained    []ScopedPermission
	Lost      []ScopedPermission
}

// RoleImpact is the authorized roles a change gives a user and takes away.
type RoleImpact struct {
	User   UserID
	Gained []RoleID
	Lost   []RoleID
}

// SensitiveGain is a user, or a role, group or account type, newly
// reaching a sensitive permission.
type SensitiveGain struct {
	User       UserID           // the user who gains; "" when Conferrer is set
	Conferrer  Conferrer        // the role, group or account type that gains, when User is ""
	Gained     ScopedPermission // the gain (a name or a wildcard pattern)
	Permission PermissionDef    // the sensitive catalogue entry it reaches
}

// Holder names who gains: the user, or the conferrer.
func (g SensitiveGain) Holder() string {
	if g.User != "" {
		return "user " + string(g.User)
	}
	return g.Conferrer.String()
}

// DiffPolicies compiles two valid policies and compares them with the
// computation of Admin.Preview. Either policy may be empty (nil).
func DiffPolicies(before, after *Policy) (*PolicyDiff, error) {
	var snaps [2]*Snapshot
	for i, p := range []*Policy{before, after} {
		if p == nil {
			p = &Policy{}
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		_, s, err := compileFull(stateOf(p, 0))
		if err != nil {
			return nil, err
		}
		snaps[i] = s
	}
	b, a := snaps[0], snaps[1]
	d := &PolicyDiff{Impacts: preview(b, a, nil), Conferrers: conferrerImpacts(b, a)}
	sensitive := func(g SensitiveGain, gained []ScopedPermission) {
		for _, sp := range gained {
			def, ok := sensitiveReached(a, sp.Permission)
			if !ok {
				def, ok = sensitiveReached(b, sp.Permission)
			}
			if ok {
				g.Gained, g.Permission = sp, def
				d.Sensitive = append(d.Sensitive, g)
			}
		}
	}
	for _, ui := range d.Impacts {
		sensitive(SensitiveGain{User: ui.User}, ui.Gained)
	}
	for _, ci := range d.Conferrers {
		sensitive(SensitiveGain{Conferrer: ci.Conferrer}, ci.Gained)
	}
	seen := map[string]bool{}
	visit := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		was, now := b.authorizedRoles(id), a.authorizedRoles(id)
		gained, lost := addedRoles(was, now), addedRoles(now, was)
		if len(gained) > 0 || len(lost) > 0 {
			d.Roles = append(d.Roles, RoleImpact{User: UserID(id), Gained: gained, Lost: lost})
		}
	}
	b.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	a.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	slices.SortFunc(d.Roles, func(x, y RoleImpact) int { return cmp.Compare(x.User, y.User) })
	return d, nil
}

// authorizedRoles lists the roles an enabled user is authorized for,
// sorted; nil for a disabled or unknown user.
func (s *Snapshot) authorizedRoles(id string) []RoleID {
	rec, ok := s.users.Get(id)
	if !ok || rec == nil || rec.user.Disabled {
		return nil
	}
	var out []RoleID
	rec.prof.roles.Each(func(i int) { out = append(out, s.roles.roles[i].ID) })
	slices.Sort(out)
	return out
}

func addedRoles(was, now []RoleID) []RoleID {
	var out []RoleID
	for _, r := range now {
		if _, found := slices.BinarySearch(was, r); !found {
			out = append(out, r)
		}
	}
	return out
}

// sensitiveReached reports whether p (a name or a pattern) reaches a
// sensitive permission of s's catalogue, and the first such, by name.
func sensitiveReached(s *Snapshot, p Permission) (PermissionDef, bool) {
	for _, name := range sortedKeys(s.src.permissions) {
		if d := s.src.permissions[name]; d.Sensitive != "" && p.Matches(name) {
			return d, true
		}
	}
	return PermissionDef{}, false
}

// conferrerImpacts compares what every role, group and account type
// confers in before and in after (one absent from a side confers
// nothing there).
func conferrerImpacts(before, after *Snapshot) []ConferrerImpact {
	was, now := before.conferred(), after.conferred()
	keys := map[Conferrer]bool{}
	for c := range was {
		keys[c] = true
	}
	for c := range now {
		keys[c] = true
	}
	var out []ConferrerImpact
	for c := range keys {
		gained, lost := difference(was[c], now[c]), difference(now[c], was[c])
		if len(gained) > 0 || len(lost) > 0 {
			out = append(out, ConferrerImpact{Conferrer: c, Gained: gained, Lost: lost})
		}
	}
	slices.SortFunc(out, func(x, y ConferrerImpact) int { return compareConferrers(x.Conferrer, y.Conferrer) })
	return out
}

// compareConferrers orders roles, then groups, then account types, each
// by id.
func compareConferrers(x, y Conferrer) int {
	rank := func(c Conferrer) int {
		switch {
		case c.Role != "":
			return 0
		case c.Group != "":
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(x.Role, y.Role), cmp.Compare(x.Group, y.Group), cmp.Compare(x.AccountType, y.AccountType))
}

// conferred lists what each role, group and account type of s confers
// (see ConferrerImpact), sorted; one that confers nothing is left out.
func (s *Snapshot) conferred() map[Conferrer][]ScopedPermission {
	rt := s.roles
	out := map[Conferrer][]ScopedPermission{}
	add := func(c Conferrer, prof *profile) {
		if held := prof.heldPermissions(); len(held) > 0 {
			out[c] = held
		}
	}
	for i, r := range rt.roles {
		add(Conferrer{Role: r.ID}, rt.single[i])
	}
	for id, g := range s.src.groups {
		add(Conferrer{Group: id}, rt.buildProfile(rt.closureOf(g.Roles, g.AccountType)))
	}
	for id, at := range s.src.accountTypes {
		add(Conferrer{AccountType: id}, rt.buildProfile(rt.closureOf(at.DefaultRoles, id)))
	}
	return out
}

// closureOf is the authorized role set of a holder of roles whose account
// type is t, as for a user: the closure, less the roles closed to t.
func (rt *roleTable) closureOf(roles []RoleID, t AccountType) compile.Bits {
	set := compile.NewBits(len(rt.roles))
	for _, r := range roles {
		if j, ok := rt.idx[r]; ok {
			set.Or(rt.closure[j])
		}
	}
	if allowed, ok := rt.allowed[t]; ok {
		set.And(allowed)
	} else {
		set.And(rt.allowed[""])
	}
	return set
}
