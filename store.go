package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Store persists a policy and its change log. Stores only persist: every
// rule of the model (containment, cycles, account types, scopes, ownership,
// separation of duty, cascades) is enforced by this package before a change
// set reaches a store. Use Authorizer.Apply or Import to write; call
// Store.Apply directly only with change sets that they produced.
//
// Every method is safe for concurrent use, honours ctx, and returns
// ErrClosed after Close.
type Store interface {
	// Load returns the whole state at one revision. The policy is the
	// caller's to keep (no aliasing); it has no Tests.
	Load(ctx context.Context) (*Policy, Revision, error)

	// Apply writes the change set atomically, all or nothing, at the next
	// revision, and returns that revision. If cs.ID is already in the log
	// (see ChangeSet.ID), nothing is written and Apply returns the revision
	// of the logged change set, or an error wrapping ErrConflict if its
	// content (ChangeSet.Digest) differs; this check comes before Expect's.
	// If cs.Expect is not zero and is not the current revision, nothing is
	// written and the error wraps ErrConflict. Deleting an entity that does
	// not exist wraps ErrNotFound; a malformed change set (see
	// ChangeSet.Validate) wraps ErrInvalid. The store records each change's
	// Before image itself, and an ID of its own when cs.ID is empty.
	//
	// A write that cannot be known to have committed or not (the connection
	// died during COMMIT) wraps ErrUnknownOutcome: retry with the same ID.
	// A transient failure before anything could commit wraps ErrUnavailable.
	// Once a store has sent COMMIT, cancelling ctx does not change the
	// outcome nor the result.
	Apply(ctx context.Context, cs ChangeSet) (Revision, error)

	// Changes returns the change sets after the given revision, in order,
	// with their Before images. If the log no longer reaches back to
	// after+1 the error wraps ErrTruncated: reload with Load.
	Changes(ctx context.Context, after Revision) ([]ChangeSet, error)

	// Wait returns the current revision once it is greater than after, or
	// ctx's error.
	Wait(ctx context.Context, after Revision) (Revision, error)

	// Close releases the store. Pending and later calls return ErrClosed.
	Close() error
}

// HistoryReader is an optional capability of a Store, found by type
// assertion: it reads a page of the change log without copying what the
// page does not show. Admin.History and Admin.HistoryPage use it when the
// store has it and read the whole log with Changes otherwise; an audit
// page over a log that holds a 100,000-entity import then costs what it
// shows, not the import.
type HistoryReader interface {
	// ReadHistory returns the change sets that match q, newest first: at
	// most q.Limit of them (all when q.Limit <= 0), each with at most
	// maxChanges of its changes that match q.Kind and q.Key, in their
	// order in the set (all of them when maxChanges < 0), and with
	// HistorySet.Matched counting every such change, shown or not. A set
	// none of whose changes match q.Kind and q.Key is left out; without
	// them every change matches. Filters apply before the limits.
	//
	// It reads one revision of the log and never fails with ErrTruncated:
	// change sets that Prune dropped are simply absent, and
	// HistoryPage.Horizon says up to where the log was pruned.
	ReadHistory(ctx context.Context, q HistoryQuery, maxChanges int) (HistoryPage, error)
}

// HistoryPage is a page of the change log, as HistoryReader.ReadHistory
// and Admin.HistoryPage return it.
type HistoryPage struct {
	Sets []HistorySet // newest first
	// Horizon is the revision up to which the log was pruned: change sets
	// at or below it are no longer in the log (zero when none was pruned).
	Horizon Revision
}

// HistorySet is a change set of a history page. Its Changes are the first
// of its changes that match the query, at most as many as were asked for.
type HistorySet struct {
	ChangeSet
	// Matched is how many of the set's changes match the query's Kind and
	// Key (all of them when neither is given), shown or not: len(Changes)
	// is less when the page shows fewer.
	Matched int
}

// ChangeSet is one atomic write: the unit of the change log and of the audit
// trail.
type ChangeSet struct {
	// ID is the change set's idempotency key: 1 to MaxIDLen characters
	// from [A-Za-z0-9_.:@+/-]. A store generates one (NewChangeSetID) when
	// it is empty, and logs it under a unique index: applying a change set
	// whose ID is already logged writes nothing and returns the original
	// revision. Retrying with the same ID therefore never writes twice.
	ID       string
	Revision Revision  // assigned by the store
	Expect   Revision  // if not zero: apply only if the store is at this revision
	Time     time.Time // set by the store when zero
	Actor    UserID    // who made the change (may be empty); for an approved proposal, the approver
	// ProposedBy is who proposed the change, when it was made by approving
	// a proposal (Admin.Approve); empty otherwise.
	ProposedBy UserID
	Reason     string // why, for the audit trail
	Changes    []Change
}

// Clone returns a deep copy.
func (cs ChangeSet) Clone() ChangeSet {
	out := cs
	out.Changes = make([]Change, len(cs.Changes))
	for i, c := range cs.Changes {
		out.Changes[i] = c.Clone()
	}
	return out
}

// EntityKind names a kind of stored entity.
type EntityKind string

const (
	EntityAccountType   EntityKind = "account_type"
	EntityPermission    EntityKind = "permission"
	EntityRole          EntityKind = "role"
	EntityGroup         EntityKind = "group"
	EntityWorkgroup     EntityKind = "workgroup"
	EntityUser          EntityKind = "user"
	EntityConstraint    EntityKind = "constraint"
	EntityOwnershipRule EntityKind = "ownership_rule"
	EntityOwnership     EntityKind = "ownership"
)

// EntityKinds returns every kind, in dependency order (an entity refers
// only to kinds listed before it, workgroups and roles also to
// themselves): a new slice each call, which the caller may change.
func EntityKinds() []EntityKind { return slices.Clone(entityKinds[:]) }

// entityKinds is EntityKinds' list, for the package's own loops.
var entityKinds = [...]EntityKind{
	EntityPermission, EntityRole, EntityAccountType, EntityWorkgroup, EntityGroup,
	EntityUser, EntityConstraint, EntityApproval, EntityCampaign, EntityResourceKind, EntityOwnershipRule, EntityOwnership, EntityElevation,
}

// StreamKinds returns every kind in the order a StreamLoader best streams
// them: users after every kind but stored ownership, so that an
// Authorizer compiles the roles while the users stream in. Any order is
// correct; this one is faster.
func StreamKinds() []EntityKind {
	return []EntityKind{
		EntityPermission, EntityRole, EntityAccountType, EntityWorkgroup, EntityGroup,
		EntityConstraint, EntityApproval, EntityCampaign, EntityResourceKind, EntityOwnershipRule, EntityElevation, EntityUser, EntityOwnership,
	}
}

// Entity is one of AccountTypeDef, PermissionDef, Role, Group, Workgroup,
// User, Constraint, Approval, Campaign, Kind, OwnershipRule, Ownership and Elevation (values, not pointers).
type Entity interface {
	EntityKind() EntityKind
	EntityKey() string
	cloneEntity() Entity
}

func (a AccountTypeDef) EntityKind() EntityKind { return EntityAccountType }
func (d PermissionDef) EntityKind() EntityKind  { return EntityPermission }
func (r Role) EntityKind() EntityKind           { return EntityRole }
func (g Group) EntityKind() EntityKind          { return EntityGroup }
func (w Workgroup) EntityKind() EntityKind      { return EntityWorkgroup }
func (u User) EntityKind() EntityKind           { return EntityUser }
func (c Constraint) EntityKind() EntityKind     { return EntityConstraint }
func (r OwnershipRule) EntityKind() EntityKind  { return EntityOwnershipRule }
func (o Ownership) EntityKind() EntityKind      { return EntityOwnership }

func (a AccountTypeDef) EntityKey() string { return string(a.ID) }
func (d PermissionDef) EntityKey() string  { return string(d.Name) }
func (r Role) EntityKey() string           { return string(r.ID) }
func (g Group) EntityKey() string          { return string(g.ID) }
func (w Workgroup) EntityKey() string      { return string(w.ID) }
func (u User) EntityKey() string           { return string(u.ID) }
func (c Constraint) EntityKey() string     { return c.Name }
func (r OwnershipRule) EntityKey() string  { return r.Kind }
func (o Ownership) EntityKey() string      { return OwnershipKey(o.Kind, o.ID) }

func (a AccountTypeDef) cloneEntity() Entity { return a.Clone() }
func (d PermissionDef) cloneEntity() Entity  { return d.Clone() }
func (r Role) cloneEntity() Entity           { return r.Clone() }
func (g Group) cloneEntity() Entity          { return g.Clone() }
func (w Workgroup) cloneEntity() Entity      { return w.Clone() }
func (u User) cloneEntity() Entity           { return u.Clone() }
func (c Constraint) cloneEntity() Entity     { return c.Clone() }
func (r OwnershipRule) cloneEntity() Entity  { return r.Clone() }
func (o Ownership) cloneEntity() Entity      { return o.Clone() }

// CloneEntity returns a deep copy of e (nil for nil).
func CloneEntity(e Entity) Entity {
	if e == nil {
		return nil
	}
	return e.cloneEntity()
}

// Change puts (creates or wholly replaces) or deletes one entity.
type Change struct {
	Kind   EntityKind
	Key    string // the entity's key: its ID, a constraint's Name, a rule's Kind, or OwnershipKey
	After  Entity // the new value; nil deletes
	Before Entity // the value before the change, nil if absent; recorded by the store
	// Cascade marks a change that the package added because another change
	// in the same set removed something it referred to.
	Cascade bool
}

// IsDelete reports whether the change deletes its entity.
func (c Change) IsDelete() bool { return c.After == nil }

// Clone returns a deep copy.
func (c Change) Clone() Change {
	c.After = CloneEntity(c.After)
	c.Before = CloneEntity(c.Before)
	return c
}

func (c Change) String() string {
	op := "put"
	if c.IsDelete() {
		op = "delete"
	}
	return fmt.Sprintf("%s %s %q", op, c.Kind, c.Key)
}

// Validate checks the change's shape: a known kind, a well-formed key, and an
// After (if any) of that kind with that key. It does not check the change
// against a policy; Authorizer.Apply does.
func (c Change) Validate() error {
	known := false
	for _, k := range entityKinds {
		known = known || k == c.Kind
	}
	if !known {
		return &Error{Op: "change", Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("unknown entity kind %s", quoteShort(string(c.Kind))), Err: ErrInvalid}
	}
	if err := checkKey(c.Kind, c.Key); err != nil {
		return &Error{Op: "change", Kind: c.Kind, ID: c.Key, Msg: err.Error(), Err: ErrInvalid}
	}
	if c.After != nil {
		if !isEntityValue(c.After) {
			// A pointer (even a nil one) satisfies Entity too; the model
			// holds values only.
			return &Error{Op: "change", Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("the value is a %T, not an entity value", c.After), Err: ErrInvalid}
		}
		if c.After.EntityKind() != c.Kind || c.After.EntityKey() != c.Key {
			return &Error{Op: "change", Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("the value is %s %q, not the change's key", c.After.EntityKind(), c.After.EntityKey()), Err: ErrInvalid}
		}
	}
	return nil
}

// isEntityValue reports whether e is one of the entity types by value.
func isEntityValue(e Entity) bool {
	switch e.(type) {
	case AccountTypeDef, PermissionDef, Role, Group, Workgroup, User, Constraint, Approval, Campaign, Kind, OwnershipRule, Ownership, Elevation:
		return true
	}
	return false
}

// checkKey checks an entity key; constraint names follow the identifier
// rules too, and an ownership key is "kind/id".
func checkKey(kind EntityKind, key string) error {
	switch kind {
	case EntityOwnership:
		k, id, ok := strings.Cut(key, "/")
		if !ok {
			return fmt.Errorf("ownership key %s is not \"kind/id\"", quoteShort(key))
		}
		if err := checkKind(k); err != nil {
			return err
		}
		return checkID(id)
	case EntityOwnershipRule, EntityResourceKind:
		return checkKind(key)
	}
	return checkID(key)
}

// checkKind checks a resource kind: an identifier without '/'.
func checkKind(k string) error {
	if err := checkID(k); err != nil {
		return fmt.Errorf("resource kind: %v", err)
	}
	if strings.Contains(k, "/") {
		return fmt.Errorf("resource kind %s contains '/'", quoteShort(k))
	}
	return nil
}

func put(e Entity) Change {
	e = CloneEntity(e)
	return Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e}
}

// Constructors of changes, one per entity kind and named after it
// (PutAccountType takes an AccountTypeDef, PutPermission a PermissionDef).
// Put* copies its argument.
func PutAccountType(a AccountTypeDef) Change { return put(a) }
func PutPermission(d PermissionDef) Change   { return put(d) }
func PutRole(r Role) Change                  { return put(r) }
func PutGroup(g Group) Change                { return put(g) }
func PutWorkgroup(w Workgroup) Change        { return put(w) }
func PutUser(u User) Change                  { return put(u) }
func PutConstraint(c Constraint) Change      { return put(c) }
func PutOwnershipRule(r OwnershipRule) Change {
	return put(r)
}
func PutOwnership(o Ownership) Change { return put(o) }

func DeleteAccountType(id AccountType) Change {
	return Change{Kind: EntityAccountType, Key: string(id)}
}
func DeletePermission(name Permission) Change {
	return Change{Kind: EntityPermission, Key: string(name)}
}
func DeleteRole(id RoleID) Change           { return Change{Kind: EntityRole, Key: string(id)} }
func DeleteGroup(id GroupID) Change         { return Change{Kind: EntityGroup, Key: string(id)} }
func DeleteWorkgroup(id WorkgroupID) Change { return Change{Kind: EntityWorkgroup, Key: string(id)} }
func DeleteUser(id UserID) Change           { return Change{Kind: EntityUser, Key: string(id)} }
func DeleteConstraint(name string) Change   { return Change{Kind: EntityConstraint, Key: name} }
func DeleteOwnershipRule(kind string) Change {
	return Change{Kind: EntityOwnershipRule, Key: kind}
}
func DeleteOwnership(kind, id string) Change {
	return Change{Kind: EntityOwnership, Key: OwnershipKey(kind, id)}
}
