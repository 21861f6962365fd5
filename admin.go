package rbac

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// System is the reserved actor for bootstrap and imports: the only one
// that skips the administration rules. Its changes are still audited. No
// user may have this id, nor any id starting "rbac.".
const System UserID = "rbac.system"

// Built-in permissions of administration. They are always known: a policy
// with a catalogue need not list them. They count only when held at scope
// global or all; at mine they confer nothing, and rbac.users.manage held at
// workgroup manages only the users of the holder's workgroups.
const (
	PermRolesManage    Permission = "rbac.roles.manage"    // roles, grants, containment, catalogue, account types, constraints, ownership rules
	PermGroupsManage   Permission = "rbac.groups.manage"   // groups, their roles and managers
	PermUsersManage    Permission = "rbac.users.manage"    // users, assignments, memberships, workgroups
	PermAuditRead      Permission = "rbac.audit.read"      // History, Revert
	PermEscalate       Permission = "rbac.escalate"        // confer what one cannot exercise, and relax the rules
	PermSensitiveGrant Permission = "rbac.sensitive.grant" // let someone newly reach a sensitive permission
)

// builtinPermission reports whether p is one of the built-in permissions
// above: the only names under BuiltinPermissionPrefix a request may name.
func builtinPermission(p Permission) bool {
	switch p {
	case PermRolesManage, PermGroupsManage, PermUsersManage, PermAuditRead, PermEscalate, PermSensitiveGrant:
		return true
	}
	return false
}

// Admin changes the model on behalf of an actor, a known and enabled user,
// under the rules of delegated administration. Every change set is judged
// as a whole, by its net effect — each entity's value after the whole set
// against its value before it, whatever the order of the changes inside —
// before anything is written:
//
//  1. Well-formed input (ErrInvalid): values of the right type, ids that
//     are identifiers, free text in UTF-8 without NUL, no user id rbac.system
//     nor starting "rbac.".
//  2. The actor's rights (ErrForbidden), before anything about the model is
//     revealed: rbac.roles.manage for roles, the catalogue, account types,
//     constraints, kinds and ownership rules; rbac.groups.manage for groups;
//     rbac.users.manage for users and workgroups (held at workgroup: only
//     users whose every workgroup, before and after, is under the actor's
//     workgroups); a group's enabled manager may add and remove other users
//     of the group's account type to and from that group; the owners of a
//     record: the kind's bypass holders, or for a new record the holders of
//     the rule's Create permission (their own org only); the actor may
//     add and remove its own timed assignments of an elevation's roles
//     through Admin.Elevate and Admin.EndElevation, whose gain is the
//     elevation's (rule 4 too), every other rule applying.
//  3. The model stays valid (ErrInvalid, ErrNotFound, ErrCycle, ...).
//  4. No escalation (ErrForbidden, unless the actor holds rbac.escalate):
//     every (permission, region) any user gains must be one the actor can
//     itself exercise now. Gains come through roles, groups, account-type
//     defaults, containment, prerequisites, being enabled, the catalogue (a
//     new entry a held wildcard matches), and every active-role set a
//     dynamic separation-of-duty constraint lets a user use; what the actor
//     assigns (a role, a group, an account type's defaults) counts as given
//     even where the user held it through another source. A region is the
//     user's own records (mine: the actor needs the permission at mine or
//     wider), a workgroup subtree (the actor needs it at global or all, or
//     at workgroup over a workgroup its own cover), everything (global,
//     all), and, where ownership rules exist, the owned records of the
//     user's org (the actor's own org, or every kind's bypass): so a user
//     who holds nothing at workgroup scope gains nothing by being placed in
//     a workgroup, and a re-parented workgroup is a gain for whoever covers
//     it with a workgroup-scoped permission. Ids keep no power after
//     deletion: a workgroup id that does not exist before the set is a
//     subtree nobody reached, since records may still carry it (re-creating
//     a deleted workgroup is judged as re-parenting it from outside every
//     workgroup: only holders of the permission at global or all reach it);
//     deleting a role or group removes every reference to it, so a
//     re-created one confers only through references judged anew. A group's
//     enabled managers delegate its roles: listing a manager, or enabling a
//     listed one, appoints him, and the actor must hold what the group
//     confers; so must it for what a managed group newly confers, and for
//     what a role, group or account type definition newly confers, and
//     for what an elevation newly gives whoever will invoke it (declaring
//     it, adding a role to it, or giving one of its roles a grant). A new
//     owner of a record must be the actor's org, or the actor holds the
//     kind's bypass. Relaxations — deleting or loosening a constraint (a
//     role deleted out of it included), removing a prerequisite or deleting
//     a prerequisite permission, un-marking or deleting a sensitive
//     permission, switching strictness off (emptying the catalogue,
//     deleting the last declared kind), deleting an ownership rule or
//     changing its bypass or create permission, deleting or loosening an
//     approval entry — need rbac.escalate.
//  5. A change after which anyone newly reaches a permission that is
//     sensitive before or after it, or after which an elevation newly gives
//     one, needs rbac.sensitive.grant and the actor's own reason (invoking
//     the elevation is then not asked again).
//  6. No lockout: a change after which no enabled user can manage roles,
//     groups or users is refused (for a principal actor, AdminAs, the
//     roles, groups and account types that confer it count too).
//  7. Four eyes: a change that matches an approval entry in force (see
//     Approval: a sensitive gain, a relaxation, a change to given roles or
//     groups or their members) needs a second person: Propose it, and
//     someone else Approves it.
//
// A sequence of change sets therefore gives an actor nothing the same
// changes in one set would be refused. Denials wrap ErrForbidden and say
// which rule refused and why. Nothing is written.
type Admin struct {
	a     *Authorizer
	actor UserID
	// principal is set for an actor from a token (AdminAs), with
	// principalErr when it cannot be an actor at all.
	principal    *User
	principalErr error
}

// Admin returns the administration interface for actor.
func (a *Authorizer) Admin(actor UserID) *Admin { return &Admin{a: a, actor: actor} }

// maxJudgeAttempts bounds how often a change set is judged again because
// another writer changed the model between the judgement and the write.
const maxJudgeAttempts = 64

// Apply judges the changes by the rules of Admin and writes them as one
// audited change set with the actor and reason. If another writer changes
// the model in between, the changes are judged again against the new model
// (a bounded number of times).
func (ad *Admin) Apply(ctx context.Context, reason string, changes ...Change) (Revision, error) {
	return ad.apply(ctx, adminWrite{reason: reason, ownReason: reason, changes: changes})
}

// adminWrite is one administrative write.
type adminWrite struct {
	reason    string // for the audit trail
	ownReason string // the actor's own words, for the sensitivity rule
	changes   []Change
	// build, if set, makes the changes from the current snapshot under the
	// write lock (read-modify-write): what it read cannot change before
	// the write, except by another replica, which is a conflict.
	build func(s *Snapshot) ([]Change, error)
	// precheck runs after the rights, under the write lock, before the
	// model is validated (Revert: nothing it touched has changed since).
	precheck func(st *state) error
	// approved: the write is a proposal being proposed or approved, so a
	// match of an approval entry does not refuse it (see Approval).
	approved bool
	// id and proposedBy go into the change set (Approve).
	id         string
	proposedBy UserID
	// noRetry: a conflict is returned, not judged again (a campaign's
	// removals, whose ID another replica may have taken).
	noRetry bool
	// elevation is the elevation whose gain the set is (Elevate) or whose
	// timed assignments it removes (EndElevation), else nil: see
	// elevationRows for what it allows.
	elevation *Elevation
}

func (ad *Admin) apply(ctx context.Context, w adminWrite) (Revision, error) {
	if w.build == nil {
		if err := checkAdminInput("admin", w.reason, w.changes); err != nil {
			return 0, err
		}
	} else if err := checkText("the reason", w.reason); err != nil {
		return 0, &Error{Op: "admin", Msg: err.Error(), Err: ErrInvalid}
	}
	// One administrative write at a time per authorizer: judging and
	// writing are two steps, and writers of one replica would otherwise
	// invalidate each other's judgements.
	ad.a.adminMu.Lock()
	defer ad.a.adminMu.Unlock()
	for attempt := 0; ; attempt++ {
		ev, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Reason: w.reason, Changes: w.changes}, ad.rulesFor(w))
		if err != nil {
			return 0, err
		}
		rev, err := ad.a.Apply(ctx, ChangeSet{ID: w.id, Expect: ev.rev, Actor: ad.actor, ProposedBy: w.proposedBy, Reason: w.reason, Changes: ev.requested})
		if errors.Is(err, ErrConflict) && !w.noRetry {
			if attempt < maxJudgeAttempts {
				backoff(ctx, attempt)
				continue // another replica changed the model meanwhile: read and judge again
			}
			err = &Error{Op: "admin", Msg: fmt.Sprintf("other writers kept changing the model; gave up after %d attempts, each judged again on the new model: nothing was written; try again once they pause", attempt+1), Err: err}
		}
		return rev, err
	}
}

// backoff sleeps a random time that grows with attempt, so that writers
// retrying on the same entity spread out.
func backoff(ctx context.Context, attempt int) {
	wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 5)))
	select {
	case <-ctx.Done():
	case <-time.After(wait):
	}
}

// rulesFor returns the checks of an administrative write, for evaluate.
func (ad *Admin) rulesFor(w adminWrite) evaluationRules {
	if ad.actor == System {
		return evaluationRules{
			build:    w.build,
			precheck: w.precheck,
			judge:    func(ev *changeEvaluation) error { return refuseEmptyWrite(ev.expanded.Changes) },
		}
	}
	var rights *actorRights
	return evaluationRules{
		build: w.build,
		rights: func(st *state, before *Snapshot, changes []Change) error {
			var err error
			rights, err = ad.rights(st, before, changes, w.elevation)
			return err
		},
		precheck: w.precheck,
		judge: func(ev *changeEvaluation) error {
			if err := refuseEmptyWrite(ev.expanded.Changes); err != nil {
				return err
			}
			ev.elevation = w.elevation
			return ad.judge(ev, rights, w.ownReason, w.approved)
		},
	}
}

// refuseEmptyWrite: a change set that would change nothing writes nothing,
// judged by its net effect (putting an entity and putting it back is
// nothing).
func refuseEmptyWrite(changes []Change) error {
	im := imagesOf(changes)
	for _, ref := range im.refs {
		if !equalEntities(im.before[ref], im.after[ref]) {
			return nil
		}
	}
	c := changes[0]
	return &Error{Op: "admin", Kind: c.Kind, ID: c.Key, Msg: "nothing to change: it is already so", Err: ErrExists}
}

// changeEvaluation is a change set compiled, but not written.
type changeEvaluation struct {
	rev       Revision
	requested []Change // the changes asked for (built, for a read-modify-write)
	before    *Snapshot
	after     *Snapshot
	expanded  ChangeSet
	approvals []string // the approval entries the set matches (see Approval)
	// elevation, if set, is the elevation whose gain the set is: see
	// adminWrite.elevation.
	elevation *Elevation
}

// evaluationRules are the checks evaluate runs, in order, under the write
// lock: rights against the current state (before anything about the model
// is revealed), precheck, then — once the change set is expanded, valid and
// compiled — judge.
type evaluationRules struct {
	build    func(s *Snapshot) ([]Change, error)
	rights   func(st *state, before *Snapshot, changes []Change) error
	precheck func(st *state) error
	judge    func(ev *changeEvaluation) error
}

// evaluate expands cs (or the changes rules.build makes) with its cascades
// against the current state, compiles the result and runs the rules,
// leaving the state as it was.
func (a *Authorizer) evaluate(ctx context.Context, cs ChangeSet, rules evaluationRules) (*changeEvaluation, error) {
	if a.closed.Load() {
		return nil, &Error{Op: "admin", Err: ErrClosed}
	}
	if err := a.sync(ctx); err != nil {
		return nil, relabel("admin", "catching up with the store before judging the change", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	before := a.snap.Load()
	if rules.build != nil {
		changes, err := rules.build(before)
		if err != nil {
			return nil, err
		}
		if err := checkAdminInput("admin", "", changes); err != nil {
			return nil, err
		}
		cs.Changes = changes
	}
	if rules.rights != nil {
		if err := rules.rights(a.st, before, cs.Changes); err != nil {
			return nil, err
		}
	}
	if rules.precheck != nil {
		if err := rules.precheck(a.st); err != nil {
			return nil, err
		}
	}
	expanded, err := a.st.withCascades(cs)
	if err != nil {
		return nil, err
	}
	for _, c := range expanded.Changes {
		a.st.applyChange(c)
	}
	after, err := a.compileCandidate(before, expanded.Changes)
	a.st.undo(expanded.Changes)
	if err != nil {
		return nil, err
	}
	ev := &changeEvaluation{rev: a.st.rev, requested: cs.Changes, before: before, after: after, expanded: expanded}
	if rules.judge != nil {
		if err := rules.judge(ev); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// compileCandidate compiles the state with a change set applied but not
// written: only the changed users when the set touches only users and
// stored ownership, only the role sets holding a role whose grants alone
// change, else everything — kept, so that writing the same change set next
// does not compile it again.
func (a *Authorizer) compileCandidate(before *Snapshot, changes []Change) (*Snapshot, error) {
	a.judged = nil
	if snap, ok := a.comp.compileIncremental(a.st, before, changes); ok {
		return snap, nil
	}
	if comp, snap, ok := a.comp.compileGrants(a.st, before, changes); ok {
		a.judged = &judgedCompile{base: a.st.rev, changes: changes, comp: comp, snap: snap}
		return snap, nil
	}
	comp, snap, err := compileFull(a.st)
	if err == nil {
		a.judged = &judgedCompile{base: a.st.rev, changes: changes, comp: comp, snap: snap}
	}
	return snap, err
}

// judgedCompile is a full compile of a change set on top of revision base.
type judgedCompile struct {
	base    Revision
	changes []Change
	comp    *compiler
	snap    *Snapshot
}

// takeJudged returns the compile of the change set Admin judged, if sets is
// exactly that change set written on top of the same revision; it is used
// once.
func (a *Authorizer) takeJudged(sets []ChangeSet) (*compiler, *Snapshot, bool) {
	j := a.judged
	a.judged = nil
	if j == nil || len(sets) != 1 || sets[0].Revision != j.base+1 || len(sets[0].Changes) != len(j.changes) {
		return nil, nil, false
	}
	for i, c := range sets[0].Changes {
		w := j.changes[i]
		if c.Kind != w.Kind || c.Key != w.Key || !equalEntities(c.After, w.After) {
			return nil, nil, false
		}
	}
	j.snap.rev = sets[0].Revision
	return j.comp, j.snap, true
}

// forbid is the error of a refused administrative change: which rule
// refused it and why, in plain words.
func (ad *Admin) forbid(format string, args ...any) error {
	return &Error{Op: "admin", Kind: EntityUser, ID: string(ad.actor), Msg: fmt.Sprintf(format, args...), Err: ErrForbidden}
}

// actorRights is what the rights check learned about the actor, for the
// judgement.
type actorRights struct {
	rec       *userRec
	can       *profile // what the actor can exercise, over every active-role set it may use
	escalate  bool
	delegated map[UserID][]GroupID // users changed only in memberships of groups the actor manages → those groups
}

// adminScopes are the scopes at which the administration permissions count.
const adminScopes = 1<<ScopeGlobal | 1<<ScopeAll

func (r *actorRights) holds(p Permission) bool { return r.can.canName(p)&adminScopes != 0 }

// actor returns the actor's record and what it can exercise, or
// ErrForbidden if it is not a known, enabled user.
func (ad *Admin) actorIn(s *Snapshot) (*actorRights, error) {
	rec, err := ad.actorRecord(s)
	if err != nil {
		return nil, err
	}
	if rec.user.Disabled {
		return nil, ad.forbid("the actor is disabled")
	}
	can, err := s.roles.exercisable(s.profileNow(rec))
	if err != nil {
		return nil, ad.forbid("cannot judge the actor's own rights: %v", err)
	}
	r := &actorRights{rec: rec, can: can}
	r.escalate = r.holds(PermEscalate)
	return r, nil
}

// rights checks that the actor may make the requested changes at all,
// judged per entity by the net effect of the set (its value before the set
// against its value after it), so that no order of the changes inside
// passes where the same net change would not. Cascades are not judged
// here: they follow from the change that causes them, whose full effect is
// judged. The actor's own rows of elevation el, if not nil, need no rights
// (elevationAllows).
func (ad *Admin) rights(st *state, s *Snapshot, changes []Change, el *Elevation) (*actorRights, error) {
	r, err := ad.actorIn(s)
	if err != nil {
		return nil, err
	}
	changes = netChanges(st, changes)
	need := func(c Change, p Permission, what string) error {
		if r.holds(p) {
			return nil
		}
		return ad.forbid("%s: changing %s needs %s at scope global or all", c, what, p)
	}
	for _, c := range changes {
		var err error
		switch c.Kind {
		case EntityRole:
			err = need(c, PermRolesManage, "roles")
		case EntityPermission:
			err = need(c, PermRolesManage, "the permission catalogue")
		case EntityAccountType:
			err = need(c, PermRolesManage, "account types")
		case EntityConstraint:
			err = need(c, PermRolesManage, "separation-of-duty constraints")
		case EntityApproval:
			err = need(c, PermRolesManage, "approval rules")
		case EntityCampaign:
			err = need(c, PermUsersManage, "recertification campaigns")
		case EntityOwnershipRule:
			err = need(c, PermRolesManage, "ownership rules")
		case EntityResourceKind:
			err = need(c, PermRolesManage, "resource kinds")
		case EntityElevation:
			err = need(c, PermRolesManage, "elevations")
		case EntityGroup:
			err = need(c, PermGroupsManage, "groups")
		case EntityWorkgroup:
			err = need(c, PermUsersManage, "workgroups")
		case EntityOwnership:
			err = ad.mayChangeOwners(st, s, r, c)
		case EntityUser:
			err = ad.mayChangeUser(st, s, r, c, el)
		default:
			err = ad.forbid("%s: unknown kind of change", c)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// mayChangeUser: rbac.users.manage at global or all; at workgroup, users
// whose every workgroup before and after is under the actor's; or a group
// manager changing only memberships of groups it manages; or the actor
// changing only its own timed assignments of elevation el's roles.
func (ad *Admin) mayChangeUser(st *state, s *Snapshot, r *actorRights, c Change, el *Elevation) error {
	var old User
	stored, had := st.users[UserID(c.Key)]
	if had {
		old = *stored
	}
	if ad.elevationAllows(el, r, c, old, had, s.now()) {
		return nil
	}
	var cur User
	if c.After != nil {
		cur = c.After.(User)
	}
	// A group manager confers the group's roles by delegation, whatever
	// else it may do.
	if groups, ok := ad.membershipOnly(st, old, had, c); ok {
		if r.delegated == nil {
			r.delegated = map[UserID][]GroupID{}
		}
		r.delegated[cur.ID] = groups
		return nil
	}
	if r.holds(PermUsersManage) {
		return nil
	}
	byWorkgroup := r.can.canName(PermUsersManage)&scopeBit(ScopeWorkgroup) != 0
	if byWorkgroup && (!had || ad.coversAll(s, r, old.Workgroups)) && (c.After == nil || ad.coversAll(s, r, cur.Workgroups)) {
		return nil
	}
	if byWorkgroup {
		return ad.forbid("%s: rbac.users.manage at workgroup manages only users who have workgroups, each under one of the actor's workgroups, before and after the change", c)
	}
	return ad.forbid("%s: changing users needs %s at scope global or all (a group's manager may only add and remove other users of the group's account type)", c, PermUsersManage)
}

// coversAll reports whether ws is not empty and each workgroup is one of
// the actor's workgroups or under one.
func (ad *Admin) coversAll(s *Snapshot, r *actorRights, ws []WorkgroupID) bool {
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if !s.coversWorkgroup(r.rec, w) {
			return false
		}
	}
	return true
}

// coversWorkgroup reports whether w is one of u's workgroups or under one.
func (s *Snapshot) coversWorkgroup(u *userRec, w WorkgroupID) bool {
	x, ok := s.wgs.idx[w]
	if !ok {
		return false
	}
	for _, uw := range u.wgs {
		if s.wgs.contains(uw, x) {
			return true
		}
	}
	return false
}

// membershipOnly: c changes nothing of an existing user but memberships,
// of groups the actor manages and of the user's account type, and the user
// is not the actor. It returns the groups added.
func (ad *Admin) membershipOnly(st *state, old User, had bool, c Change) ([]GroupID, bool) {
	if !had || c.After == nil || old.ID == ad.actor {
		return nil, false
	}
	cur := c.After.(User)
	if !equalUsersExceptGroups(old, cur) {
		return nil, false
	}
	added, removed := difference(old.Groups, cur.Groups), difference(cur.Groups, old.Groups)
	if len(added)+len(removed) == 0 {
		return nil, false
	}
	for _, g := range append(slices.Clone(added), removed...) {
		group, ok := st.groups[g]
		if !ok || !slices.Contains(group.Managers, ad.actor) {
			return nil, false
		}
		if group.AccountType != "" && group.AccountType != cur.AccountType {
			return nil, false
		}
	}
	return added, true
}

// mayChangeOwners: a new record's owners may be recorded by holders of the
// rule's Create permission (their own org only) or of its bypass (any
// owners); existing owners are changed only by bypass holders.
func (ad *Admin) mayChangeOwners(st *state, s *Snapshot, r *actorRights, c Change) error {
	kind, id, _ := strings.Cut(c.Key, "/")
	rule, ok := st.ownershipRules[kind]
	if !ok {
		return ad.forbid("%s: records of kind %s have no ownership rule, so only %s records their owners", c, quoteShort(kind), System)
	}
	bypass := r.can.canName(rule.Bypass) != 0
	if bypass {
		return nil
	}
	if _, exists := st.ownerships[c.Key]; exists || c.After == nil {
		return ad.forbid("%s: only holders of %s change the owners of a %s", c, rule.Bypass, kind)
	}
	if rule.Create == "" || r.can.canName(rule.Create) == 0 {
		return ad.forbid("%s: recording the owners of a new %s needs %s", c, kind, createPermissionName(rule))
	}
	owners := c.After.(Ownership).Owners
	org := r.rec.user.Org
	if org == "" || len(owners) != 1 || owners[0] != org {
		return ad.forbid("%s: a new %s %s gets its creator's org only (the actor's org is %s; holders of %s choose owners)", c, kind, quoteShort(id), orgName(org), rule.Bypass)
	}
	return nil
}

func createPermissionName(rule OwnershipRule) string {
	if rule.Create == "" {
		return string(rule.Bypass) + " (the rule names no create permission)"
	}
	return string(rule.Create) + " or " + string(rule.Bypass)
}

func orgName(o OrgSlug) string {
	if o == "" {
		return "none"
	}
	return string(o)
}

// difference lists the elements of b not in a, in b's order.
func difference[T comparable](a, b []T) []T {
	var out []T
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// netChanges returns one change per entity that changes touch, in
// first-touch order: its value in st before them and its value after the
// last of them.
func netChanges(st *state, changes []Change) []Change {
	var out []Change
	at := map[entityRef]int{}
	for _, c := range changes {
		ref := entityRef{c.Kind, c.Key}
		i, seen := at[ref]
		if !seen {
			i = len(out)
			at[ref] = i
			out = append(out, Change{Kind: c.Kind, Key: c.Key, Before: CloneEntity(st.get(c.Kind, c.Key))})
		}
		out[i].After = c.After
	}
	return out
}
