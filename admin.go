package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// System is the reserved actor for bootstrap and imports: the only one
// that skips the administration rules. Its changes are still audited.
const System UserID = "rbac.system"

// Built-in permissions of administration. They are always known: a policy
// with a catalogue need not list them.
const (
	PermRolesManage    Permission = "rbac.roles.manage"    // roles, grants, containment, catalogue, account types, constraints, ownership rules
	PermGroupsManage   Permission = "rbac.groups.manage"   // groups, their roles and managers
	PermUsersManage    Permission = "rbac.users.manage"    // users, assignments, memberships, workgroups
	PermAuditRead      Permission = "rbac.audit.read"      // History
	PermEscalate       Permission = "rbac.escalate"        // confer what one does not hold
	PermSensitiveGrant Permission = "rbac.sensitive.grant" // let someone newly reach a sensitive permission
)

// Admin changes the model on behalf of an actor, under the rules of
// delegated administration:
//
//   - who may change what: rbac.roles.manage, rbac.groups.manage and
//     rbac.users.manage; a group's managers may add and remove members of
//     that group (users of its account type) and nothing else; owners of a
//     record only by the kind's bypass holders;
//   - no escalation: to define what a role confers, give a role to a
//     group, make a role a default, or assign it, the actor must hold every
//     permission newly conferred, at that scope or wider, unless it holds
//     rbac.escalate (group managers adding members confer by delegation);
//   - a change that lets anyone newly reach a sensitive permission also
//     needs rbac.sensitive.grant and a reason;
//   - no lockout: a change after which nobody enabled can manage roles,
//     groups or users is rejected.
//
// Denials wrap ErrForbidden and name what is missing. Nothing is written.
type Admin struct {
	a     *Authorizer
	actor UserID
}

// Admin returns the administration interface for actor.
func (a *Authorizer) Admin(actor UserID) *Admin { return &Admin{a: a, actor: actor} }

// Apply checks the rules for the changes and writes them as one audited
// change set with the actor and reason.
func (ad *Admin) Apply(ctx context.Context, reason string, changes ...Change) (Revision, error) {
	// Who may change what comes first, so that an actor without the right
	// learns that, not whether the change would be valid.
	if ad.actor != System {
		before := ad.a.Snapshot()
		for _, c := range ad.a.withBefore(changes) {
			if _, err := ad.mayChange(before, c); err != nil {
				return 0, err
			}
		}
	}
	for attempt := 0; ; attempt++ {
		ev, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Reason: reason, Changes: changes})
		if err != nil {
			return 0, err
		}
		if err := ad.authorize(ev, reason); err != nil {
			return 0, err
		}
		rev, err := ad.a.Apply(ctx, ChangeSet{Expect: ev.rev, Actor: ad.actor, Reason: reason, Changes: changes})
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue // someone changed the model meanwhile: judge again
		}
		return rev, err
	}
}

// evaluation of a change set before it is written.
type changeEvaluation struct {
	rev      Revision
	before   *Snapshot
	after    *Snapshot
	expanded ChangeSet
}

// evaluate expands cs with its cascades against the current state and compiles the result,
// leaving the state as it was.
func (a *Authorizer) evaluate(ctx context.Context, cs ChangeSet) (*changeEvaluation, error) {
	if a.closed.Load() {
		return nil, &Error{Op: "apply", Err: ErrClosed}
	}
	if err := a.sync(ctx); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	expanded, err := a.st.withCascades(cs)
	if err != nil {
		return nil, err
	}
	for _, c := range expanded.Changes {
		a.st.applyChange(c)
	}
	_, after, err := compileFull(a.st)
	a.st.undo(expanded.Changes)
	if err != nil {
		return nil, err
	}
	return &changeEvaluation{rev: a.st.rev, before: a.snap.Load(), after: after, expanded: expanded}, nil
}

// withBefore returns copies of changes with Before set from the current
// state.
func (a *Authorizer) withBefore(changes []Change) []Change {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Change, len(changes))
	for i, c := range changes {
		c.Before = CloneEntity(a.st.get(c.Kind, c.Key))
		out[i] = c
	}
	return out
}

func (ad *Admin) forbid(format string, args ...any) error {
	return &Error{Op: "admin", Kind: EntityUser, ID: string(ad.actor), Msg: fmt.Sprintf(format, args...), Err: ErrForbidden}
}

func (ad *Admin) holds(s *Snapshot, p Permission) bool {
	return s.Check(Request{User: ad.actor, Permission: p}).Allowed
}

func (ad *Admin) authorize(ev *changeEvaluation, reason string) error {
	if ad.actor == System {
		return nil
	}
	before := ev.before
	escalate := ad.holds(before, PermEscalate)
	for _, c := range ev.expanded.Changes {
		if c.Cascade {
			continue // implied by the change that caused it, which is judged
		}
		delegated, err := ad.mayChange(before, c)
		if err != nil {
			return err
		}
		if escalate || delegated {
			continue
		}
		for _, g := range ad.conferred(before, ev.after, c) {
			if !ad.holdsGrant(before, g) {
				return ad.forbid("cannot confer %s through %s: the actor does not hold it at that scope or wider (rbac.escalate would allow it)", g, c)
			}
		}
	}
	impact := preview(before, ev.after)
	for _, ui := range impact {
		for _, sp := range ui.Gained {
			if d, sensitive := ev.after.sensitive(sp.Permission); sensitive {
				if !ad.holds(before, PermSensitiveGrant) {
					return ad.forbid("the change lets %s reach sensitive permission %s (%s); that needs %s", ui.User, d.Name, d.Sensitive, PermSensitiveGrant)
				}
				if strings.TrimSpace(reason) == "" {
					return ad.forbid("the change lets %s reach sensitive permission %s; give a reason", ui.User, d.Name)
				}
			}
		}
	}
	for _, p := range []Permission{PermRolesManage, PermGroupsManage, PermUsersManage} {
		if len(before.UsersWith(p)) > 0 && len(ev.after.UsersWith(p)) == 0 {
			return ad.forbid("after the change no enabled user would hold %s (lockout)", p)
		}
	}
	return nil
}

// mayChange checks that the actor may make change c at all. delegated is
// true for a group manager changing the membership of their own group.
func (ad *Admin) mayChange(before *Snapshot, c Change) (delegated bool, err error) {
	need := func(p Permission) (bool, error) {
		if ad.holds(before, p) {
			return false, nil
		}
		return false, ad.forbid("%s needs %s", c, p)
	}
	switch c.Kind {
	case EntityRole, EntityPermission, EntityAccountType, EntityConstraint, EntityOwnershipRule:
		return need(PermRolesManage)
	case EntityGroup:
		return need(PermGroupsManage)
	case EntityWorkgroup:
		return need(PermUsersManage)
	case EntityOwnership:
		kind, id, _ := strings.Cut(c.Key, "/")
		if c.Before == nil && c.After != nil {
			owners := c.After.(Ownership).Owners
			if got, err := before.OwnersForNew(ad.actor, kind, owners); err != nil || !slices.Equal(got, owners) {
				return false, ad.forbid("may not create %s %q owned by [%s]: %v", kind, id, joinIDs(owners), err)
			}
			return false, nil
		}
		if !before.CanSetOwners(ad.actor, kind) {
			return false, ad.forbid("only holders of the bypass permission of %s may change the owners of %s %q", kind, kind, id)
		}
		return false, nil
	case EntityUser:
		if ad.holds(before, PermUsersManage) {
			return false, nil
		}
		if ad.managesMembership(before, c) {
			return true, nil
		}
		return need(PermUsersManage)
	}
	return false, ad.forbid("unknown change %s", c)
}

// managesMembership: c only adds or removes the user from groups the actor
// manages, and the user is of each such group's account type.
func (ad *Admin) managesMembership(before *Snapshot, c Change) bool {
	if c.Before == nil || c.After == nil {
		return false
	}
	old, cur := c.Before.(User), c.After.(User)
	rest := func(u User) User { u.Groups = nil; return u }
	if !sameEntity(rest(old), rest(cur)) {
		return false
	}
	changed := symmetricDifference(old.Groups, cur.Groups)
	if len(changed) == 0 {
		return false
	}
	for _, g := range changed {
		group, ok := before.src.groups[g]
		if !ok || !slices.Contains(group.Managers, ad.actor) {
			return false
		}
		if group.AccountType != "" && group.AccountType != cur.AccountType {
			return false
		}
	}
	return true
}

func symmetricDifference[T comparable](a, b []T) []T {
	var out []T
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// conferred lists the grants that change c newly confers: what a role
// newly confers through its closure, or what the roles newly given to a
// group, user or account type confer.
func (ad *Admin) conferred(before, after *Snapshot, c Change) []Grant {
	if c.After == nil {
		return nil
	}
	var roles []RoleID
	switch v := c.After.(type) {
	case Role:
		old := before.closureGrants([]RoleID{v.ID})
		var out []Grant
		for _, g := range after.closureGrants([]RoleID{v.ID}) {
			if !slices.Contains(old, g) {
				out = append(out, g)
			}
		}
		return out
	case Group:
		var was []RoleID
		if c.Before != nil {
			was = c.Before.(Group).Roles
		}
		roles = added(was, v.Roles)
	case AccountTypeDef:
		var was []RoleID
		if c.Before != nil {
			was = c.Before.(AccountTypeDef).DefaultRoles
		}
		roles = added(was, v.DefaultRoles)
	case User:
		var was User
		if c.Before != nil {
			was = c.Before.(User)
		}
		roles = added(was.Roles, v.Roles)
		for _, g := range added(was.Groups, v.Groups) {
			roles = append(roles, after.src.groups[g].Roles...)
		}
	}
	return after.closureGrants(roles)
}

func added[T comparable](was, now []T) []T {
	var out []T
	for _, x := range now {
		if !slices.Contains(was, x) {
			out = append(out, x)
		}
	}
	return out
}

// closureGrants lists the grants of the given roles and every role they
// contain.
func (s *Snapshot) closureGrants(roles []RoleID) []Grant {
	var out []Grant
	seen := map[int32]bool{}
	for _, r := range roles {
		i, ok := s.roles.idx[r]
		if !ok {
			continue
		}
		s.roles.closure[i].Each(func(j int) {
			if seen[int32(j)] {
				return
			}
			seen[int32(j)] = true
			for _, g := range s.roles.roles[j].Grants {
				if !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		})
	}
	return out
}

// holdsGrant: the actor holds a grant whose pattern covers g's and whose
// scope covers g's scope.
func (ad *Admin) holdsGrant(s *Snapshot, g Grant) bool {
	rec, ok := s.users.Get(string(ad.actor))
	if !ok || rec == nil || rec.user.Disabled {
		return false
	}
	held := false
	rec.prof.roles.Each(func(i int) {
		for _, h := range s.roles.roles[i].Grants {
			if patternCovers(h.Permission, g.Permission) && h.Scope.Covers(g.Scope) {
				held = true
			}
		}
	})
	return held
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

// sensitive reports whether p (a name or a pattern) reaches a sensitive
// catalogued permission, and which.
func (s *Snapshot) sensitive(p Permission) (PermissionDef, bool) {
	for _, name := range sortedKeys(s.src.permissions) {
		if d := s.src.permissions[name]; d.Sensitive != "" && p.Matches(name) {
			return d, true
		}
	}
	return PermissionDef{}, false
}
