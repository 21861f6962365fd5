package rbac

import (
	"fmt"
	"time"
)

// TimedAssignment is a role or a group a user holds for a time: cover for
// an absent colleague, a contractor's term, an emergency (Elevation).
// Exactly one of Role and Group is set. The assignment holds from From
// (zero: always held before Until) until just before Until (zero: it does
// not end): no check at or after Until, or before From, uses it, with no
// write needed.
//
// In a policy file, under a user:
//
//	temporary: [{role: supervisor, until: 2027-01-08T17:00:00Z}]
//
// with times in RFC 3339.
type TimedAssignment struct {
	Role  RoleID    `yaml:"role,omitempty" json:",omitempty"`
	Group GroupID   `yaml:"group,omitempty" json:",omitempty"`
	From  time.Time `yaml:"from,omitempty" json:",omitzero"`
	Until time.Time `yaml:"until,omitempty" json:",omitzero"`
}

// HeldAt reports whether the assignment holds at t: From ≤ t < Until, a
// zero bound being no bound.
func (t TimedAssignment) HeldAt(at time.Time) bool {
	return (t.From.IsZero() || !at.Before(t.From)) && (t.Until.IsZero() || at.Before(t.Until))
}

// Expired reports whether the assignment can never hold again at or after t.
func (t TimedAssignment) Expired(at time.Time) bool {
	return !t.Until.IsZero() && !at.Before(t.Until)
}

// String names the assignment and its window, for messages.
func (t TimedAssignment) String() string {
	what := "role " + string(t.Role)
	if t.Group != "" {
		what = "group " + string(t.Group)
	}
	switch {
	case !t.From.IsZero() && !t.Until.IsZero():
		return fmt.Sprintf("%s from %s until %s", what, t.From.Format(time.RFC3339), t.Until.Format(time.RFC3339))
	case !t.Until.IsZero():
		return fmt.Sprintf("%s until %s", what, t.Until.Format(time.RFC3339))
	case !t.From.IsZero():
		return fmt.Sprintf("%s from %s", what, t.From.Format(time.RFC3339))
	}
	return what
}

// checkTimed reports why a timed assignment's shape is wrong, apart from
// the ids it names: exactly one of Role and Group, a window that is one.
func checkTimed(t TimedAssignment) error {
	switch {
	case t.Role == "" && t.Group == "":
		return fmt.Errorf("names neither a role nor a group: set exactly one")
	case t.Role != "" && t.Group != "":
		return fmt.Errorf("names both role %q and group %q: set exactly one (write two entries for both)", t.Role, t.Group)
	case t.From.IsZero() && t.Until.IsZero():
		return fmt.Errorf("has neither from nor until: a permanent assignment belongs in roles or groups")
	case !t.From.IsZero() && !t.Until.IsZero() && !t.From.Before(t.Until):
		return fmt.Errorf("from %s is not before until %s", t.From.Format(time.RFC3339Nano), t.Until.Format(time.RFC3339Nano))
	}
	return nil
}

// WithClock sets where the authorizer reads the time (default time.Now):
// timed assignments hold by it. Tests move a fake clock to cross a
// window's bounds.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// equal compares two assignments, their times as instants (a time read
// back from a store may have another location).
func (t TimedAssignment) equal(u TimedAssignment) bool {
	return t.Role == u.Role && t.Group == u.Group && t.From.Equal(u.From) && t.Until.Equal(u.Until)
}
