// Package rbac answers "may this person do this to this record, and why?"
// for Go services, in nanoseconds and without allocating.
//
// # Concepts
//
// A Policy holds the model. Permissions are dotted names
// ("evaluation.read"); a PermissionDef catalogues one (section, title,
// deprecated, sensitive, prerequisites). A Role bundles Grants — a permission
// (or a wildcard "client.*" / "*") at a Scope (mine, workgroup, global, all)
// — and contains other roles, transitively, to any depth, without cycles. An
// AccountTypeDef gives every user of the type default roles; a role may be
// closed to some account types. A Group bundles roles for the users of one
// account type. A Workgroup is a node of a forest; a workgroup grant covers
// records of the user's workgroups and their descendants. An OwnershipRule
// makes records of a kind owned by organisations (OrgSlug), with a bypass
// permission. A Constraint limits how many of a set of roles a user may be
// authorized for (static) or have active in one request (dynamic).
//
// # Semantics
//
// The authorized roles of an enabled user are the closure over Contains of
// the user's direct roles, the roles of the user's groups and the default
// roles of the user's account type, each role of that closure then kept only
// if its AccountTypes allow the user's account type. Validate makes sure the
// filter removes nothing in a valid policy (a direct role, a group's role, a
// default role and every role they contain must allow the account type); it
// stays as a second line of defence.
//
// The active roles of a request are all authorized roles when
// Request.ActiveRoles is nil; otherwise the closure over Contains of the
// listed roles, each of which must be authorized (else role_not_held, also
// for an unknown role). A dynamic Constraint is violated when more than Max
// of its roles are active; the request is then denied with
// separation_of_duty, whatever it asks.
//
// A grant of g matches permission p when g == p, g is "x.*" and p starts
// with "x.", or g is "*". The user holds p at scope s when an active role
// has a grant matching p at scope s. A permission with prerequisites
// (PermissionDef.Requires) is effective only if every prerequisite is also
// held by the active roles at some scope; otherwise the decision is
// missing_prerequisite. Prerequisites are not transitive.
//
// Evaluation order, first failure wins: invalid_request (malformed or
// wildcard permission), unknown_user, disabled, role_not_held,
// separation_of_duty, no_grant (nothing matches), missing_prerequisite,
// then, for a resource, out_of_scope (no held scope covers it) and
// not_owner. When allowed, Decision.Scope is the widest held scope that
// covers the resource (order all > global > workgroup > mine), or with no
// resource the widest held scope; a denial's Scope is always ScopeNone.
//
// Ownership applies when an OwnershipRule exists for Resource.Kind. The
// owners are Resource.Owners, or when that is nil the stored Ownership of
// (Kind, ID), or none. Access then also needs the user's (non-empty) Org
// among the owners, or the rule's Bypass permission held (effective, at any
// scope) by the active roles; "*" holds every bypass.
//
// # Lists
//
// Snapshot.Plan answers a list request (user, active roles, permission,
// kind) once: the part of a decision that does not depend on the record is
// resolved, and the rest becomes a Plan — none, all, or a filter over
// status, assignees, workgroups (descendants expanded) and owners — with
// Plan.Allows(r) equal to Check's answer for every record r of the kind.
// Package sqlfilter turns a Plan into a SQL WHERE clause for the
// application's own table. Snapshot.PermissionsOn says which of several
// permissions apply to one record.
//
// # Concurrency and the check path
//
// An Authorizer follows its Store and publishes immutable compiled
// Snapshots through an atomic pointer. Snapshot.Check takes no lock, does
// no I/O and allocates nothing, on its first call as on every other:
// everything it reads (the per-role profiles that requests naming their
// active roles use included) is built when the snapshot is compiled, before
// it is published. The same holds for the index behind UsersWith and
// UsersWithRole, which the compiler keeps up to date across writes. Explain
// and the review functions allocate their results.
// Everything in this package is safe for concurrent use.
//
// # Errors
//
// Denials are Decisions, not errors. Errors are *Error values wrapping one
// of the sentinels (ErrNotFound, ErrInvalid, ErrCycle, ...), so errors.Is
// works; their messages say what, where (file:line for policy files) and
// why. Validate reports every violation at once, joined with errors.Join.
// Any error in the check path means deny.
//
// Two sentinels say a write may be retried (Retryable): ErrUnavailable
// (nothing was written: a lost connection, a timeout, a cancelled context)
// and ErrUnknownOutcome (the write may have committed: retry with the same
// ChangeSet.ID, which is an idempotency key, so the retry never writes
// twice). Authorizer.Apply resolves unknown outcomes itself by retrying with
// the same ID.
package rbac
