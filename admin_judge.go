package rbac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac/internal/compile"
)

// The judgement of a change set by its full effect (see Admin): relaxations,
// every user's gains, what managed groups newly delegate, reach, sensitivity
// and lockout, in that order. It reads only the snapshots before and after
// and the expanded change set, and visits only the users a change set of
// users and ownership touches; anything else is judged over every user,
// once per distinct pair of role sets.

type judgement struct {
	ad        *Admin
	ev        *changeEvaluation
	r         *actorRights
	sensitive map[Permission]string // sensitive before or after → warning
	can       map[*profile]*profile // profile → what it exercises
	lostAdmin [3]bool               // someone lost rbac.roles/groups/users.manage
	sets      map[*roleTable]map[string]*profile
}

var managePermissions = [3]Permission{PermRolesManage, PermGroupsManage, PermUsersManage}

// judge applies the rules of the full effect to a compiled change set.
func (ad *Admin) judge(ev *changeEvaluation, r *actorRights, ownReason string) error {
	j := &judgement{ad: ad, ev: ev, r: r, can: map[*profile]*profile{}}
	j.sensitive = map[Permission]string{}
	for _, s := range []*Snapshot{ev.before, ev.after} {
		for name, d := range s.src.permissions {
			if d.Sensitive != "" {
				j.sensitive[name] = d.Sensitive
			}
		}
	}
	if !r.escalate {
		if err := j.relaxations(); err != nil {
			return err
		}
	}
	sensitiveGain, err := j.userGains()
	if err != nil {
		return err
	}
	if !r.escalate {
		if err := j.definitions(); err != nil {
			return err
		}
		if err := j.delegation(); err != nil {
			return err
		}
		if err := j.reach(); err != nil {
			return err
		}
	}
	if sensitiveGain != nil {
		g := sensitiveGain
		if !r.holds(PermSensitiveGrant) {
			return ad.forbid("the change lets %s newly reach sensitive permission %s (%s): that needs %s at scope global or all",
				g.user, g.perm, j.warning(g.perm.Permission), PermSensitiveGrant)
		}
		if strings.TrimSpace(ownReason) == "" {
			return ad.forbid("the change lets %s newly reach sensitive permission %s: give your own reason for the audit trail", g.user, g.perm)
		}
	}
	return j.lockout()
}

// userGain is one (permission, scope) a user gains.
type userGain struct {
	user UserID
	perm ScopedPermission
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
	if x, ok := j.can[rec.prof]; ok {
		return x, nil
	}
	x, err := s.roles.exercisable(rec.prof)
	if err != nil {
		return nil, j.ad.forbid("the change cannot be judged for user %s: %v, the most whose active-role sets the judgement enumerates; hold fewer of those roles through one user, or make the change as rbac.System (still audited)", quoteShort(id), err)
	}
	j.can[rec.prof] = x
	return x, nil
}

// pairVerdict is the judgement of one change of role sets, shared by every
// user who makes it.
type pairVerdict struct {
	lacking   *ScopedPermission // the first gain the actor cannot exercise
	sensitive *ScopedPermission // the first gain of a sensitive permission
	lostAdmin [3]bool
}

// userGains judges every user's gains: each must be one the actor can
// exercise, unless it holds rbac.escalate or the user is a member added by
// a group the actor manages and the group's roles confer it. It returns the
// first sensitive gain, for the sensitivity rule.
func (j *judgement) userGains() (*userGain, error) {
	ev := j.ev
	type pair struct{ b, a *profile }
	verdicts := map[pair]*pairVerdict{}
	var lacking, sensitive *userGain
	note := func(first **userGain, u UserID, g *ScopedPermission) {
		if g != nil && (*first == nil || u < (*first).user) {
			*first = &userGain{user: u, perm: *g}
		}
	}
	var failure error
	visit := func(id string) bool {
		b, err := j.exercising(ev.before, id)
		if err == nil {
			var a *profile
			a, err = j.exercising(ev.after, id)
			if err == nil && a != b {
				var v *pairVerdict
				if groups, ok := j.r.delegated[UserID(id)]; ok {
					v, err = j.judgeDelegated(b, a, UserID(id), groups)
				} else if v = verdicts[pair{b, a}]; v == nil {
					v = j.judgePair(b, a)
					verdicts[pair{b, a}] = v
				}
				if v != nil {
					note(&lacking, UserID(id), v.lacking)
					note(&sensitive, UserID(id), v.sensitive)
					for i := range j.lostAdmin {
						j.lostAdmin[i] = j.lostAdmin[i] || v.lostAdmin[i]
					}
				}
			}
		}
		if err != nil {
			failure = err
			return false
		}
		return true
	}
	if usersOnly(ev.expanded.Changes) {
		for _, c := range ev.expanded.Changes {
			if c.Kind == EntityUser && !visit(c.Key) {
				break
			}
		}
	} else {
		// A record the new snapshot shares with the old is a user whose
		// role set the change did not touch.
		ev.after.users.Range(func(id string, rec *userRec) bool {
			if old, _ := ev.before.users.Get(id); old == rec {
				return true
			}
			return visit(id)
		})
		if failure == nil && deletesUsers(ev.expanded.Changes) {
			ev.before.users.Range(func(id string, _ *userRec) bool {
				if _, ok := ev.after.users.Get(id); ok {
					return true
				}
				return visit(id)
			})
		}
	}
	if failure != nil {
		return nil, failure
	}
	if lacking != nil {
		return nil, j.ad.forbid("the change gives %s %s, which the actor cannot exercise itself (held, with its prerequisites, at that scope or wider); that needs %s",
			lacking.user, lacking.perm, PermEscalate)
	}
	return sensitive, nil
}

// deletesUsers reports whether a change set deletes a user: only then can
// a user of the old snapshot be missing from the new one.
func deletesUsers(changes []Change) bool {
	for _, c := range changes {
		if c.Kind == EntityUser && c.After == nil {
			return true
		}
	}
	return false
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

func (j *judgement) judgePair(b, a *profile) *pairVerdict {
	v := &pairVerdict{}
	for _, g := range gained(b, a, false) {
		if v.lacking == nil && !j.r.escalate && !j.actorCan(g) {
			v.lacking = &g
		}
		if v.sensitive == nil && j.isSensitive(g.Permission) {
			v.sensitive = &g
		}
	}
	for i, p := range managePermissions {
		v.lostAdmin[i] = b.canName(p)&adminScopes != 0 && a.canName(p)&adminScopes == 0
	}
	return v
}

// judgeDelegated judges a member added or removed by a group manager: what
// the added groups' roles confer is delegated; anything else gained (say,
// a prerequisite the group completes) the actor must exercise itself.
func (j *judgement) judgeDelegated(b, a *profile, u UserID, groups []GroupID) (*pairVerdict, error) {
	s := j.ev.after
	rec, _ := s.users.Get(string(u))
	conferred := compile.NewBits(len(s.roles.roles))
	for _, g := range groups {
		for _, r := range s.src.groups[g].Roles {
			if i, ok := s.roles.idx[r]; ok {
				conferred.Or(s.roles.closure[i])
			}
		}
	}
	conferred.And(rec.prof.roles)
	delegated := s.roles.buildProfile(conferred)
	v := j.judgePair(b, a)
	v.lacking = nil
	for _, g := range gained(b, a, false) {
		if !j.r.escalate && !j.actorCan(g) && !coversScope(delegated.can(g.Permission, true), g.Scope) {
			v.lacking = &g
			break
		}
	}
	return v, nil
}

// actorCan reports whether the actor exercises g now, at its scope or
// wider.
func (j *judgement) actorCan(g ScopedPermission) bool {
	return coversScope(j.r.can.can(g.Permission, false), g.Scope)
}

// relaxations refuses, without rbac.escalate, changes that weaken a rule:
// deleting or loosening a constraint, removing a prerequisite or deleting
// a prerequisite permission, un-marking or deleting a sensitive
// permission, emptying the catalogue, and deleting an ownership rule or
// changing its bypass or create permission.
func (j *judgement) relaxations() error {
	ev := j.ev
	im := imagesOf(ev.expanded.Changes)
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
		case OwnershipRule:
			switch {
			case now == nil:
				why = "deleting the ownership rule opens every organisation's records of kind " + quoteShort(old.Kind)
			case now.(OwnershipRule).Bypass != old.Bypass:
				why = fmt.Sprintf("changing the bypass of kind %s from %s to %s", quoteShort(old.Kind), old.Bypass, now.(OwnershipRule).Bypass)
			case now.(OwnershipRule).Create != old.Create && now.(OwnershipRule).Create != "":
				why = fmt.Sprintf("changing who may create owned records of kind %s to holders of %s", quoteShort(old.Kind), now.(OwnershipRule).Create)
			}
		}
		if why != "" {
			return j.ad.forbid("%s relaxes the rules (%s): that needs %s", Change{Kind: ref.kind, Key: ref.key, After: now}, why, PermEscalate)
		}
	}
	return nil
}

func (j *judgement) loosened(old Constraint, now Entity) string {
	existing := j.ev.after.roles.idx
	var surviving []RoleID
	for _, r := range old.Roles {
		if _, ok := existing[r]; ok {
			surviving = append(surviving, r)
		}
	}
	if len(surviving) <= old.Max {
		return "" // its roles are gone: it constrained nothing any more
	}
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
	for _, r := range surviving {
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
		if len(j.ev.after.src.permissions) == 0 {
			return "deleting the last catalogue entry makes every permission name valid"
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
// confer must be something the actor exercises, even before anyone holds
// it: a definition is a grant waiting to be assigned.
func (j *judgement) definitions() error {
	ev := j.ev
	for _, c := range ev.expanded.Changes {
		if c.Cascade || c.After == nil {
			continue
		}
		var was, now *profile
		switch v := c.After.(type) {
		case Role:
			now = j.roleSetProfile(ev.after, []RoleID{v.ID}, false, "")
			if c.Before != nil {
				was = j.roleSetProfile(ev.before, []RoleID{v.ID}, false, "")
			}
		case Group:
			now = j.roleSetProfile(ev.after, v.Roles, true, v.AccountType)
			if old, ok := c.Before.(Group); ok {
				was = j.roleSetProfile(ev.before, old.Roles, true, old.AccountType)
			}
		case AccountTypeDef:
			now = j.roleSetProfile(ev.after, v.DefaultRoles, true, v.ID)
			if old, ok := c.Before.(AccountTypeDef); ok {
				was = j.roleSetProfile(ev.before, old.DefaultRoles, true, old.ID)
			}
		default:
			continue
		}
		for _, g := range gained(was, now, true) {
			if !j.actorCan(g) {
				return j.ad.forbid("%s makes it confer %s, which the actor cannot exercise itself (held, with its prerequisites, at that scope or wider); that needs %s", c, g, PermEscalate)
			}
		}
	}
	return nil
}

// delegation: a group's managers confer its roles without holding them,
// so appointing a manager, or changing what a managed group confers (its
// roles, their grants, containment, the catalogue), needs the actor to
// exercise everything newly delegated.
func (j *judgement) delegation() error {
	ev := j.ev
	if usersOnly(ev.expanded.Changes) {
		return nil
	}
	confers := func(s *Snapshot, g Group) *profile { return j.roleSetProfile(s, g.Roles, true, g.AccountType) }
	for _, id := range sortedKeys(ev.after.src.groups) {
		g := ev.after.src.groups[id]
		if len(g.Managers) == 0 {
			continue
		}
		var was *profile
		old, existed := ev.before.src.groups[id]
		newManager := !existed || len(difference(old.Managers, g.Managers)) > 0
		if !newManager {
			was = confers(ev.before, old)
		}
		for _, gain := range gained(was, confers(ev.after, g), true) {
			if !j.actorCan(gain) {
				what := "the change makes group " + quoteShort(string(id)) + " confer"
				if newManager {
					what = fmt.Sprintf("appointing %s manager of group %s delegates", joinQuoted(difference(old.Managers, g.Managers)), quoteShort(string(id)))
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

// reach: every org, workgroup and record owner a change lets someone newly
// reach must be within the actor's own reach.
func (j *judgement) reach() error {
	ev, r := j.ev, j.r
	actor := r.rec.user
	im := imagesOf(ev.expanded.Changes)
	for _, ref := range im.refs {
		was, now := im.before[ref], im.after[ref]
		if now == nil {
			continue
		}
		switch v := now.(type) {
		case User:
			if v.Disabled {
				continue
			}
			var old User
			active := false
			if was != nil {
				old = was.(User)
				active = !old.Disabled
			}
			if v.Org != "" && (!active || old.Org != v.Org) && v.Org != actor.Org {
				for _, kind := range j.ruleKinds() {
					if bypass := j.bypassOf(kind); r.can.canName(bypass) == 0 {
						return j.ad.forbid("giving user %s org %s lets it reach the %s records that %s owns, which the actor does not (its org is %s and it lacks %s)",
							quoteShort(string(v.ID)), v.Org, kind, v.Org, orgName(actor.Org), bypass)
					}
				}
			}
			for _, w := range v.Workgroups {
				if active && j.coveredBefore(old, w) {
					continue
				}
				if !j.actorCoversAfter(w) {
					return j.ad.forbid("putting user %s in workgroup %s lets it reach that workgroup's records, which are not under any of the actor's workgroups",
						quoteShort(string(v.ID)), quoteShort(string(w)))
				}
			}
		case Workgroup:
			if v.Parent == "" {
				continue
			}
			if was != nil {
				old := was.(Workgroup)
				if old.Parent == v.Parent || j.ancestorBefore(v.Parent, old.Parent) {
					continue // moved up: whoever covers the new parent covered it already
				}
				if !ev.before.coversWorkgroup(r.rec, v.ID) {
					return j.ad.forbid("moving workgroup %s under %s lets whoever covers %s reach its subtree, which is not under any of the actor's workgroups",
						quoteShort(string(v.ID)), quoteShort(string(v.Parent)), quoteShort(string(v.Parent)))
				}
			} else if !j.actorCoversAfter(v.Parent) {
				return j.ad.forbid("creating workgroup %s under %s lets whoever covers %s reach its records; %s is not under any of the actor's workgroups",
					quoteShort(string(v.ID)), quoteShort(string(v.Parent)), quoteShort(string(v.Parent)), quoteShort(string(v.Parent)))
			}
		case Ownership:
			var had []OrgSlug
			if was != nil {
				had = was.(Ownership).Owners
			}
			for _, o := range difference(had, v.Owners) {
				if o != actor.Org && r.can.canName(j.bypassOf(v.Kind)) == 0 {
					return j.ad.forbid("making %s an owner of %s %s lets it reach the record, which the actor does not", o, v.Kind, quoteShort(v.ID))
				}
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

// coveredBefore reports whether u's workgroups covered w before.
func (j *judgement) coveredBefore(u User, w WorkgroupID) bool {
	s := j.ev.before
	x, ok := s.wgs.idx[w]
	if !ok {
		return false
	}
	for _, uw := range u.Workgroups {
		if i, ok := s.wgs.idx[uw]; ok && s.wgs.contains(i, x) {
			return true
		}
	}
	return false
}

// actorCoversAfter reports whether one of the actor's workgroups (as they
// were before the change) covers w in the forest after it.
func (j *judgement) actorCoversAfter(w WorkgroupID) bool {
	s := j.ev.after
	x, ok := s.wgs.idx[w]
	if !ok {
		return false
	}
	for _, aw := range j.r.rec.user.Workgroups {
		if i, ok := s.wgs.idx[aw]; ok && s.wgs.contains(i, x) {
			return true
		}
	}
	return false
}

// ancestorBefore reports whether anc is x or an ancestor of x before.
func (j *judgement) ancestorBefore(anc, x WorkgroupID) bool {
	s := j.ev.before
	a, ok1 := s.wgs.idx[anc]
	b, ok2 := s.wgs.idx[x]
	return ok1 && ok2 && s.wgs.contains(a, b)
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
// with what it was before the set and what it is after.
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
