package rbac

import "slices"

// AccountTypeDef declares a kind of account (NOMIS, Delius, external...).
// Every user of the type holds its DefaultRoles. A policy that declares no
// account types leaves every account type field empty.
type AccountTypeDef struct {
	ID           AccountType `yaml:"id"`
	Title        string      `yaml:"title,omitempty"`
	DefaultRoles []RoleID    `yaml:"default_roles,omitempty"`
}

// Clone returns a deep copy.
func (a AccountTypeDef) Clone() AccountTypeDef {
	a.DefaultRoles = slices.Clone(a.DefaultRoles)
	return a
}

// Group bundles roles for the users of one account type. Names are unique,
// compared case-insensitively. Members are listed on the User (User.Groups).
type Group struct {
	ID          GroupID     `yaml:"id"`
	Name        string      `yaml:"name"`
	Description string      `yaml:"description,omitempty"`
	AccountType AccountType `yaml:"account_type,omitempty"`
	Roles       []RoleID    `yaml:"roles,omitempty"`
	Managers    []UserID    `yaml:"managers,omitempty"`
}

// Clone returns a deep copy.
func (g Group) Clone() Group {
	g.Roles = slices.Clone(g.Roles)
	g.Managers = slices.Clone(g.Managers)
	return g
}

// Copy returns a copy of g as nVIRO copies a security group: a new ID and
// name, the same description, account type and roles, and no managers.
// Members are never copied (they are listed on users).
func (g Group) Copy(id GroupID, name string) Group {
	return Group{ID: id, Name: name, Description: g.Description, AccountType: g.AccountType, Roles: slices.Clone(g.Roles)}
}

// Workgroup is a node of the workgroup forest (agency hierarchies are
// parents). A workgroup grant covers a workgroup and all its descendants.
type Workgroup struct {
	ID     WorkgroupID `yaml:"id"`
	Name   string      `yaml:"name,omitempty"`
	Parent WorkgroupID `yaml:"parent,omitempty"`
}

// Clone returns a copy (a Workgroup holds no slices).
func (w Workgroup) Clone() Workgroup { return w }

// User is a principal. A disabled or unknown user is denied everything.
type User struct {
	ID          UserID        `yaml:"id"`
	AccountType AccountType   `yaml:"account_type,omitempty"`
	Org         OrgSlug       `yaml:"org,omitempty"`
	Roles       []RoleID      `yaml:"roles,omitempty"` // direct assignments
	Groups      []GroupID     `yaml:"groups,omitempty"`
	Workgroups  []WorkgroupID `yaml:"workgroups,omitempty"`
	Disabled    bool          `yaml:"disabled,omitempty"`
}

// Clone returns a deep copy.
func (u User) Clone() User {
	u.Roles = slices.Clone(u.Roles)
	u.Groups = slices.Clone(u.Groups)
	u.Workgroups = slices.Clone(u.Workgroups)
	return u
}
