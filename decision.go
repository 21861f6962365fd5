package rbac

import "strings"

// Resource describes the record a request is about. The caller fills it
// from its own data; nothing here is looked up except stored ownership.
type Resource struct {
	Kind string `yaml:"kind,omitempty"`
	ID   string `yaml:"id,omitempty"`
	// Owners are the record's owning organisations, when the caller
	// knows them. Nil (StoredOwners) means "use the Ownership stored for
	// (Kind, ID)"; a non-nil empty list (Orgs()) means "owned by nobody",
	// which only the kind's bypass permission reaches. Orgs and
	// ParseOwners never return nil, so a record whose owners field is
	// empty is never mistaken for one whose owners are stored.
	Owners     []OrgSlug     `yaml:"owners,omitempty"`
	Assignees  []UserID      `yaml:"assignees,omitempty"`  // processors, task assignees, team members
	Workgroups []WorkgroupID `yaml:"workgroups,omitempty"` // the record's workgroups
	Inactive   bool          `yaml:"inactive,omitempty"`   // closed, archived: only ScopeAll reaches it
}

// Request asks whether User may use Permission on Resource.
type Request struct {
	User UserID `yaml:"user,omitempty"`
	// Principal, when set, is the user as an identity provider vouches
	// for it (a verified token's claims): User is ignored and nothing is
	// looked up in the store. Its account type, org, roles, groups and
	// workgroups are used as given and checked against the snapshot: an
	// unknown id or a role closed to its account type is invalid_request,
	// a static separation-of-duty violation separation_of_duty. Profiles
	// of principals are cached by role set, so a repeated principal
	// checks without allocating.
	Principal *User `yaml:"principal,omitempty"`
	// ActiveRoles are the roles the user acts in for this request (HMPPS:
	// the role chosen from the menu). Nil means every authorized role is
	// active. Each listed role must be authorized for the user (otherwise
	// the reason is role_not_held); the roles it contains are active too.
	ActiveRoles []RoleID   `yaml:"active_roles,omitempty"`
	Permission  Permission `yaml:"permission"`
	// Resource is the record; nil asks for the capability: allowed if the
	// permission is held at any scope, Decision.Scope being the widest.
	Resource *Resource `yaml:"resource,omitempty"`
	// AtLeast makes Authorizer.Check wait until the authorizer has seen
	// this revision (read-your-writes across replicas).
	AtLeast Revision `yaml:"-"`
}

// Reason says why a decision came out as it did.
type Reason string

const (
	ReasonGranted             Reason = "granted"
	ReasonNoGrant             Reason = "no_grant"
	ReasonOutOfScope          Reason = "out_of_scope"
	ReasonNotOwner            Reason = "not_owner"
	ReasonUnknownUser         Reason = "unknown_user"
	ReasonDisabled            Reason = "disabled"
	ReasonRoleNotHeld         Reason = "role_not_held"
	ReasonSeparationOfDuty    Reason = "separation_of_duty"
	ReasonMissingPrerequisite Reason = "missing_prerequisite"
	ReasonInvalidRequest      Reason = "invalid_request"
)

// Decision is the answer to a Request. A denial is a value, not an error.
type Decision struct {
	Allowed bool
	Scope   Scope  // when allowed: the widest held scope covering the resource (capability check: the widest held); ScopeNone when denied
	Reason  Reason // ReasonGranted when allowed
	Path    []Step // filled by Explain only
}

// StepKind names what a step of an explanation passes through.
type StepKind string

const (
	StepUser        StepKind = "user"
	StepAccountType StepKind = "account_type" // default roles of the user's account type
	StepGroup       StepKind = "group"
	StepTemporary   StepKind = "temporary" // a timed assignment held at the check's instant; Detail: what and its window
	StepRole        StepKind = "role"
	StepGrant       StepKind = "grant"
	StepAssignee    StepKind = "assignee"
	StepWorkgroup   StepKind = "workgroup"
	StepOwner       StepKind = "owner"
	StepBypass      StepKind = "bypass"
	StepConstraint  StepKind = "constraint"
	StepMiss        StepKind = "miss" // why the nearest route fails
)

// Step is one hop of the route that granted access, or of the nearest miss.
type Step struct {
	Kind   StepKind
	ID     string
	Detail string `json:",omitempty"`
}

func (s Step) String() string {
	var b strings.Builder
	if s.Kind == StepMiss {
		return s.Detail
	}
	b.WriteString(string(s.Kind))
	if s.ID != "" {
		b.WriteByte(' ')
		b.WriteString(s.ID)
	}
	if s.Detail != "" {
		b.WriteString(" (")
		b.WriteString(s.Detail)
		b.WriteByte(')')
	}
	return b.String()
}

// String prints the decision on one line, e.g.
//
//	allowed (granted, workgroup): user alice → group permitting → role evaluations_manager_workgroup → grant evaluation.read@workgroup → workgroup leeds (resource in leeds)
func (d Decision) String() string {
	var b strings.Builder
	if d.Allowed {
		b.WriteString("allowed (")
	} else {
		b.WriteString("denied (")
	}
	b.WriteString(string(d.Reason))
	if d.Scope != ScopeNone {
		b.WriteString(", ")
		b.WriteString(d.Scope.String())
	}
	b.WriteByte(')')
	for i, s := range d.Path {
		if i == 0 {
			b.WriteString(": ")
		} else if s.Kind == StepMiss {
			b.WriteString(": ")
		} else {
			b.WriteString(" → ")
		}
		b.WriteString(s.String())
	}
	return b.String()
}
