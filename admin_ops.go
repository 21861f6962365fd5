package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The convenience methods below read the entity they change from the
// current snapshot, modify it and write it with Admin's rules, expecting
// the revision they read: when another writer got there first they read
// again and retry (a bounded number of times), so no concurrent update is
// lost. A change that would change nothing writes nothing: adding what is
// there is ErrExists, removing what is not is ErrNotFound. Rights are
// checked before the entity is looked up, so that an actor without them
// learns nothing about the model.

// update writes the changes build makes from the current snapshot, read,
// judged and written with nothing of this authorizer's in between; another
// replica's write in between is a conflict, and build runs again on what
// it wrote.
func (ad *Admin) update(ctx context.Context, reason string, build func(s *Snapshot) ([]Change, error)) (Revision, error) {
	return ad.apply(ctx, adminWrite{reason: reason, ownReason: reason, build: build})
}

// mayTry is the rights check of a convenience method, before the entity is
// read: the actor holds need (rbac.users.manage also at workgroup scope, the
// final check being Apply's), or manages group.
func (ad *Admin) mayTry(s *Snapshot, need Permission, group GroupID, what string) error {
	if ad.actor == System {
		return nil
	}
	r, err := ad.actorIn(s)
	if err != nil {
		return err
	}
	if r.holds(need) || need == PermUsersManage && r.can.canName(need)&scopeBit(ScopeWorkgroup) != 0 {
		return nil
	}
	if g, ok := s.src.groups[group]; ok && group != "" && slices.Contains(g.Managers, ad.actor) {
		return nil
	}
	return ad.forbid("%s needs %s at scope global or all", what, need)
}

func notFound(kind EntityKind, id, what string) error {
	return &Error{Op: "admin", Kind: kind, ID: id, Msg: what, Err: ErrNotFound}
}

func exists(kind EntityKind, id, what string) error {
	return &Error{Op: "admin", Kind: kind, ID: id, Msg: what, Err: ErrExists}
}

func roleIn(s *Snapshot, id RoleID) (Role, error) {
	if i, ok := s.roles.idx[id]; ok {
		return s.roles.roles[i].Clone(), nil
	}
	return Role{}, notFound(EntityRole, string(id), "no such role")
}

func groupIn(s *Snapshot, id GroupID) (Group, error) {
	if g, ok := s.src.groups[id]; ok {
		return g.Clone(), nil
	}
	return Group{}, notFound(EntityGroup, string(id), "no such group")
}

func userIn(s *Snapshot, id UserID) (User, error) {
	if rec, ok := s.users.Get(string(id)); ok && rec != nil {
		return rec.user.Clone(), nil
	}
	return User{}, notFound(EntityUser, string(id), "no such user")
}

// checkArg checks an id argument of a convenience method.
func checkArg(kind EntityKind, what, id string) error {
	if err := checkID(id); err != nil {
		return &Error{Op: "admin", Kind: kind, Msg: fmt.Sprintf("%s: %v", what, err), Err: ErrInvalid}
	}
	return nil
}

// editRole reads role id, lets edit change it and writes it.
func (ad *Admin) editRole(ctx context.Context, reason string, id RoleID, edit func(r *Role) error) (Revision, error) {
	if err := checkArg(EntityRole, "role", string(id)); err != nil {
		return 0, err
	}
	return ad.update(ctx, reason, func(s *Snapshot) ([]Change, error) {
		if err := ad.mayTry(s, PermRolesManage, "", "changing roles"); err != nil {
			return nil, err
		}
		r, err := roleIn(s, id)
		if err != nil {
			return nil, err
		}
		if err := edit(&r); err != nil {
			return nil, err
		}
		return []Change{PutRole(r)}, nil
	})
}

// editGroup reads group id, lets edit change it and writes it.
func (ad *Admin) editGroup(ctx context.Context, reason string, id GroupID, edit func(s *Snapshot, g *Group) error) (Revision, error) {
	if err := checkArg(EntityGroup, "group", string(id)); err != nil {
		return 0, err
	}
	return ad.update(ctx, reason, func(s *Snapshot) ([]Change, error) {
		if err := ad.mayTry(s, PermGroupsManage, "", "changing groups"); err != nil {
			return nil, err
		}
		g, err := groupIn(s, id)
		if err != nil {
			return nil, err
		}
		if err := edit(s, &g); err != nil {
			return nil, err
		}
		return []Change{PutGroup(g)}, nil
	})
}

// editUser reads user id, lets edit change it and writes it. A manager of
// group may try (Apply decides).
func (ad *Admin) editUser(ctx context.Context, reason string, id UserID, group GroupID, edit func(u *User) error) (Revision, error) {
	if err := checkArg(EntityUser, "user", string(id)); err != nil {
		return 0, err
	}
	return ad.update(ctx, reason, func(s *Snapshot) ([]Change, error) {
		if err := ad.mayTry(s, PermUsersManage, group, "changing users"); err != nil {
			return nil, err
		}
		u, err := userIn(s, id)
		if err != nil {
			return nil, err
		}
		if err := edit(&u); err != nil {
			return nil, err
		}
		return []Change{PutUser(u)}, nil
	})
}

// create writes a new entity, ErrExists if one has its key.
func (ad *Admin) create(ctx context.Context, reason string, need Permission, e Entity, taken func(s *Snapshot) error) (Revision, error) {
	if err := checkChangeInput(put(e)); err != nil {
		return 0, &Error{Op: "admin", Kind: e.EntityKind(), ID: e.EntityKey(), Msg: err.Error(), Err: ErrInvalid}
	}
	return ad.update(ctx, reason, func(s *Snapshot) ([]Change, error) {
		if err := ad.mayTry(s, need, "", "creating a "+string(e.EntityKind())); err != nil {
			return nil, err
		}
		if err := taken(s); err != nil {
			return nil, err
		}
		return []Change{put(e)}, nil
	})
}

// CreateRole adds a new role (ErrExists if the id is taken).
func (ad *Admin) CreateRole(ctx context.Context, reason string, r Role) (Revision, error) {
	return ad.create(ctx, reason, PermRolesManage, r, func(s *Snapshot) error {
		if _, ok := s.roles.idx[r.ID]; ok {
			return exists(EntityRole, string(r.ID), "a role with this id exists")
		}
		return nil
	})
}

// UpdateRole replaces an existing role (ErrNotFound if there is none,
// ErrExists if it is already so).
func (ad *Admin) UpdateRole(ctx context.Context, reason string, r Role) (Revision, error) {
	return ad.editRole(ctx, reason, r.ID, func(have *Role) error {
		*have = r.Clone()
		return nil
	})
}

// DeleteRole deletes a role and every reference to it.
func (ad *Admin) DeleteRole(ctx context.Context, reason string, id RoleID) (Revision, error) {
	return ad.Apply(ctx, reason, DeleteRole(id))
}

// AddGrant adds a grant to a role (ErrExists if it has it).
func (ad *Admin) AddGrant(ctx context.Context, reason string, id RoleID, g Grant) (Revision, error) {
	return ad.editRole(ctx, reason, id, func(r *Role) error {
		if slices.Contains(r.Grants, g) {
			return exists(EntityRole, string(id), "already grants "+g.String())
		}
		r.Grants = append(r.Grants, g)
		return nil
	})
}

// RemoveGrant removes a grant from a role (ErrNotFound if it lacks it).
func (ad *Admin) RemoveGrant(ctx context.Context, reason string, id RoleID, g Grant) (Revision, error) {
	return ad.editRole(ctx, reason, id, func(r *Role) error {
		if !slices.Contains(r.Grants, g) {
			return notFound(EntityRole, string(id), "does not grant "+g.String())
		}
		r.Grants = slices.DeleteFunc(r.Grants, func(x Grant) bool { return x == g })
		return nil
	})
}

// AddContains makes role id contain role child (ErrExists if it does).
func (ad *Admin) AddContains(ctx context.Context, reason string, id, child RoleID) (Revision, error) {
	return ad.editRole(ctx, reason, id, func(r *Role) error {
		if slices.Contains(r.Contains, child) {
			return exists(EntityRole, string(id), fmt.Sprintf("already contains %s", quoteShort(string(child))))
		}
		r.Contains = append(r.Contains, child)
		return nil
	})
}

// RemoveContains stops role id containing child (ErrNotFound if it does
// not).
func (ad *Admin) RemoveContains(ctx context.Context, reason string, id, child RoleID) (Revision, error) {
	return ad.editRole(ctx, reason, id, func(r *Role) error {
		if !slices.Contains(r.Contains, child) {
			return notFound(EntityRole, string(id), fmt.Sprintf("does not contain %s", quoteShort(string(child))))
		}
		r.Contains = without(r.Contains, child)
		return nil
	})
}

// CreateGroup adds a new group (ErrExists if the id or, ignoring case, the
// name is taken).
func (ad *Admin) CreateGroup(ctx context.Context, reason string, g Group) (Revision, error) {
	return ad.create(ctx, reason, PermGroupsManage, g, func(s *Snapshot) error {
		for _, other := range s.src.groups {
			if other.ID == g.ID {
				return exists(EntityGroup, string(g.ID), "a group with this id exists")
			}
			if strings.EqualFold(other.Name, g.Name) {
				return exists(EntityGroup, string(g.ID), fmt.Sprintf("name %s is used by group %s", quoteShort(g.Name), quoteShort(string(other.ID))))
			}
		}
		return nil
	})
}

// CopyGroup copies a group as nVIRO does: a new id and unique name, the
// same description, account type and roles, no members, no managers.
func (ad *Admin) CopyGroup(ctx context.Context, reason string, src, newID GroupID, newName string) (Revision, error) {
	if err := checkArg(EntityGroup, "group", string(src)); err != nil {
		return 0, err
	}
	if err := ad.mayTry(ad.a.Snapshot(), PermGroupsManage, "", "copying groups"); err != nil {
		return 0, err
	}
	g, err := groupIn(ad.a.Snapshot(), src)
	if err != nil {
		return 0, err
	}
	return ad.CreateGroup(ctx, reason, g.Copy(newID, newName))
}

// DeleteGroup deletes a group; it is removed from every member in the same
// change set, which records who lost it.
func (ad *Admin) DeleteGroup(ctx context.Context, reason string, id GroupID) (Revision, error) {
	return ad.Apply(ctx, reason, DeleteGroup(id))
}

// AddGroupRole adds a role to a group: ErrExists if the group has it,
// ErrInvalid if the role is closed to the group's account type.
func (ad *Admin) AddGroupRole(ctx context.Context, reason string, id GroupID, r RoleID) (Revision, error) {
	return ad.editGroup(ctx, reason, id, func(s *Snapshot, g *Group) error {
		if slices.Contains(g.Roles, r) {
			return exists(EntityGroup, string(id), fmt.Sprintf("already has role %s", quoteShort(string(r))))
		}
		role, err := roleIn(s, r)
		if err != nil {
			return err
		}
		if g.AccountType != "" && !role.allows(g.AccountType) || g.AccountType == "" && len(role.AccountTypes) > 0 {
			return &Error{Op: "admin", Kind: EntityGroup, ID: string(id), Msg: fmt.Sprintf("role %s is closed to the group's account type %s", quoteShort(string(r)), typeName(g.AccountType)), Err: ErrInvalid}
		}
		g.Roles = append(g.Roles, r)
		return nil
	})
}

// RemoveGroupRole removes a role from a group (ErrNotFound if it lacks
// it).
func (ad *Admin) RemoveGroupRole(ctx context.Context, reason string, id GroupID, r RoleID) (Revision, error) {
	return ad.editGroup(ctx, reason, id, func(_ *Snapshot, g *Group) error {
		if !slices.Contains(g.Roles, r) {
			return notFound(EntityGroup, string(id), fmt.Sprintf("does not have role %s", quoteShort(string(r))))
		}
		g.Roles = without(g.Roles, r)
		return nil
	})
}

// AddGroupManager makes u a manager of the group (ErrExists if u is one).
// It delegates the group's roles: the actor must hold them.
func (ad *Admin) AddGroupManager(ctx context.Context, reason string, id GroupID, u UserID) (Revision, error) {
	return ad.editGroup(ctx, reason, id, func(_ *Snapshot, g *Group) error {
		if slices.Contains(g.Managers, u) {
			return exists(EntityGroup, string(id), fmt.Sprintf("%s already manages it", quoteShort(string(u))))
		}
		g.Managers = append(g.Managers, u)
		return nil
	})
}

// RemoveGroupManager stops u managing the group (ErrNotFound if u does
// not).
func (ad *Admin) RemoveGroupManager(ctx context.Context, reason string, id GroupID, u UserID) (Revision, error) {
	return ad.editGroup(ctx, reason, id, func(_ *Snapshot, g *Group) error {
		if !slices.Contains(g.Managers, u) {
			return notFound(EntityGroup, string(id), fmt.Sprintf("%s does not manage it", quoteShort(string(u))))
		}
		g.Managers = without(g.Managers, u)
		return nil
	})
}

// AddMember adds user u to group g (ErrExists if u is a member); the
// group's enabled managers may do this for other users of the group's
// account type.
func (ad *Admin) AddMember(ctx context.Context, reason string, g GroupID, u UserID) (Revision, error) {
	return ad.editUser(ctx, reason, u, g, func(user *User) error {
		if slices.Contains(user.Groups, g) {
			return exists(EntityUser, string(u), fmt.Sprintf("already in group %s", quoteShort(string(g))))
		}
		user.Groups = append(user.Groups, g)
		return nil
	})
}

// RemoveMember removes user u from group g (ErrNotFound if u is not a
// member).
func (ad *Admin) RemoveMember(ctx context.Context, reason string, g GroupID, u UserID) (Revision, error) {
	return ad.editUser(ctx, reason, u, g, func(user *User) error {
		if !slices.Contains(user.Groups, g) {
			return notFound(EntityUser, string(u), fmt.Sprintf("not in group %s", quoteShort(string(g))))
		}
		user.Groups = without(user.Groups, g)
		return nil
	})
}

// AssignRole gives user u role r directly (ErrExists if u has it).
func (ad *Admin) AssignRole(ctx context.Context, reason string, u UserID, r RoleID) (Revision, error) {
	return ad.editUser(ctx, reason, u, "", func(user *User) error {
		if slices.Contains(user.Roles, r) {
			return exists(EntityUser, string(u), fmt.Sprintf("already holds %s", quoteShort(string(r))))
		}
		user.Roles = append(user.Roles, r)
		return nil
	})
}

// UnassignRole takes role r from user u (ErrNotFound if u does not hold
// it directly).
func (ad *Admin) UnassignRole(ctx context.Context, reason string, u UserID, r RoleID) (Revision, error) {
	return ad.editUser(ctx, reason, u, "", func(user *User) error {
		if !slices.Contains(user.Roles, r) {
			return notFound(EntityUser, string(u), fmt.Sprintf("does not hold %s directly", quoteShort(string(r))))
		}
		user.Roles = without(user.Roles, r)
		return nil
	})
}

// PutUser creates or replaces a user (ErrExists if it is already so).
func (ad *Admin) PutUser(ctx context.Context, reason string, u User) (Revision, error) {
	return ad.Apply(ctx, reason, PutUser(u))
}

// DisableUser disables a user: denied everything from the next snapshot
// (ErrExists if already disabled).
func (ad *Admin) DisableUser(ctx context.Context, reason string, u UserID) (Revision, error) {
	return ad.setDisabled(ctx, reason, u, true)
}

// EnableUser enables a disabled user (ErrExists if enabled). What the user
// regains is judged like any gain.
func (ad *Admin) EnableUser(ctx context.Context, reason string, u UserID) (Revision, error) {
	return ad.setDisabled(ctx, reason, u, false)
}

func (ad *Admin) setDisabled(ctx context.Context, reason string, u UserID, disabled bool) (Revision, error) {
	return ad.editUser(ctx, reason, u, "", func(user *User) error {
		if user.Disabled == disabled {
			state := "enabled"
			if disabled {
				state = "disabled"
			}
			return exists(EntityUser, string(u), "already "+state)
		}
		user.Disabled = disabled
		return nil
	})
}

// PutWorkgroup creates or replaces a workgroup.
func (ad *Admin) PutWorkgroup(ctx context.Context, reason string, w Workgroup) (Revision, error) {
	return ad.Apply(ctx, reason, PutWorkgroup(w))
}

// DeleteWorkgroup deletes a workgroup; its children move to its parent.
func (ad *Admin) DeleteWorkgroup(ctx context.Context, reason string, id WorkgroupID) (Revision, error) {
	return ad.Apply(ctx, reason, DeleteWorkgroup(id))
}

// CreateOwned records the owners of a new record of kind: the actor's org,
// or what a holder of the kind's bypass asks for. It needs the ownership
// rule's Create permission or its bypass; a record whose owners are already
// stored is ErrExists.
func (ad *Admin) CreateOwned(ctx context.Context, reason, kind, id string, requested []OrgSlug) ([]OrgSlug, Revision, error) {
	if err := checkChangeInput(PutOwnership(Ownership{Kind: kind, ID: id, Owners: requested})); err != nil {
		return nil, 0, &Error{Op: "create owned", Kind: EntityOwnership, Msg: err.Error(), Err: ErrInvalid}
	}
	var owners []OrgSlug
	rev, err := ad.update(ctx, reason, func(s *Snapshot) ([]Change, error) {
		rule, ok := s.rules[kind]
		if ad.actor == System {
			owners = dedupeOwners(requested)
		} else {
			r, err := ad.actorIn(s)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, ad.forbid("records of kind %s have no ownership rule, so their owners are not recorded", quoteShort(kind))
			}
			if r.can.canName(rule.bypass) == 0 && (rule.create == "" || r.can.canName(rule.create) == 0) {
				return nil, ad.forbid("creating a %s needs %s", kind, createPermissionName(OwnershipRule{Bypass: rule.bypass, Create: rule.create}))
			}
		}
		if ok {
			if _, stored := rule.owners.Get(id); stored {
				return nil, exists(EntityOwnership, OwnershipKey(kind, id), "the record's owners are already recorded")
			}
		}
		if ad.actor != System {
			var err error
			if owners, err = ad.ownersForNew(s, kind, requested); err != nil {
				return nil, err
			}
		}
		return []Change{PutOwnership(Ownership{Kind: kind, ID: id, Owners: owners})}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return owners, rev, nil
}

// SetOwners replaces the owners of a record; only the kind's bypass
// holders may (ErrExists if they are already so).
func (ad *Admin) SetOwners(ctx context.Context, reason, kind, id string, owners []OrgSlug) (Revision, error) {
	return ad.Apply(ctx, reason, PutOwnership(Ownership{Kind: kind, ID: id, Owners: owners}))
}
