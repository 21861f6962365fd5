package rbac

import (
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
		for _, k := range sortedKeys(st.roles) {
			if r := st.roles[k]; slices.Contains(r.Contains, id) {
				r = r.Clone()
				r.Contains = without(r.Contains, id)
				out = append(out, PutRole(r))
			}
		}
		for _, k := range sortedKeys(st.accountTypes) {
			if a := st.accountTypes[k]; slices.Contains(a.DefaultRoles, id) {
				a = a.Clone()
				a.DefaultRoles = without(a.DefaultRoles, id)
				out = append(out, PutAccountType(a))
			}
		}
		for _, k := range sortedKeys(st.groups) {
			if g := st.groups[k]; slices.Contains(g.Roles, id) {
				g = g.Clone()
				g.Roles = without(g.Roles, id)
				out = append(out, PutGroup(g))
			}
		}
		for _, k := range sortedKeys(st.users) {
			if u := st.users[k]; slices.Contains(u.Roles, id) {
				u = u.Clone()
				u.Roles = without(u.Roles, id)
				out = append(out, PutUser(u))
			}
		}
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
	case EntityGroup:
		id := GroupID(c.Key)
		for _, k := range sortedKeys(st.users) {
			if u := st.users[k]; slices.Contains(u.Groups, id) {
				u = u.Clone()
				u.Groups = without(u.Groups, id)
				out = append(out, PutUser(u))
			}
		}
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
		for _, k := range sortedKeys(st.users) {
			if u := st.users[k]; slices.Contains(u.Workgroups, id) {
				u = u.Clone()
				u.Workgroups = without(u.Workgroups, id)
				out = append(out, PutUser(u))
			}
		}
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
		for _, k := range sortedKeys(st.permissions) {
			if d := st.permissions[k]; slices.Contains(d.Requires, name) {
				d = d.Clone()
				d.Requires = without(d.Requires, name)
				out = append(out, PutPermission(d))
			}
		}
	case EntityUser:
		id := UserID(c.Key)
		for _, k := range sortedKeys(st.groups) {
			if g := st.groups[k]; slices.Contains(g.Managers, id) {
				g = g.Clone()
				g.Managers = without(g.Managers, id)
				out = append(out, PutGroup(g))
			}
		}
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
