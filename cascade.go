package rbac

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// withCascades turns a requested change set into the one to write: every
// change well-formed, deletions expanded with the changes they cascade to
// (marked Cascade and placed before the deletion), Before images filled
// from the state, and the result valid as a whole. The state is the same
// after withCascades returns, whether it succeeds or not.
func (st *state) withCascades(cs ChangeSet) (ChangeSet, error) {
	if len(cs.Changes) == 0 {
		return ChangeSet{}, &Error{Op: "apply", Msg: "the change set is empty", Err: ErrInvalid}
	}
	for i, c := range cs.Changes {
		if err := c.Validate(); err != nil {
			return ChangeSet{}, &Error{Op: "apply", Msg: fmt.Sprintf("change %d of %d", i+1, len(cs.Changes)), Err: err}
		}
	}
	out := cs
	out.Changes = nil
	var applied []Change
	defer func() { st.undo(applied) }()
	do := func(c Change) {
		c.Before = CloneEntity(st.get(c.Kind, c.Key))
		st.applyChange(c)
		applied = append(applied, c)
		out.Changes = append(out.Changes, c)
	}
	for _, c := range cs.Changes {
		c = c.Clone()
		c.Cascade = false
		if c.IsDelete() {
			if st.get(c.Kind, c.Key) == nil {
				return ChangeSet{}, &Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: "cannot delete: it does not exist", Err: ErrNotFound}
			}
			cascades, err := st.cascade(c)
			if err != nil {
				return ChangeSet{}, err
			}
			for _, cc := range cascades {
				cc.Cascade = true
				do(cc)
			}
		}
		do(c)
	}
	if errs := st.validateChanged(out.Changes); len(errs) > 0 {
		return ChangeSet{}, &Error{Op: "apply", Msg: fmt.Sprintf("the change set would leave the policy invalid (%d problems)", len(errs)), Err: errors.Join(errs...)}
	}
	return out, nil
}

// cascade returns the changes that deleting c's entity implies for the
// entities that refer to it.
func (st *state) cascade(c Change) ([]Change, error) {
	var out []Change
	switch c.Kind {
	case EntityRole:
		id := RoleID(c.Key)
		out = withoutRef(out, st.roles, id, func(r *Role) *[]RoleID { return &r.Contains }, PutRole)
		out = withoutRef(out, st.accountTypes, id, func(a *AccountTypeDef) *[]RoleID { return &a.DefaultRoles }, PutAccountType)
		out = withoutRef(out, st.groups, id, func(g *Group) *[]RoleID { return &g.Roles }, PutGroup)
		out = withoutUserRef(out, st.users, id, func(u *User) *[]RoleID { return &u.Roles })
		// A constraint left with fewer than two roles, or whose Max no
		// longer constrains anything, is deleted with the role.
		for _, k := range sortedKeys(st.constraints) {
			if con := st.constraints[k]; slices.Contains(con.Roles, id) {
				con = con.Clone()
				con.Roles = without(con.Roles, id)
				if len(con.Roles) < 2 || con.Max >= len(con.Roles) {
					out = append(out, DeleteConstraint(con.Name))
				} else {
					out = append(out, PutConstraint(con))
				}
			}
		}
		out = append(out, st.approvalCascade(id, "")...)
		out = append(out, st.campaignCascade(id, "")...)
	case EntityGroup:
		out = withoutUserRef(out, st.users, GroupID(c.Key), func(u *User) *[]GroupID { return &u.Groups })
		out = append(out, st.approvalCascade("", GroupID(c.Key))...)
		out = append(out, st.campaignCascade("", GroupID(c.Key))...)
	case EntityWorkgroup:
		id := WorkgroupID(c.Key)
		parent := st.workgroups[id].Parent
		// Children move up to the deleted workgroup's parent, so that the
		// records under them stay covered by the grants above.
		for _, k := range sortedKeys(st.workgroups) {
			if w := st.workgroups[k]; w.Parent == id {
				w.Parent = parent
				out = append(out, PutWorkgroup(w))
			}
		}
		out = withoutUserRef(out, st.users, id, func(u *User) *[]WorkgroupID { return &u.Workgroups })
	case EntityPermission:
		name := Permission(c.Key)
		for _, k := range sortedKeys(st.roles) {
			r := st.roles[k]
			if slices.ContainsFunc(r.Grants, func(g Grant) bool { return g.Permission == name }) {
				r = r.Clone()
				r.Grants = slices.DeleteFunc(r.Grants, func(g Grant) bool { return g.Permission == name })
				out = append(out, PutRole(r))
			}
		}
		out = withoutRef(out, st.permissions, name, func(d *PermissionDef) *[]Permission { return &d.Requires }, PutPermission)
	case EntityUser:
		out = withoutRef(out, st.groups, UserID(c.Key), func(g *Group) *[]UserID { return &g.Managers }, PutGroup)
	case EntityAccountType:
		id := AccountType(c.Key)
		var users, groups, roles []string
		for _, u := range st.users {
			if u.AccountType == id {
				users = append(users, string(u.ID))
			}
		}
		for _, g := range st.groups {
			if g.AccountType == id {
				groups = append(groups, string(g.ID))
			}
		}
		for _, r := range st.roles {
			if slices.Contains(r.AccountTypes, id) {
				roles = append(roles, string(r.ID))
			}
		}
		if len(users)+len(groups)+len(roles) > 0 {
			slices.Sort(users)
			slices.Sort(groups)
			slices.Sort(roles)
			return nil, &Error{Op: "apply", Kind: EntityAccountType, ID: c.Key, Err: ErrInvalid,
				Msg: fmt.Sprintf("cannot delete: still used by users [%s], groups [%s], roles [%s]; move them to another account type first",
					firstFew(users), firstFew(groups), firstFew(roles))}
		}
	case EntityResourceKind:
		// Deleting a kind that a rule or stored owners name is refused
		// rather than cascaded: dropping an ownership rule would open
		// every record of the kind.
		var used []string
		if _, ok := st.ownershipRules[c.Key]; ok {
			used = append(used, "its ownership rule")
		}
		for _, k := range sortedKeys(st.ownerships) {
			if st.ownerships[k].Kind == c.Key {
				used = append(used, "stored owners of "+k)
				break
			}
		}
		if len(used) > 0 {
			return nil, &Error{Op: "apply", Kind: EntityResourceKind, ID: c.Key, Err: ErrInvalid,
				Msg: fmt.Sprintf("cannot delete: still used by %s; delete them first", joinIDs(used))}
		}
	}
	return out, nil
}

// withoutRef appends, for every entity of m (in key order) whose list —
// the field that list returns — holds id, a put of a copy without it.
func withoutRef[K cmp.Ordered, E interface{ Clone() E }, T comparable](out []Change, m map[K]E, id T, list func(*E) *[]T, put func(E) Change) []Change {
	for _, k := range sortedKeys(m) {
		e := m[k]
		if !slices.Contains(*list(&e), id) {
			continue
		}
		e = e.Clone()
		field := list(&e)
		*field = without(*field, id)
		out = append(out, put(e))
	}
	return out
}

// withoutUserRef is withoutRef for the users, which the state keeps by
// pointer: it finds the users listing id first and sorts only those.
func withoutUserRef[T comparable](out []Change, users map[UserID]*User, id T, list func(*User) *[]T) []Change {
	var ids []UserID
	for k, u := range users {
		if slices.Contains(*list(u), id) {
			ids = append(ids, k)
		}
	}
	slices.Sort(ids)
	for _, k := range ids {
		u := users[k].Clone() // the stored user is immutable
		field := list(&u)
		*field = without(*field, id)
		out = append(out, PutUser(u))
	}
	return out
}

func without[T comparable](s []T, v T) []T {
	return slices.DeleteFunc(slices.Clone(s), func(x T) bool { return x == v })
}

func firstFew(ids []string) string {
	const max = 5
	if len(ids) <= max {
		return joinIDs(ids)
	}
	return fmt.Sprintf("%s and %d more", joinIDs(ids[:max]), len(ids)-max)
}
