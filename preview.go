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
// (permission, scope) pairs gained and lost with every role active, without
// writing anything. The actor needs the rights to make the changes (checked
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
func preview(before, after *Snapshot, changes []Change) []UserImpact {
	type pair struct{ b, a *profile }
	diffs := map[pair][2][]ScopedPermission{}
	var out []UserImpact
	seen := map[string]bool{}
	visit := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		b, _ := before.users.Get(id)
		a, _ := after.users.Get(id)
		var bp, ap *profile
		if b != nil && !b.user.Disabled && b.prof.sod < 0 {
			bp = b.prof
		}
		if a != nil && !a.user.Disabled && a.prof.sod < 0 {
			ap = a.prof
		}
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
	if usersOnly(changes) {
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
