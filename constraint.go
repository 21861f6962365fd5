package rbac

import "slices"

// Constraint is a separation-of-duty rule (NIST RBAC). A static constraint
// (Dynamic false) forbids any user to be authorized for more than Max of
// Roles; it is enforced on every write and on load (ErrSeparationOfDuty). A
// dynamic constraint forbids any single request to have more than Max of
// Roles active at once (Decision reason separation_of_duty). Containment
// counts: a user authorized for a role that contains a constrained role is
// authorized for that role too.
type Constraint struct {
	Name    string   `yaml:"name"`
	Roles   []RoleID `yaml:"roles"`
	Max     int      `yaml:"max"`
	Dynamic bool     `yaml:"dynamic,omitempty"`
}

// Clone returns a deep copy.
func (c Constraint) Clone() Constraint {
	c.Roles = slices.Clone(c.Roles)
	return c
}
