package rbac

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

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
//
// Name and Email are optional details for people who look users up (the
// console searches them); no check reads them. They are left out of the
// JSON of a user when empty, so that the change log and the digests of
// users written before they existed stay the same.
type User struct {
	ID          UserID        `yaml:"id"`
	Name        string        `yaml:"name,omitempty" json:",omitempty"`
	Email       string        `yaml:"email,omitempty" json:",omitempty"`
	AccountType AccountType   `yaml:"account_type,omitempty"`
	Org         OrgSlug       `yaml:"org,omitempty"`
	Roles       []RoleID      `yaml:"roles,omitempty"` // direct assignments
	Groups      []GroupID     `yaml:"groups,omitempty"`
	Workgroups  []WorkgroupID `yaml:"workgroups,omitempty"`
	Disabled    bool          `yaml:"disabled,omitempty"`
	// Temporary are roles and groups held for a time (TimedAssignment).
	Temporary []TimedAssignment `yaml:"temporary,omitempty" json:",omitempty"`
}

// MaxUserNameLen and MaxUserEmailLen bound User.Name and User.Email, in
// characters: a person's name as an identity provider gives it, and the
// longest address SMTP carries (RFC 5321).
const (
	MaxUserNameLen  = 256
	MaxUserEmailLen = 254
)

// checkUserDetails reports why u's name or email is not acceptable: each
// must be UTF-8 without a NUL byte, within its length.
func checkUserDetails(u User) error {
	for _, f := range []struct {
		what, s string
		max     int
	}{{"name", u.Name, MaxUserNameLen}, {"email", u.Email, MaxUserEmailLen}} {
		switch {
		case !utf8.ValidString(f.s):
			return fmt.Errorf("the %s is not valid UTF-8", f.what)
		case strings.IndexByte(f.s, 0) >= 0:
			return fmt.Errorf("the %s contains a NUL byte", f.what)
		case utf8.RuneCountInString(f.s) > f.max:
			return fmt.Errorf("the %s is %d characters long, more than %d", f.what, utf8.RuneCountInString(f.s), f.max)
		}
	}
	return nil
}

// Clone returns a deep copy.
func (u User) Clone() User {
	u.Roles = slices.Clone(u.Roles)
	u.Groups = slices.Clone(u.Groups)
	u.Workgroups = slices.Clone(u.Workgroups)
	u.Temporary = slices.Clone(u.Temporary)
	return u
}
