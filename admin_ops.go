package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The convenience methods below build the change and call Apply, so every
// rule of Admin applies to them.

func (ad *Admin) role(id RoleID) (Role, error) {
	s := ad.a.Snapshot()
	if i, ok := s.roles.idx[id]; ok {
		return s.roles.roles[i].Clone(), nil
	}
	return Role{}, &Error{Op: "admin", Kind: EntityRole, ID: string(id), Msg: "no such role", Err: ErrNotFound}
}

func (ad *Admin) group(id GroupID) (Group, error) {
	if g, ok := ad.a.Snapshot().src.groups[id]; ok {
		return g.Clone(), nil
	}
	return Group{}, &Error{Op: "admin", Kind: EntityGroup, ID: string(id), Msg: "no such group", Err: ErrNotFound}
}

func (ad *Admin) user(id UserID) (User, error) {
	if rec, ok := ad.a.Snapshot().users.Get(string(id)); ok && rec != nil {
		return rec.user.Clone(), nil
	}
	return User{}, &Error{Op: "admin", Kind: EntityUser, ID: string(id), Msg: "no such user", Err: ErrNotFound}
}

func exists(kind EntityKind, id, what string) error {
	return &Error{Op: "admin", Kind: kind, ID: id, Msg: what, Err: ErrExists}
}

// CreateRole adds a new role (ErrExists if the id is taken).
func (ad *Admin) CreateRole(ctx context.Context, reason string, r Role) (Revision, error) {
	if _, err := ad.role(r.ID); err == nil {
		return 0, exists(EntityRole, string(r.ID), "a role with this id exists")
	}
	return ad.Apply(ctx, reason, PutRole(r))
}

// UpdateRole replaces an existing role.
func (ad *Admin) UpdateRole(ctx context.Context, reason string, r Role) (Revision, error) {
	if _, err := ad.role(r.ID); err != nil {
		return 0, err
	}
	return ad.Apply(ctx, reason, PutRole(r))
}

// DeleteRole deletes a role and every reference to it.
func (ad *Admin) DeleteRole(ctx context.Context, reason string, id RoleID) (Revision, error) {
	return ad.Apply(ctx, reason, DeleteRole(id))
}

// AddGrant adds a grant to a role (ErrExists if it has it).
func (ad *Admin) AddGrant(ctx context.Context, reason string, id RoleID, g Grant) (Revision, error) {
	r, err := ad.role(id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(r.Grants, g) {
		return 0, exists(EntityRole, string(id), "already grants "+g.String())
	}
	r.Grants = append(r.Grants, g)
	return ad.Apply(ctx, reason, PutRole(r))
}

// RemoveGrant removes a grant from a role.
func (ad *Admin) RemoveGrant(ctx context.Context, reason string, id RoleID, g Grant) (Revision, error) {
	r, err := ad.role(id)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(r.Grants, g) {
		return 0, &Error{Op: "admin", Kind: EntityRole, ID: string(id), Msg: "does not grant " + g.String(), Err: ErrNotFound}
	}
	r.Grants = slices.DeleteFunc(r.Grants, func(x Grant) bool { return x == g })
	return ad.Apply(ctx, reason, PutRole(r))
}

// AddContains makes role id contain role child.
func (ad *Admin) AddContains(ctx context.Context, reason string, id, child RoleID) (Revision, error) {
	r, err := ad.role(id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(r.Contains, child) {
		return 0, exists(EntityRole, string(id), fmt.Sprintf("already contains %q", child))
	}
	r.Contains = append(r.Contains, child)
	return ad.Apply(ctx, reason, PutRole(r))
}

// RemoveContains stops role id containing child.
func (ad *Admin) RemoveContains(ctx context.Context, reason string, id, child RoleID) (Revision, error) {
	r, err := ad.role(id)
	if err != nil {
		return 0, err
	}
	r.Contains = without(r.Contains, child)
	return ad.Apply(ctx, reason, PutRole(r))
}

// CreateGroup adds a new group (ErrExists if the id or, ignoring case, the
// name is taken).
func (ad *Admin) CreateGroup(ctx context.Context, reason string, g Group) (Revision, error) {
	for _, other := range ad.a.Snapshot().src.groups {
		if other.ID == g.ID {
			return 0, exists(EntityGroup, string(g.ID), "a group with this id exists")
		}
		if strings.EqualFold(other.Name, g.Name) {
			return 0, exists(EntityGroup, string(g.ID), fmt.Sprintf("name %q is used by group %q", g.Name, other.ID))
		}
	}
	return ad.Apply(ctx, reason, PutGroup(g))
}

// CopyGroup copies a group as nVIRO does: a new id and unique name, the
// same description, account type and roles, no members, no managers.
func (ad *Admin) CopyGroup(ctx context.Context, reason string, src, newID GroupID, newName string) (Revision, error) {
	g, err := ad.group(src)
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
	g, err := ad.group(id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(g.Roles, r) {
		return 0, exists(EntityGroup, string(id), fmt.Sprintf("already has role %q", r))
	}
	role, err := ad.role(r)
	if err != nil {
		return 0, err
	}
	if g.AccountType != "" && !role.allows(g.AccountType) || g.AccountType == "" && len(role.AccountTypes) > 0 {
		return 0, &Error{Op: "admin", Kind: EntityGroup, ID: string(id), Msg: fmt.Sprintf("role %q is closed to the group's account type %s", r, typeName(g.AccountType)), Err: ErrInvalid}
	}
	g.Roles = append(g.Roles, r)
	return ad.Apply(ctx, reason, PutGroup(g))
}

// RemoveGroupRole removes a role from a group.
func (ad *Admin) RemoveGroupRole(ctx context.Context, reason string, id GroupID, r RoleID) (Revision, error) {
	g, err := ad.group(id)
	if err != nil {
		return 0, err
	}
	g.Roles = without(g.Roles, r)
	return ad.Apply(ctx, reason, PutGroup(g))
}

// AddGroupManager makes u a manager of the group.
func (ad *Admin) AddGroupManager(ctx context.Context, reason string, id GroupID, u UserID) (Revision, error) {
	g, err := ad.group(id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(g.Managers, u) {
		return 0, exists(EntityGroup, string(id), fmt.Sprintf("%q already manages it", u))
	}
	g.Managers = append(g.Managers, u)
	return ad.Apply(ctx, reason, PutGroup(g))
}

// RemoveGroupManager stops u managing the group.
func (ad *Admin) RemoveGroupManager(ctx context.Context, reason string, id GroupID, u UserID) (Revision, error) {
	g, err := ad.group(id)
	if err != nil {
		return 0, err
	}
	g.Managers = without(g.Managers, u)
	return ad.Apply(ctx, reason, PutGroup(g))
}

// AddMember adds user u to group g; the group's managers may do this for
// users of the group's account type.
func (ad *Admin) AddMember(ctx context.Context, reason string, g GroupID, u UserID) (Revision, error) {
	user, err := ad.user(u)
	if err != nil {
		return 0, err
	}
	if slices.Contains(user.Groups, g) {
		return 0, exists(EntityUser, string(u), fmt.Sprintf("already in group %q", g))
	}
	user.Groups = append(user.Groups, g)
	return ad.Apply(ctx, reason, PutUser(user))
}

// RemoveMember removes user u from group g.
func (ad *Admin) RemoveMember(ctx context.Context, reason string, g GroupID, u UserID) (Revision, error) {
	user, err := ad.user(u)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(user.Groups, g) {
		return 0, &Error{Op: "admin", Kind: EntityUser, ID: string(u), Msg: fmt.Sprintf("not in group %q", g), Err: ErrNotFound}
	}
	user.Groups = without(user.Groups, g)
	return ad.Apply(ctx, reason, PutUser(user))
}

// AssignRole gives user u role r directly.
func (ad *Admin) AssignRole(ctx context.Context, reason string, u UserID, r RoleID) (Revision, error) {
	user, err := ad.user(u)
	if err != nil {
		return 0, err
	}
	if slices.Contains(user.Roles, r) {
		return 0, exists(EntityUser, string(u), fmt.Sprintf("already holds %q", r))
	}
	user.Roles = append(user.Roles, r)
	return ad.Apply(ctx, reason, PutUser(user))
}

// UnassignRole takes role r from user u.
func (ad *Admin) UnassignRole(ctx context.Context, reason string, u UserID, r RoleID) (Revision, error) {
	user, err := ad.user(u)
	if err != nil {
		return 0, err
	}
	user.Roles = without(user.Roles, r)
	return ad.Apply(ctx, reason, PutUser(user))
}

// PutUser creates or replaces a user.
func (ad *Admin) PutUser(ctx context.Context, reason string, u User) (Revision, error) {
	return ad.Apply(ctx, reason, PutUser(u))
}

// DisableUser disables a user: denied everything from the next snapshot.
func (ad *Admin) DisableUser(ctx context.Context, reason string, u UserID) (Revision, error) {
	user, err := ad.user(u)
	if err != nil {
		return 0, err
	}
	user.Disabled = true
	return ad.Apply(ctx, reason, PutUser(user))
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
// or what a bypass holder asks for (Snapshot.OwnersForNew).
func (ad *Admin) CreateOwned(ctx context.Context, reason, kind, id string, requested []OrgSlug) ([]OrgSlug, Revision, error) {
	owners, err := ad.a.Snapshot().OwnersForNew(ad.actor, kind, requested)
	if err != nil {
		return nil, 0, err
	}
	rev, err := ad.Apply(ctx, reason, PutOwnership(Ownership{Kind: kind, ID: id, Owners: owners}))
	return owners, rev, err
}

// SetOwners replaces the owners of a record; only the kind's bypass
// holders may.
func (ad *Admin) SetOwners(ctx context.Context, reason, kind, id string, owners []OrgSlug) (Revision, error) {
	if ad.actor != System && !ad.a.Snapshot().CanSetOwners(ad.actor, kind) {
		return 0, ad.forbid("only holders of the bypass permission of %s may change owners", kind)
	}
	return ad.Apply(ctx, reason, PutOwnership(Ownership{Kind: kind, ID: id, Owners: owners}))
}
