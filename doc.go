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
// authorized for (static) or have active in one request (dynamic). A Kind
// declares a kind of record; once any is declared, requests, ownership
// rules and stored owners must name declared kinds.
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
// wildcard permission; a resource kind that is not declared when kinds
// are; a permission outside the catalogue when there is one — such a name
// matches no grant, not even "*"; a principal the snapshot does not
// accept), unknown_user, disabled, role_not_held,
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
// # Administration
//
// Authorizer.Admin(actor) changes the model on behalf of a known, enabled
// user; each change set is judged whole before anything is written, in
// this order: well-formed input (ErrInvalid: values of the kind's Go type,
// identifiers, UTF-8 text without NUL, no user id rbac.system nor starting
// "rbac."); the actor's rights (ErrForbidden, before anything about the
// model is revealed, Preview, Revert and History included: rbac.roles.manage,
// rbac.groups.manage, rbac.users.manage and rbac.audit.read, counted at
// scope global or all; rbac.users.manage at workgroup manages the users
// whose every workgroup, before and after, is under the actor's; a group's
// enabled manager adds and removes other users of its account type; a new
// owned record needs the ownership rule's Create permission or its bypass);
// the model's validity; then the full effect, judged by the net effect of
// the set on each entity whatever the order inside, so that a sequence of
// sets gives nothing the same changes in one set would be refused. Every
// (permission, region) any user gains, computed on the compiled snapshots
// before and after — account-type defaults, groups, containment, the
// catalogue (a new entry a held wildcard matches), prerequisites, enabling,
// and every active-role set a dynamic constraint allows included — must be
// one the actor exercises now over that region: the user's own records
// (mine), a workgroup subtree, everything, and with ownership rules the
// user's org's owned records; what the actor assigns counts as given; a
// workgroup id that did not exist before the set is a subtree only global
// holders reach (re-creating a deleted one is judged as re-parenting it
// from outside every workgroup). So must the actor hold what a role, group
// or default newly confers and what a managed group newly delegates
// (listing or enabling a manager appoints him); a new owner of a record is
// the actor's org or needs the bypass; relaxations (a constraint deleted or
// loosened, a role deleted out of one, a prerequisite removed or deleted, a
// sensitive permission un-marked or deleted, strictness switched off by
// emptying the catalogue or deleting the last kind, an ownership rule
// deleted or its bypass or create permission changed) are refused — all
// unless the actor holds rbac.escalate. Newly reaching a permission
// sensitive before or after needs rbac.sensitive.grant and the actor's own
// reason. A change leaving
// no enabled user able to manage roles, groups or users is refused. The
// convenience methods read, modify and write under the authorizer's lock
// and retry when another replica wrote in between; a change that changes
// nothing is ErrExists (adding) or ErrNotFound (removing) and writes
// nothing.
//
// Four eyes: a change set matching an Approval entry in force (a sensitive
// gain, a relaxation — deleting or loosening an approval entry is one —,
// a change to given roles or groups or their members) is refused unless
// it is proposed (Admin.Propose) and approved by someone else
// (Admin.Approve), who is judged against the model at approval as if he
// made it; the change set's Actor is the approver and ProposedBy the
// proposer. Recertification: a Campaign's reviewers Attest, and once the
// clock (WithClock) passes its Due the follow loop removes, as System,
// what nobody attested keep. Proposals and attestations live in the store
// (the optional ProposalStore and AttestationStore).
//
// # Principals
//
// Request.Principal carries a user that the service vouches for — the
// claims of a verified token whose identity provider issues roles — instead
// of a UserID to look up. Its account type, org, roles, groups and
// workgroups are used as given, after the same checks a stored user passes:
// an unknown id, a role closed to the account type or a group of another
// account type is invalid_request, more roles than a static Constraint
// allows is separation_of_duty. A principal's profile is compiled once per
// snapshot and role set and cached (bounded, lock-free), so a repeated
// principal checks without allocating. Explain, RolesOfPrincipal,
// PermissionsOfPrincipal and OwnersForNewPrincipal accept principals too.
// Authorizer.AdminAs(principal) administers on a principal's behalf, judged
// as a stored user with its fields and audited under its id; its lockout
// rule counts the roles, groups and account types that confer each manage
// permission, as no administrator need be stored.
//
// # Observing
//
// WithLogger logs store errors, recoveries, stale snapshots, slow compiles
// and every change set written; WithDecisionLog sees each decision of
// Authorizer.Check, Explain and Plan (SlogDecisionLog writes them to a
// slog.Logger); WithObserver feeds metrics (the otelrbac
// module adapts it to OpenTelemetry). Snapshot.Check has no hooks.
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
// why. Validate (and Apply, for a change set that would leave the policy
// invalid) reports every violation at once, joined with errors.Join; each
// violation wraps its own sentinel.
// Any error in the check path means deny.
//
// Two sentinels say a write may be retried (Retryable): ErrUnavailable
// (nothing was written: a lost connection, a timeout, a cancelled context)
// and ErrUnknownOutcome (the write may have committed: retry with the same
// ChangeSet.ID, which is an idempotency key, so the retry never writes
// twice). Authorizer.Apply resolves unknown outcomes itself by retrying with
// the same ID.
package rbac
