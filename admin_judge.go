package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rolegraph/rbac/internal/compile"
)

// The judgement of a change set (see Admin). It reads only the snapshots
// before and after the whole set and the net effect on each entity (its
// value before the set against its value after it), never the order of
// the changes inside, so that no order and no split of a refused set is
// accepted. In that order it refuses relaxations, then every user's gains
// the actor cannot exercise, what definitions and managed groups newly
// confer, new owners of records, sensitive gains without
// rbac.sensitive.grant and a reason, and lockout.
//
// A gain is a (permission, region) pair a user newly exercises: the
// user's own records (scope mine, relative: the actor needs the permission
// at mine or wider), a workgroup subtree (absolute: the actor needs the
// permission at global or all, or at workgroup over a workgroup of its own
// that covered that one before the set), everything (global or all), and,
// where ownership rules exist, the owned records of the user's org (the
// actor's own org, or the bypass of every ruled kind). A user whose org
// changes, or who is new or newly enabled, gains everything it exercises
// over the new org's records. A workgroup id that did not exist before the
// set is a subtree nobody covered: records outside the model may still
// carry the id of a deleted workgroup, so re-creating it (or creating any
// workgroup) under a parent is judged as re-parenting it from outside every
// workgroup, and only holders of the permission at global or all reach it.
// Roles and groups need no such rule: deleting one removes every reference
// to it, so a re-created id confers only through references the same or a
// later change set makes, which are judged.

type judgement struct {
	ad        *Admin
	ev        *changeEvaluation
	r         *actorRights
	net       images                // every entity the set touches: before the set and after it
	sensitive map[Permission]string // sensitive before or after → warning
	can       map[*profile]*profile // profile → what it exercises
	lostAdmin [3]bool               // someone lost rbac.roles/groups/users.manage
	sets      map[*roleTable]map[string]*profile
	// forestMoved: the set changes the workgroup forest, so a user may
	// cover new workgroups without any change of its own.
	forestMoved bool
	// owned: ownership rules exist after the set, so a user's org decides
	// which owned records it reaches.
	owned      bool
	actorAfter *profile // what the actor exercises after the set (for newly catalogued names)
	lacking    *gain    // the first gain the actor cannot exercise
	sensitiveG *gain    // the first gain of a sensitive permission
	relaxed    string   // the first relaxation, in words ("" if none)
	scopeGains map[scopePair][]scopeGain
	// elevated is what the elevation the set invokes gives the actor (the
	// held grants of its roles, for the actor's account type), when the
	// set is only that (see elevationGain); else nil.
	elevated *profile
}

var managePermissions = [3]Permission{PermRolesManage, PermGroupsManage, PermUsersManage}

// judge applies the rules of the full effect to a compiled change set.
// Unless approved (Approve, Propose), a change set that matches an
// approval entry is refused; the entries it matches are left in
// ev.approvals either way.
func (ad *Admin) judge(ev *changeEvaluation, r *actorRights, ownReason string, approved bool) error {
	j := &judgement{ad: ad, ev: ev, r: r, can: map[*profile]*profile{}, net: imagesOf(ev.expanded.Changes), scopeGains: map[scopePair][]scopeGain{}}
	j.sensitive = map[Permission]string{}
	for _, s := range []*Snapshot{ev.before, ev.after} {
		for name, d := range s.src.permissions {
			if d.Sensitive != "" {
				j.sensitive[name] = d.Sensitive
			}
		}
	}
	for _, ref := range j.net.refs {
		j.forestMoved = j.forestMoved || ref.kind == EntityWorkgroup
	}
	j.owned = len(ev.after.rules) > 0
	if after, err := ad.actorIn(ev.after); err == nil {
		j.actorAfter = after.can
	}
	j.elevated = j.elevationGain()
	if err := j.relaxations(); err != nil && !r.escalate {
		return err
	}
	if err := j.userGains(); err != nil {
		return err
	}
	if !r.escalate {
		if err := j.definitions(); err != nil {
			return err
		}
		if err := j.delegation(); err != nil {
			return err
		}
		if err := j.owners(); err != nil {
			return err
		}
	}
	if err := j.elevations(); err != nil {
		return err
	}
	if g := j.sensitiveG; g != nil {
		if !r.holds(PermSensitiveGrant) {
			return ad.forbid("the change lets %s newly reach sensitive permission %s (%s): that needs %s at scope global or all",
				g.user, g, j.warning(g.perm), PermSensitiveGrant)
		}
		if strings.TrimSpace(ownReason) == "" {
			return ad.forbid("the change lets %s newly reach sensitive permission %s: give your own reason for the audit trail", g.user, g)
		}
	}
	if err := j.lockout(); err != nil {
		return err
	}
	return j.fourEyes(approved)
}

// gain is one (permission, region) a user newly exercises.
type gain struct {
	user      UserID
	perm      Permission // a name or a wildcard pattern
	scope     Scope
	workgroup WorkgroupID // the subtree, at scope workgroup
	org       OrgSlug     // the org whose owned records it reaches, if ownership rules exist
}

func (g *gain) String() string {
	s := ScopedPermission{Permission: g.perm, Scope: g.scope}.String()
	if g.scope == ScopeWorkgroup {
		s += " over workgroup " + quoteShort(string(g.workgroup))
	}
	if g.org != "" {
		s += " in the records of org " + string(g.org)
	}
	return s
}

// warning returns the sensitivity warning of a name or of the first
// sensitive name a pattern reaches.
func (j *judgement) warning(p Permission) string {
	if w, ok := j.sensitive[p]; ok {
		return w
	}
	for _, name := range sortedKeys(j.sensitive) {
		if p.Matches(name) {
			return j.sensitive[name]
		}
	}
	return ""
}

func (j *judgement) isSensitive(p Permission) bool {
	if _, ok := j.sensitive[p]; ok {
		return true
	}
	if !p.IsWildcard() {
		return false
	}
	for name := range j.sensitive {
		if p.Matches(name) {
			return true
		}
	}
	return false
}

// exercising returns what the user id exercises in s, or nil if the user
// is unknown or disabled.
func (j *judgement) exercising(s *Snapshot, id string) (*profile, error) {
	rec, ok := s.users.Get(id)
	if !ok || rec == nil || rec.user.Disabled {
		return nil, nil
	}
	// A timed assignment counts as held over its window: what the user
	// holds now or will hold before every window it has ends.
	prof := s.profileAhead(rec)
	if x, ok := j.can[prof]; ok {
		return x, nil
	}
	x, err := s.roles.exercisable(prof)
	if err != nil {
		return nil, j.ad.forbid("the change cannot be judged for user %s: %v, the most whose active-role sets the judgement enumerates; hold fewer of those roles through one user, or make the change as rbac.System (still audited)", quoteShort(id), err)
	}
	j.can[prof] = x
	return x, nil
}

// userGains judges every user the set can change: each gain must be one
// the actor can exercise itself (unless it holds rbac.escalate, or the gain
// comes with a group the actor manages and adds the user to).
func (j *judgement) userGains() error {
	ev := j.ev
	var ids []string
	for _, ref := range j.net.refs {
		if ref.kind == EntityUser {
			ids = append(ids, ref.key)
		}
	}
	if !usersOnly(ev.expanded.Changes) {
		// A record the new snapshot shares with the old is a user whose
		// role set the change did not touch; when the forest moves, any
		// user may cover new workgroups.
		ev.after.users.Range(func(id string, rec *userRec) bool {
			if old, _ := ev.before.users.Get(id); old != rec || j.forestMoved {
				ids = append(ids, id)
			}
			return true
		})
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := j.judgeUser(id); err != nil {
			return err
		}
	}
	if g := j.lacking; g != nil {
		return j.ad.forbid("the change gives %s %s, which the actor cannot exercise itself (held, with its prerequisites, at that scope or wider, over that workgroup or org); that needs %s",
			g.user, g, PermEscalate)
	}
	return nil
}

// usersOnly reports whether a change set touches only users and stored
// ownership: then only the users it changes can gain anything.
func usersOnly(changes []Change) bool {
	for _, c := range changes {
		if c.Kind != EntityUser && c.Kind != EntityOwnership {
			return false
		}
	}
	return true
}

// judgeUser finds what user id gains, and what administration it loses.
func (j *judgement) judgeUser(id string) error {
	ev := j.ev
	b, err := j.exercising(ev.before, id)
	if err != nil {
		return err
	}
	a, err := j.exercising(ev.after, id)
	if err != nil {
		return err
	}
	if b != nil {
		for i, p := range managePermissions {
			if b.canName(p)&adminScopes != 0 && a.canName(p)&adminScopes == 0 {
				j.lostAdmin[i] = true
			}
		}
	}
	if a == nil {
		return nil
	}
	rb, _ := ev.before.users.Get(id)
	ra, _ := ev.after.users.Get(id)
	sameOrg := b != nil && rb.user.Org == ra.user.Org
	sameWorkgroups := b != nil && !j.forestMoved && slices.Equal(rb.user.Workgroups, ra.user.Workgroups)
	assigned := j.assigned(rb, ra)
	if a == b && sameOrg && sameWorkgroups && assigned == nil {
		return nil
	}
	var org OrgSlug
	if j.owned {
		org = ra.user.Org
	}
	orgGained := org != "" && !sameOrg
	was := rb // covered before (nil: nothing)
	if b == nil {
		was = nil
	}
	delegated := j.delegatedProfile(UserID(id), ra)
	var fresh, all []WorkgroupID // newly covered subtrees, every covered one
	for _, sg := range j.scopeGainsOf(b, a, orgGained) {
		g := gain{user: UserID(id), perm: sg.perm, scope: sg.scope, org: org}
		if delegated != nil && coversScope(delegated.can(sg.perm, true), sg.scope) {
			// Conferred by a group the actor manages: delegated.
			j.noteSensitive(&g)
			continue
		}
		if sg.scope != ScopeWorkgroup {
			j.judgeGain(g)
			continue
		}
		if sg.hadWorkgroup && sameWorkgroups {
			continue // the same subtrees as before
		}
		if j.passesEverywhere(sg.perm, org) {
			continue // every subtree would pass: no need to list them
		}
		var regions []WorkgroupID
		switch {
		case sg.hadWorkgroup && !orgGained:
			if fresh == nil {
				fresh = j.covered(ra, was)
			}
			regions = fresh
		default:
			if all == nil {
				all = j.covered(ra, nil)
			}
			regions = all
		}
		for _, w := range regions {
			g.workgroup = w
			j.judgeGain(g)
		}
	}
	// What the actor assigns is judged as given, even where the user held
	// it already through another source: else a permission held through a
	// managed group could be turned, one set at a time, into a direct
	// role, which the same changes in one set are refused.
	if assigned != nil {
		for _, sp := range gained(nil, assigned, true) {
			if !coversScope(a.can(sp.Permission, false), sp.Scope) {
				continue // not effective: nothing exercised
			}
			g := gain{user: UserID(id), perm: sp.Permission, scope: sp.Scope, org: org}
			if sp.Scope != ScopeWorkgroup {
				j.judgeGain(g)
				continue
			}
			if j.passesEverywhere(sp.Permission, org) {
				continue
			}
			if all == nil {
				all = j.covered(ra, nil)
			}
			for _, w := range all {
				g.workgroup = w
				j.judgeGain(g)
			}
		}
	}
	return nil
}

// assigned returns what the sources the set adds to a user confer: direct
// roles, groups (but those a manager adds by delegation) and, for a new
// user or a new account type, the type's default roles; nil if none.
func (j *judgement) assigned(rb, ra *userRec) *profile {
	if _, changed := j.net.after[entityRef{EntityUser, string(ra.user.ID)}]; !changed {
		return nil
	}
	var was User
	if rb != nil {
		was = *rb.user
	}
	now := *ra.user
	roles := difference(was.Roles, now.Roles)
	delegated := j.r.delegated[now.ID]
	for _, g := range difference(was.Groups, now.Groups) {
		if grp, ok := j.ev.after.src.groups[g]; ok && !slices.Contains(delegated, g) {
			roles = append(roles, grp.Roles...)
		}
	}
	// A timed assignment is a direct assignment for its window: a new one,
	// or one whose window now starts earlier or ends later, is given.
	for _, t := range now.Temporary {
		if slices.ContainsFunc(was.Temporary, t.within) {
			continue
		}
		if t.Role != "" {
			roles = append(roles, t.Role)
		} else if grp, ok := j.ev.after.src.groups[t.Group]; ok {
			roles = append(roles, grp.Roles...)
		}
	}
	if rb == nil || was.AccountType != now.AccountType {
		if at, ok := j.ev.after.src.accountTypes[now.AccountType]; ok {
			roles = append(roles, at.DefaultRoles...)
		}
	}
	if len(roles) == 0 {
		return nil
	}
	return j.roleSetProfile(j.ev.after, roles, true, now.AccountType)
}

// scopePair keys the scope-level gains of a change of profiles.
type scopePair struct {
	b, a      *profile
	orgGained bool
}

// scopeGain is a (permission, scope) a profile exercises after and not
// before; at scope workgroup, one held not at global or all before, whose
// regions the user's workgroups decide.
type scopeGain struct {
	perm         Permission
	scope        Scope
	hadWorkgroup bool
}

// scopeGainsOf lists what a exercises that b does not, computed once per
// pair of profiles; with orgGained, everything a exercises (it now reaches
// another org's records).
func (j *judgement) scopeGainsOf(b, a *profile, orgGained bool) []scopeGain {
	key := scopePair{b, a, orgGained}
	if out, ok := j.scopeGains[key]; ok {
		return out
	}
	if orgGained {
		b = nil
	}
	out := []scopeGain{}
	add := func(perm Permission, mask uint8) {
		had := j.exercisedBefore(b, perm)
		for s := ScopeMine; s <= ScopeAll; s++ {
			switch {
			case mask&scopeBit(s) == 0:
			case s == ScopeWorkgroup:
				if !coversScope(had, ScopeGlobal) {
					out = append(out, scopeGain{perm: perm, scope: s, hadWorkgroup: had&scopeBit(s) != 0})
				}
			case !coversScope(had, s):
				out = append(out, scopeGain{perm: perm, scope: s})
			}
		}
	}
	for name, e := range a.perms {
		add(name, e.eff)
	}
	for prefix, m := range a.wild {
		add(Permission(prefix+"*"), m)
	}
	slices.SortFunc(out, func(x, y scopeGain) int {
		if c := strings.Compare(string(x.perm), string(y.perm)); c != 0 {
			return c
		}
		return int(x.scope) - int(y.scope)
	})
	j.scopeGains[key] = out
	return out
}

// exercisedBefore returns the scopes at which b exercised perm before the
// set. A name the catalogue did not know was exercised by nobody, however
// wide a wildcard: cataloguing it confers it on every holder of one.
func (j *judgement) exercisedBefore(b *profile, perm Permission) uint8 {
	if b == nil || !perm.IsWildcard() && j.ev.before.roles.uncatalogued(perm) {
		return 0
	}
	return b.can(perm, false)
}

// newlyCatalogued reports whether the set makes perm a valid name.
func (j *judgement) newlyCatalogued(perm Permission) bool {
	return !perm.IsWildcard() && j.ev.before.roles.uncatalogued(perm) && !j.ev.after.roles.uncatalogued(perm)
}

// covered lists the workgroups the user of ra covers after the set (its
// workgroups and their subtrees) that the user of rb did not cover before
// (rb nil: every one).
func (j *judgement) covered(ra, rb *userRec) []WorkgroupID {
	wt := j.ev.after.wgs
	out := []WorkgroupID{}
	for _, w := range ra.wgs {
		if wt.pre[w] < 0 {
			continue
		}
		from := sort.Search(len(wt.byPre), func(i int) bool { return wt.pre[wt.byPre[i]] >= wt.pre[w] })
		to := sort.Search(len(wt.byPre), func(i int) bool { return wt.pre[wt.byPre[i]] >= wt.post[w] })
		for i := from; i < to; i++ {
			x := wt.ids[wt.byPre[i]]
			if !slices.Contains(out, x) && (rb == nil || !j.ev.before.coversWorkgroup(rb, x)) {
				out = append(out, x)
			}
		}
	}
	slices.Sort(out)
	return out
}

// judgeGain notes g if it is sensitive, and if the actor cannot exercise it
// and it is not the gain of the elevation the set invokes.
func (j *judgement) judgeGain(g gain) {
	if j.elevationGives(&g) {
		return // judged, sensitivity included, when what it gives was declared
	}
	j.noteSensitive(&g)
	if j.lacking == nil && !j.r.escalate && !j.actorReaches(&g) {
		j.lacking = &g
	}
}

// elevationGain returns what the elevation of the set gives the actor, if
// the set's net effect is only the actor adding its own timed assignments
// of the elevation's roles, holding its Invoke (elevationRows): the gain
// its declaration was judged for. Else nil: the set is judged as any.
func (j *judgement) elevationGain() *profile {
	el := j.ev.elevation
	if el == nil || len(j.net.refs) != 1 || j.net.refs[0].kind != EntityUser {
		return nil
	}
	ref := j.net.refs[0]
	old, had := j.net.before[ref].(User)
	cur, ok := j.net.after[ref].(User)
	if !ok {
		return nil
	}
	c := Change{Kind: ref.kind, Key: ref.key, After: cur}
	if !j.ad.elevationAllows(el, j.r, c, old, had, j.ev.before.now()) {
		return nil
	}
	if adds, _ := elevationRows(el, old, cur, j.ev.before.now()); !adds {
		return nil // EndElevation takes away: judged as any loss
	}
	return j.roleSetProfile(j.ev.after, el.Roles, true, cur.AccountType)
}

// elevationGives reports whether g is the actor's and within what the
// elevation the set invokes gives (its roles' held grants, at g's scope or
// wider).
func (j *judgement) elevationGives(g *gain) bool {
	return j.elevated != nil && g.user == j.ad.actor && coversScope(j.elevated.can(g.perm, true), g.scope)
}

func (j *judgement) noteSensitive(g *gain) {
	if j.sensitiveG == nil && j.isSensitive(g.perm) {
		c := *g
		j.sensitiveG = &c
	}
}

// actorReaches reports whether the actor exercises g's permission over g's
// region now: at g's scope or wider; over a workgroup, at global or all,
// or at workgroup from a workgroup of its own that covered it before the
// set; in an org's owned records, its own org or every bypass.
func (j *judgement) actorReaches(g *gain) bool {
	m := j.r.can.can(g.perm, false)
	if j.newlyCatalogued(g.perm) {
		// Held now only through a wildcard: the actor must also
		// exercise it under the new entry's prerequisites.
		m &= j.actorAfter.can(g.perm, false)
	}
	ok := coversScope(m, g.scope)
	if g.scope == ScopeWorkgroup {
		ok = coversScope(m, ScopeGlobal) || m&scopeBit(ScopeWorkgroup) != 0 && j.ev.before.coversWorkgroup(j.r.rec, g.workgroup)
	}
	return ok && (g.org == "" || j.actorReachesOrg(g.org))
}

// passesEverywhere reports whether a gain of perm over any workgroup
// would pass and need no note: the actor holds rbac.escalate or exercises
// perm at global or all (in org's owned records too), and perm is not
// sensitive or a sensitive gain is noted already.
func (j *judgement) passesEverywhere(perm Permission, org OrgSlug) bool {
	if j.sensitiveG == nil && j.isSensitive(perm) {
		return false
	}
	return j.r.escalate || j.actorReaches(&gain{perm: perm, scope: ScopeGlobal, org: org})
}

// actorReachesOrg: the org's owned records are the actor's own org's, or
// the actor exercises the bypass of every ruled kind.
func (j *judgement) actorReachesOrg(o OrgSlug) bool {
	if o == j.r.rec.user.Org {
		return true
	}
	for _, kind := range j.ruleKinds() {
		if j.r.can.canName(j.bypassOf(kind)) == 0 {
			return false
		}
	}
	return true
}

// delegatedProfile returns, for a user whose only change is memberships of
// groups the actor manages, what those groups confer on it; else nil.
func (j *judgement) delegatedProfile(u UserID, rec *userRec) *profile {
	groups, ok := j.r.delegated[u]
	if !ok {
		return nil
	}
	s := j.ev.after
	conferred := compile.NewBits(len(s.roles.roles))
	for _, g := range groups {
		for _, r := range s.src.groups[g].Roles {
			if i, ok := s.roles.idx[r]; ok {
				conferred.Or(s.roles.closure[i])
			}
		}
	}
	conferred.And(rec.prof.roles)
	return s.roles.buildProfile(conferred)
}

// actorCan reports whether the actor exercises g now, at its scope or
// wider.
func (j *judgement) actorCan(g ScopedPermission) bool {
	return coversScope(j.r.can.can(g.Permission, false), g.Scope)
}

// relaxations finds (into j.relaxed, for the approvals) and refuses,
// without rbac.escalate, changes that weaken a rule: deleting or loosening
// an approval entry or a constraint, removing a prerequisite or deleting
// a prerequisite permission, un-marking or deleting a sensitive
// permission, switching strictness off (emptying the catalogue, deleting
// the last declared kind), and deleting an ownership rule or changing its
// bypass or create permission.
func (j *judgement) relaxations() error {
	ev := j.ev
	im := j.net
	for _, ref := range requestedFirst(ev.expanded.Changes, im.refs) {
		was, now := im.before[ref], im.after[ref]
		if was == nil {
			continue
		}
		why := ""
		switch old := was.(type) {
		case Constraint:
			why = j.loosened(old, now)
		case PermissionDef:
			why = j.relaxedPermission(old, now)
		case Approval:
			why = loosenedApproval(old, now)
		case OwnershipRule:
			switch {
			case now == nil:
				why = "deleting the ownership rule opens every organisation's records of kind " + quoteShort(old.Kind)
			case now.(OwnershipRule).Bypass != old.Bypass:
				why = fmt.Sprintf("changing the bypass of kind %s from %s to %s", quoteShort(old.Kind), old.Bypass, now.(OwnershipRule).Bypass)
			case now.(OwnershipRule).Create != old.Create && now.(OwnershipRule).Create != "":
				why = fmt.Sprintf("changing who may create owned records of kind %s to holders of %s", quoteShort(old.Kind), now.(OwnershipRule).Create)
			}
		case Kind:
			if len(ev.before.src.kinds) > 0 && len(ev.after.src.kinds) == 0 {
				why = "deleting the last declared kind makes every resource kind valid"
			}
		}
		if why == "" {
			if _, ok := was.(PermissionDef); ok && len(ev.before.src.permissions) > 0 && len(ev.after.src.permissions) == 0 {
				why = "emptying the catalogue makes every permission name valid"
			}
		}
		if why != "" {
			j.relaxed = fmt.Sprintf("%s relaxes the rules (%s)", Change{Kind: ref.kind, Key: ref.key, After: now}, why)
			return j.ad.forbid("%s: that needs %s", j.relaxed, PermEscalate)
		}
	}
	return nil
}

// loosened says how a constraint was loosened, or "". A role taken out of
// it counts even when the role is deleted: the id may be re-created, and a
// constraint without it no longer binds it.
func (j *judgement) loosened(old Constraint, now Entity) string {
	if now == nil {
		return "deleting a separation-of-duty constraint"
	}
	c := now.(Constraint)
	switch {
	case c.Max > old.Max:
		return fmt.Sprintf("raising its max from %d to %d", old.Max, c.Max)
	case !old.Dynamic && c.Dynamic:
		return "making a static constraint dynamic"
	}
	for _, r := range old.Roles {
		if !slices.Contains(c.Roles, r) {
			return fmt.Sprintf("taking role %q out of it", r)
		}
	}
	return ""
}

func (j *judgement) relaxedPermission(old PermissionDef, now Entity) string {
	if now == nil {
		if old.Sensitive != "" {
			return "deleting a sensitive permission"
		}
		for _, name := range sortedKeys(j.ev.before.src.permissions) {
			if slices.Contains(j.ev.before.src.permissions[name].Requires, old.Name) {
				return fmt.Sprintf("deleting %s, a prerequisite of %s", old.Name, name)
			}
		}
		return ""
	}
	d := now.(PermissionDef)
	if old.Sensitive != "" && d.Sensitive == "" {
		return "un-marking a sensitive permission"
	}
	for _, q := range old.Requires {
		if !slices.Contains(d.Requires, q) {
			return fmt.Sprintf("removing prerequisite %s", q)
		}
	}
	return ""
}

// roleSetProfile returns the profile of the closure of roles, filtered by
// account type t (nil: unfiltered), compiling each distinct set once.
func (j *judgement) roleSetProfile(s *Snapshot, roles []RoleID, filter bool, t AccountType) *profile {
	set := compile.NewBits(len(s.roles.roles))
	for _, r := range roles {
		if i, ok := s.roles.idx[r]; ok {
			set.Or(s.roles.closure[i])
		}
	}
	if filter {
		if allowed, ok := s.roles.allowed[t]; ok {
			set.And(allowed)
		} else {
			set.And(s.roles.allowed[""])
		}
	}
	if j.sets == nil {
		j.sets = map[*roleTable]map[string]*profile{}
	}
	m := j.sets[s.roles]
	if m == nil {
		m = map[string]*profile{}
		j.sets[s.roles] = m
	}
	p, ok := m[set.Key()]
	if !ok {
		p = s.roles.buildProfile(set)
		m[set.Key()] = p
	}
	return p
}

// definitions: what a role, a group or an account type's defaults newly
// confer (its value after the set against its value before it) must be
// something the actor exercises, even before anyone holds it: a
// definition is a grant waiting to be assigned.
func (j *judgement) definitions() error {
	ev := j.ev
	for _, ref := range j.net.refs {
		before, after := j.net.before[ref], j.net.after[ref]
		if after == nil {
			continue
		}
		var was, now *profile
		switch v := after.(type) {
		case Role:
			now = j.roleSetProfile(ev.after, []RoleID{v.ID}, false, "")
			if before != nil {
				was = j.roleSetProfile(ev.before, []RoleID{v.ID}, false, "")
			}
		case Group:
			now = j.roleSetProfile(ev.after, v.Roles, true, v.AccountType)
			if old, ok := before.(Group); ok {
				was = j.roleSetProfile(ev.before, old.Roles, true, old.AccountType)
			}
		case AccountTypeDef:
			now = j.roleSetProfile(ev.after, v.DefaultRoles, true, v.ID)
			if old, ok := before.(AccountTypeDef); ok {
				was = j.roleSetProfile(ev.before, old.DefaultRoles, true, old.ID)
			}
		default:
			continue
		}
		for _, g := range gained(was, now, true) {
			if !j.actorCan(g) {
				return j.ad.forbid("%s makes it confer %s, which the actor cannot exercise itself (held, with its prerequisites, at that scope or wider); that needs %s", Change{Kind: ref.kind, Key: ref.key, After: after}, g, PermEscalate)
			}
		}
	}
	return nil
}

// elevations judges what each declared elevation gives, before the set
// against after it, as the gain of whoever will invoke it: declaring an
// elevation, adding a role to it, or giving one of its roles a grant is
// conferring that grant (without rbac.escalate the actor must exercise it,
// at that scope or wider) and, for a sensitive permission, a sensitive
// gain. Invoking it later (Admin.Elevate) then gains only what was judged
// here, so the invocation is not asked again.
func (j *judgement) elevations() error {
	ev := j.ev
	if usersOnly(ev.expanded.Changes) {
		return nil // users and owners change nothing an elevation gives
	}
	for _, id := range sortedKeys(ev.after.src.elevations) {
		el := ev.after.src.elevations[id]
		now := j.roleSetProfile(ev.after, el.Roles, false, "")
		var was *profile
		if old, ok := ev.before.src.elevations[id]; ok {
			was = j.roleSetProfile(ev.before, old.Roles, false, "")
		}
		for _, g := range gained(was, now, true) {
			j.noteSensitive(&gain{user: UserID("whoever invokes elevation " + quoteShort(id)), perm: g.Permission, scope: g.Scope})
			if !j.r.escalate && !j.actorCan(g) {
				return j.ad.forbid("%s gives %s, which the actor cannot exercise itself (held, with its prerequisites, at that scope or wider); that needs %s", Change{Kind: EntityElevation, Key: id, After: el}, g, PermEscalate)
			}
		}
	}
	return nil
}

// delegation: a group's enabled managers confer its roles without holding
// them, so appointing a manager — listing him, or enabling (or creating)
// a listed one — or changing what a managed group confers (its roles,
// their grants, containment, the catalogue) needs the actor to exercise
// everything newly delegated.
func (j *judgement) delegation() error {
	ev := j.ev
	var touched map[UserID]bool // for a set of users only: the users it changes
	if usersOnly(ev.expanded.Changes) {
		touched = map[UserID]bool{}
		for _, ref := range j.net.refs {
			touched[UserID(ref.key)] = ref.kind == EntityUser
		}
	}
	managing := func(s *Snapshot, g Group) []UserID {
		var out []UserID
		for _, m := range g.Managers {
			if rec, ok := s.users.Get(string(m)); ok && rec != nil && !rec.user.Disabled {
				out = append(out, m)
			}
		}
		return out
	}
	confers := func(s *Snapshot, g Group) *profile { return j.roleSetProfile(s, g.Roles, true, g.AccountType) }
	var managed []GroupID
	for id, g := range ev.after.src.groups {
		if len(g.Managers) > 0 && (touched == nil || slices.ContainsFunc(g.Managers, func(m UserID) bool { return touched[m] })) {
			managed = append(managed, id)
		}
	}
	slices.Sort(managed)
	for _, id := range managed {
		g := ev.after.src.groups[id]
		now := managing(ev.after, g)
		if len(now) == 0 {
			continue
		}
		old, existed := ev.before.src.groups[id]
		var was []UserID
		if existed {
			was = managing(ev.before, old)
		}
		appointed := difference(was, now)
		var before *profile
		if len(appointed) == 0 {
			before = confers(ev.before, old)
		}
		for _, gain := range gained(before, confers(ev.after, g), true) {
			if !j.actorCan(gain) {
				what := "the change makes group " + quoteShort(string(id)) + " confer"
				if len(appointed) > 0 {
					what = fmt.Sprintf("appointing %s manager of group %s (listing or enabling him) delegates", joinQuoted(appointed), quoteShort(string(id)))
				}
				return j.ad.forbid("%s %s, which the actor cannot exercise itself; that needs %s", what, gain, PermEscalate)
			}
		}
	}
	return nil
}

func joinQuoted[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = quoteShort(string(id))
	}
	return strings.Join(parts, ", ")
}

// owners: an org newly made an owner of a record lets its users reach the
// record: it must be the actor's org, or the actor must hold the kind's
// bypass.
func (j *judgement) owners() error {
	actor := j.r.rec.user
	for _, ref := range j.net.refs {
		v, ok := j.net.after[ref].(Ownership)
		if !ok {
			continue
		}
		var had []OrgSlug
		if was, ok := j.net.before[ref].(Ownership); ok {
			had = was.Owners
		}
		for _, o := range difference(had, v.Owners) {
			if o != actor.Org && j.r.can.canName(j.bypassOf(v.Kind)) == 0 {
				return j.ad.forbid("making %s an owner of %s %s lets it reach the record, which the actor does not", o, v.Kind, quoteShort(v.ID))
			}
		}
	}
	return nil
}

// ruleKinds lists the kinds with an ownership rule before or after.
func (j *judgement) ruleKinds() []string {
	var out []string
	for _, s := range []*Snapshot{j.ev.before, j.ev.after} {
		for kind := range s.rules {
			if !slices.Contains(out, kind) {
				out = append(out, kind)
			}
		}
	}
	slices.Sort(out)
	return out
}

// bypassOf returns the bypass of kind's rule now, else before.
func (j *judgement) bypassOf(kind string) Permission {
	if r, ok := j.ev.after.rules[kind]; ok {
		return r.bypass
	}
	if r, ok := j.ev.before.rules[kind]; ok {
		return r.bypass
	}
	return ""
}

// lockout: after the change some enabled user can still manage roles,
// groups and users (each at scope global or all).
func (j *judgement) lockout() error {
	if j.ad.principal != nil {
		return j.lockoutByConferral()
	}
	s := j.ev.after
	for i, p := range managePermissions {
		if !j.lostAdmin[i] {
			continue
		}
		found := false
		seen := map[*profile]bool{}
		s.users.Range(func(id string, rec *userRec) bool {
			if rec == nil || rec.user.Disabled || seen[rec.prof] {
				return true
			}
			seen[rec.prof] = true
			x, err := j.exercising(s, id)
			found = err == nil && x.canName(p)&adminScopes != 0
			return !found
		})
		if !found {
			return j.ad.forbid("after the change no enabled user could exercise %s at scope global or all (lockout)", p)
		}
	}
	return nil
}

// images are the entities a change set touches, in first-touch order, each
// with what it was before the whole set and what it is after it: the net
// effect, whatever the order of the changes inside.
type images struct {
	refs          []entityRef
	before, after map[entityRef]Entity
}

func imagesOf(changes []Change) images {
	im := images{before: map[entityRef]Entity{}, after: map[entityRef]Entity{}}
	for _, c := range changes {
		ref := entityRef{c.Kind, c.Key}
		if _, seen := im.after[ref]; !seen {
			im.refs = append(im.refs, ref)
			im.before[ref] = c.Before
		}
		im.after[ref] = c.After
	}
	return im
}

// requestedFirst orders refs so that the entities the caller asked to
// change come before those changed only by cascades: a refusal then names
// the change the caller made.
func requestedFirst(changes []Change, refs []entityRef) []entityRef {
	requested := map[entityRef]bool{}
	for _, c := range changes {
		if !c.Cascade {
			requested[entityRef{c.Kind, c.Key}] = true
		}
	}
	out := make([]entityRef, 0, len(refs))
	for _, pass := range []bool{true, false} {
		for _, ref := range refs {
			if requested[ref] == pass {
				out = append(out, ref)
			}
		}
	}
	return out
}
