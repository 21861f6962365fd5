package rbac

import "slices"

// Equality of entities, field by field and without reflection: a nil and
// an empty list are equal, order of lists counts (it is stored). The
// administration path uses it to refuse empty writes and to tell whether an
// entity changed since a revision it would revert.

// equalEntities reports whether a and b are the same entity value (both nil
// counts as equal).
func equalEntities(a, b Entity) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case AccountTypeDef:
		y, ok := b.(AccountTypeDef)
		return ok && x.ID == y.ID && x.Title == y.Title && slices.Equal(x.DefaultRoles, y.DefaultRoles)
	case PermissionDef:
		y, ok := b.(PermissionDef)
		return ok && x.Name == y.Name && x.Title == y.Title && x.Section == y.Section && x.Description == y.Description &&
			x.Deprecated == y.Deprecated && x.Sensitive == y.Sensitive && slices.Equal(x.Requires, y.Requires)
	case Role:
		y, ok := b.(Role)
		return ok && x.ID == y.ID && x.Title == y.Title && x.Description == y.Description &&
			slices.Equal(x.AccountTypes, y.AccountTypes) && slices.Equal(x.Contains, y.Contains) && slices.Equal(x.Grants, y.Grants)
	case Group:
		y, ok := b.(Group)
		return ok && x.ID == y.ID && x.Name == y.Name && x.Description == y.Description && x.AccountType == y.AccountType &&
			slices.Equal(x.Roles, y.Roles) && slices.Equal(x.Managers, y.Managers)
	case Workgroup:
		y, ok := b.(Workgroup)
		return ok && x == y
	case User:
		y, ok := b.(User)
		return ok && equalUsersExceptGroups(x, y) && slices.Equal(x.Groups, y.Groups)
	case Constraint:
		y, ok := b.(Constraint)
		return ok && x.Name == y.Name && x.Max == y.Max && x.Dynamic == y.Dynamic && slices.Equal(x.Roles, y.Roles)
	case OwnershipRule:
		y, ok := b.(OwnershipRule)
		return ok && x == y
	case Elevation:
		y, ok := b.(Elevation)
		return ok && x.ID == y.ID && x.Title == y.Title && x.MaxDuration == y.MaxDuration && x.Invoke == y.Invoke && slices.Equal(x.Roles, y.Roles)
	case Ownership:
		y, ok := b.(Ownership)
		return ok && x.Kind == y.Kind && x.ID == y.ID && slices.Equal(x.Owners, y.Owners)
	}
	return false
}

// equalUsersExceptGroups compares everything of two users but their group
// memberships: what a delegated group manager may not touch.
func equalUsersExceptGroups(x, y User) bool {
	return x.ID == y.ID && x.Name == y.Name && x.Email == y.Email && x.AccountType == y.AccountType && x.Org == y.Org && x.Disabled == y.Disabled &&
		slices.Equal(x.Roles, y.Roles) && slices.Equal(x.Workgroups, y.Workgroups) &&
		slices.EqualFunc(x.Temporary, y.Temporary, TimedAssignment.equal)
}
