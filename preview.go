package rbac

import (
	"cmp"
	"context"
	"slices"
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
	// Sensitive lists every gain that reaches a permission that is
	// sensitive before or after the change.
	Sensitive []SensitiveGain
}

// RoleImpact is the authorized roles a change gives a user and takes away.
type RoleImpact struct {
	User   UserID
	Gained []RoleID
	Lost   []RoleID
}

// SensitiveGain is a user newly reaching a sensitive permission.
type SensitiveGain struct {
	User       UserID
	Gained     ScopedPermission // the gain (a name or a wildcard pattern)
	Permission PermissionDef    // the sensitive catalogue entry it reaches
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
	d := &PolicyDiff{Impacts: preview(b, a, nil)}
	for _, ui := range d.Impacts {
		for _, sp := range ui.Gained {
			def, ok := sensitiveReached(a, sp.Permission)
			if !ok {
				def, ok = sensitiveReached(b, sp.Permission)
			}
			if ok {
				d.Sensitive = append(d.Sensitive, SensitiveGain{User: ui.User, Gained: sp, Permission: def})
			}
		}
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
