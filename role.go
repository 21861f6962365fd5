package rbac

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Scope says how far a grant reaches over records. Scopes are partially
// ordered: ScopeMine < ScopeGlobal, ScopeWorkgroup < ScopeGlobal, and
// ScopeGlobal < ScopeAll; mine and workgroup are not comparable.
//
// For a resource r a grant's scope covers r when:
//   - ScopeMine: r is active and the user is one of r.Assignees;
//   - ScopeWorkgroup: r is active and one of r.Workgroups is a workgroup of
//     the user or a descendant of one;
//   - ScopeGlobal: r is active;
//   - ScopeAll: always (administrators: regardless of status).
//
// When one value must summarise several scopes (Decision.Scope), the widest
// wins in the total order All > Global > Workgroup > Mine.
type Scope uint8

const (
	ScopeNone      Scope = iota // no scope: nothing held
	ScopeMine                   // records assigned to the user
	ScopeWorkgroup              // records of the user's workgroups and their descendants
	ScopeGlobal                 // every active record
	ScopeAll                    // every record, active or not
)

var scopeNames = [...]string{"", "mine", "workgroup", "global", "all"}

func (s Scope) String() string {
	if int(s) < len(scopeNames) {
		return scopeNames[s]
	}
	return fmt.Sprintf("scope(%d)", uint8(s))
}

// Covers reports whether a grant at scope s also confers scope t: s == t, or
// s is wider than t in the partial order.
func (s Scope) Covers(t Scope) bool {
	switch {
	case t == ScopeNone:
		return s != ScopeNone
	case s == t:
		return true
	case s == ScopeAll:
		return true
	case s == ScopeGlobal:
		return t == ScopeMine || t == ScopeWorkgroup
	}
	return false
}

// ParseScope reads "mine", "workgroup", "global" or "all".
func ParseScope(s string) (Scope, error) {
	for i := ScopeMine; i <= ScopeAll; i++ {
		if scopeNames[i] == s {
			return i, nil
		}
	}
	return ScopeNone, &Error{Op: "parse scope", Msg: fmt.Sprintf("unknown scope %s; want mine, workgroup, global or all", quoteShort(s)), Err: ErrInvalid}
}

// MarshalText writes the scope's name.
func (s Scope) MarshalText() ([]byte, error) {
	if s == ScopeNone || int(s) >= len(scopeNames) {
		return nil, fmt.Errorf("rbac: cannot marshal %v", s)
	}
	return []byte(scopeNames[s]), nil
}

// UnmarshalText reads a scope's name.
func (s *Scope) UnmarshalText(b []byte) error {
	v, err := ParseScope(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Grant gives a permission at a scope. Permission may end in a wildcard
// segment: "client.*" grants every permission under "client.", and "*"
// grants everything, including every ownership bypass.
type Grant struct {
	Permission Permission
	Scope      Scope
}

// String writes the grant as "permission@scope".
func (g Grant) String() string { return string(g.Permission) + "@" + g.Scope.String() }

// ParseGrant reads "permission" (scope global) or "permission@scope".
func ParseGrant(s string) (Grant, error) {
	perm, scope := s, ScopeGlobal
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		sc, err := ParseScope(s[i+1:])
		if err != nil {
			return Grant{}, &Error{Op: "parse grant", Msg: fmt.Sprintf("grant %s: unknown scope %s; want mine, workgroup, global or all", quoteShort(s), quoteShort(s[i+1:])), Err: ErrInvalid}
		}
		perm, scope = s[:i], sc
	}
	g := Grant{Permission: Permission(perm), Scope: scope}
	if err := checkGrantPermission(g.Permission); err != nil {
		return Grant{}, &Error{Op: "parse grant", Msg: fmt.Sprintf("grant %s: %v", quoteShort(s), err), Err: ErrInvalid}
	}
	return g, nil
}

// UnmarshalYAML reads a grant from a policy file, keeping the line in the
// error.
func (g *Grant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a grant is a string such as \"evaluation.read@mine\"", n.Line)
	}
	v, err := ParseGrant(n.Value)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return fmt.Errorf("line %d: %s", n.Line, e.Msg)
		}
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*g = v
	return nil
}

// UnmarshalYAML reads a scope from a policy file, keeping the line in the
// error.
func (s *Scope) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseScope(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: unknown scope %s; want mine, workgroup, global or all", n.Line, quoteShort(n.Value))
	}
	*s = v
	return nil
}

// MarshalText writes "permission@scope".
func (g Grant) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText reads "permission" or "permission@scope".
func (g *Grant) UnmarshalText(b []byte) error {
	v, err := ParseGrant(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// checkPermission checks a permission name that may not be a wildcard: a
// checked permission, a catalogue entry, a prerequisite, a bypass.
func checkPermission(p Permission) error {
	if strings.Contains(string(p), "*") {
		return fmt.Errorf("permission %s is a wildcard, which is only allowed in a grant", quoteShort(string(p)))
	}
	if err := checkID(string(p)); err != nil {
		return err
	}
	return checkDots(p)
}

// checkGrantPermission checks the permission of a grant: a name, "prefix.*" or "*".
func checkGrantPermission(p Permission) error {
	if p == "*" {
		return nil
	}
	if prefix, ok := strings.CutSuffix(string(p), ".*"); ok {
		if err := checkID(prefix); err != nil {
			return fmt.Errorf("wildcard %s: %v", quoteShort(string(p)), err)
		}
		return checkPermission(Permission(prefix))
	}
	if err := checkID(string(p)); err != nil {
		return err
	}
	if strings.Contains(string(p), "*") {
		return fmt.Errorf("permission %s: a wildcard is allowed only as the whole last segment (\"x.*\" or \"*\")", quoteShort(string(p)))
	}
	return checkDots(p)
}

func checkDots(p Permission) error {
	s := string(p)
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return fmt.Errorf("permission %s has an empty dotted segment", quoteShort(s))
	}
	return nil
}

// IsWildcard reports whether p is "*" or ends in ".*".
func (p Permission) IsWildcard() bool { return p == "*" || strings.HasSuffix(string(p), ".*") }

// Matches reports whether a grant of p covers the exact permission q.
func (p Permission) Matches(q Permission) bool {
	switch {
	case p == "*":
		return true
	case strings.HasSuffix(string(p), ".*"):
		prefix := string(p[:len(p)-1]) // keeps the dot
		return strings.HasPrefix(string(q), prefix)
	}
	return p == q
}

// PermissionDef is an entry of the permission catalogue. When a policy has a
// catalogue, every granted name must be catalogued or, for a wildcard, be
// the prefix of a catalogued name.
type PermissionDef struct {
	Name        Permission   `yaml:"name"`
	Title       string       `yaml:"title,omitempty"`
	Section     string       `yaml:"section,omitempty"`
	Description string       `yaml:"description,omitempty"`
	Deprecated  string       `yaml:"deprecated,omitempty"` // the reason; non-empty means deprecated
	Sensitive   string       `yaml:"sensitive,omitempty"`  // the warning; non-empty means sensitive
	Requires    []Permission `yaml:"requires,omitempty"`   // prerequisites the holder must also hold
}

// Clone returns a deep copy.
func (d PermissionDef) Clone() PermissionDef {
	d.Requires = slices.Clone(d.Requires)
	return d
}

// Role bundles grants and other roles.
type Role struct {
	ID           RoleID        `yaml:"id"`
	Title        string        `yaml:"title,omitempty"`
	Description  string        `yaml:"description,omitempty"`
	AccountTypes []AccountType `yaml:"account_types,omitempty"` // who may hold it; empty means every type
	Contains     []RoleID      `yaml:"contains,omitempty"`      // held with this role, transitively
	Grants       []Grant       `yaml:"grants,omitempty"`
}

// Clone returns a deep copy.
func (r Role) Clone() Role {
	r.AccountTypes = slices.Clone(r.AccountTypes)
	r.Contains = slices.Clone(r.Contains)
	r.Grants = slices.Clone(r.Grants)
	return r
}

// allows reports whether a user of account type t may hold the role.
func (r Role) allows(t AccountType) bool {
	return len(r.AccountTypes) == 0 || slices.Contains(r.AccountTypes, t)
}
