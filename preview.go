package rbac

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/rolegraph/rbac/internal/compile"
)

// UserImpact is what a change would give a user and take away.
type UserImpact struct {
	User   UserID
	Gained []ScopedPermission
	Lost   []ScopedPermission
}

// Preview returns, for every user whose permissions would change, the
// (permission, scope) pairs gained and lost, each permission at its widest
// scope, without writing anything. A user whose full role set breaks a
// dynamic separation-of-duty constraint counts with what every active-role
// set it may use gives, as in the judgement of Admin.Apply. The actor needs the rights to make the changes (checked
// first, before anything about the model is revealed); the escalation and
// sensitivity rules are not applied, so that an administrator can see what
// a refused change would have done.
func (ad *Admin) Preview(ctx context.Context, changes ...Change) ([]UserImpact, error) {
	if err := checkAdminInput("preview", "", changes); err != nil {
		return nil, err
	}
	var rules evaluationRules
	if ad.actor != System {
		rules.rights = func(st *state, before *Snapshot, changes []Change) error {
			_, err := ad.rights(st, before, changes, nil)
			return err
		}
	}
	ev, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Changes: changes}, rules)
	if err != nil {
		return nil, err
	}
	return preview(ev.before, ev.after, ev.expanded.Changes), nil
}

// preview compares every user's permissions before and after changes:
// only the changed users when the changes touch only users and ownership.
// Nil changes (two unrelated policies) compare every user.
func preview(before, after *Snapshot, changes []Change) []UserImpact {
	type pair struct{ b, a *profile }
	diffs := map[pair][2][]ScopedPermission{}
	var out []UserImpact
	seen := map[string]bool{}
	can := map[*profile]*profile{}
	exercising := func(s *Snapshot, rec *userRec) *profile {
		if rec == nil {
			return nil
		}
		if p, ok := can[rec.prof]; ok && !rec.user.Disabled {
			return p
		}
		p := s.exercising(rec)
		if p != nil {
			can[rec.prof] = p
		}
		return p
	}
	visit := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		b, _ := before.users.Get(id)
		a, _ := after.users.Get(id)
		bp, ap := exercising(before, b), exercising(after, a)
		if bp == ap {
			return
		}
		d, ok := diffs[pair{bp, ap}]
		if !ok {
			var was, now []ScopedPermission
			if bp != nil {
				was = bp.permissions()
			}
			if ap != nil {
				now = ap.permissions()
			}
			d = [2][]ScopedPermission{difference(was, now), difference(now, was)}
			diffs[pair{bp, ap}] = d
		}
		if len(d[0]) > 0 || len(d[1]) > 0 {
			out = append(out, UserImpact{User: UserID(id), Gained: d[0], Lost: d[1]})
		}
	}
	if changes != nil && usersOnly(changes) {
		for _, c := range changes {
			if c.Kind == EntityUser {
				visit(c.Key)
			}
		}
	} else {
		before.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
		after.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	}
	slices.SortFunc(out, func(x, y UserImpact) int { return cmp.Compare(x.User, y.User) })
	return out
}

// PolicyDiff is what replacing one policy with another does to its users:
// what a pull request that edits a policy file changes.
type PolicyDiff struct {
	// Impacts are the (permission, scope) pairs each user gains and loses,
	// computed exactly as Admin.Preview computes them.
	Impacts []UserImpact
	// Roles are the authorized roles each user gains and loses (direct,
	// through groups, account-type defaults and containment).
	Roles []RoleImpact
	// Conferrers are the (permission, scope) pairs each role, group and
	// account type confers, gained and lost: what a change does to the
	// model whether or not any stored user holds it (users from tokens are
	// not stored). Roles first, then groups, then account types, each by
	// id.
	Conferrers []ConferrerImpact
	// Sensitive lists every gain, by a user, a role, a group or an
	// account type, that reaches a permission that is sensitive before or
	// after the change: users first, then Conferrers' order.
	Sensitive []SensitiveGain
}

// Conferrer is a role, a group or an account type (through its default
// roles): what gives users permissions besides their own. Exactly one
// field is set.
type Conferrer struct {
	Role        RoleID
	Group       GroupID
	AccountType AccountType
}

// String returns "role ID", "group ID" or "account type ID".
func (c Conferrer) String() string {
	switch {
	case c.Role != "":
		return "role " + string(c.Role)
	case c.Group != "":
		return "group " + string(c.Group)
	case c.AccountType != "":
		return "account type " + string(c.AccountType)
	}
	return ""
}

// ConferrerImpact is what a change makes a role, a group or an account
// type confer, gained and lost: the (permission, scope) pairs its holders
// (the role's holders, the group's members, the users of the type) get
// from it, through containment, wildcards and the catalogue included.
// Prerequisites are not applied: whether they are met depends on the
// holder's other roles.
type ConferrerImpact struct {
	Conferrer Conferrer
	Gained    []ScopedPermission
	Lost      []ScopedPermission
}

// RoleImpact is the authorized roles a change gives a user and takes away.
type RoleImpact struct {
	User   UserID
	Gained []RoleID
	Lost   []RoleID
}

// SensitiveGain is a user, or a role, group or account type, newly
// reaching a sensitive permission.
type SensitiveGain struct {
	User       UserID           // the user who gains; "" when Conferrer is set
	Conferrer  Conferrer        // the role, group or account type that gains, when User is ""
	Gained     ScopedPermission // the gain (a name or a wildcard pattern)
	Permission PermissionDef    // the sensitive catalogue entry it reaches
}

// Holder names who gains: the user, or the conferrer.
func (g SensitiveGain) Holder() string {
	if g.User != "" {
		return "user " + string(g.User)
	}
	return g.Conferrer.String()
}

// DiffPolicies compiles two valid policies and compares them with the
// computation of Admin.Preview. Either policy may be empty (nil).
func DiffPolicies(before, after *Policy) (*PolicyDiff, error) {
	var snaps [2]*Snapshot
	for i, p := range []*Policy{before, after} {
		if p == nil {
			p = &Policy{}
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		_, s, err := compileFull(stateOf(p, 0))
		if err != nil {
			return nil, err
		}
		snaps[i] = s
	}
	b, a := snaps[0], snaps[1]
	d := &PolicyDiff{Impacts: preview(b, a, nil), Conferrers: conferrerImpacts(b, a)}
	sensitive := func(g SensitiveGain, gained []ScopedPermission) {
		for _, sp := range gained {
			def, ok := sensitiveReached(a, sp.Permission)
			if !ok {
				def, ok = sensitiveReached(b, sp.Permission)
			}
			if ok {
				g.Gained, g.Permission = sp, def
				d.Sensitive = append(d.Sensitive, g)
			}
		}
	}
	for _, ui := range d.Impacts {
		sensitive(SensitiveGain{User: ui.User}, ui.Gained)
	}
	for _, ci := range d.Conferrers {
		sensitive(SensitiveGain{Conferrer: ci.Conferrer}, ci.Gained)
	}
	seen := map[string]bool{}
	visit := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		was, now := b.authorizedRoles(id), a.authorizedRoles(id)
		gained, lost := addedRoles(was, now), addedRoles(now, was)
		if len(gained) > 0 || len(lost) > 0 {
			d.Roles = append(d.Roles, RoleImpact{User: UserID(id), Gained: gained, Lost: lost})
		}
	}
	b.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	a.users.Range(func(id string, _ *userRec) bool { visit(id); return true })
	slices.SortFunc(d.Roles, func(x, y RoleImpact) int { return cmp.Compare(x.User, y.User) })
	return d, nil
}

// authorizedRoles lists the roles an enabled user is authorized for,
// sorted; nil for a disabled or unknown user.
func (s *Snapshot) authorizedRoles(id string) []RoleID {
	rec, ok := s.users.Get(id)
	if !ok || rec == nil || rec.user.Disabled {
		return nil
	}
	var out []RoleID
	rec.prof.roles.Each(func(i int) { out = append(out, s.roles.roles[i].ID) })
	slices.Sort(out)
	return out
}

func addedRoles(was, now []RoleID) []RoleID {
	var out []RoleID
	for _, r := range now {
		if _, found := slices.BinarySearch(was, r); !found {
			out = append(out, r)
		}
	}
	return out
}

// sensitiveReached reports whether p (a name or a pattern) reaches a
// sensitive permission of s's catalogue, and the first such, by name.
func sensitiveReached(s *Snapshot, p Permission) (PermissionDef, bool) {
	for _, name := range sortedKeys(s.src.permissions) {
		if d := s.src.permissions[name]; d.Sensitive != "" && p.Matches(name) {
			return d, true
		}
	}
	return PermissionDef{}, false
}

// conferrerImpacts compares what every role, group and account type
// confers in before and in after (one absent from a side confers
// nothing there).
//
// Listing what each conferrer confers and comparing the lists costs the
// sum of their sizes: on a 1,000-role containment chain, where each role
// holds every grant below it, that took seconds, and a 10,000-deep one
// would not finish. So, when the catalogues are the same, a conferrer is
// compared only if its role set holds a role whose grants, containment
// or account types differ, and only on the pairs such roles (and roles
// entering or leaving its set) can change.
func conferrerImpacts(before, after *Snapshot) []ConferrerImpact {
	cd := newConferrerDiff(before, after)
	bt, at := before.roles, after.roles
	for i, r := range bt.roles {
		if j, ok := at.idx[r.ID]; ok {
			cd.compare(Conferrer{Role: r.ID}, bt.closure[i], at.closure[j], bt.single[i], at.single[j], false)
		} else {
			cd.compare(Conferrer{Role: r.ID}, bt.closure[i], nil, bt.single[i], nil, true)
		}
	}
	for j, r := range at.roles {
		if _, ok := bt.idx[r.ID]; !ok {
			cd.compare(Conferrer{Role: r.ID}, nil, at.closure[j], nil, at.single[j], true)
		}
	}
	compareBundles := func(c func(id string) Conferrer, was, now map[string]roleBundle) {
		for _, id := range sortedKeys(mergeKeys(was, now)) {
			b, okB := was[id]
			a, okA := now[id]
			var setB, setA compile.Bits
			if okB {
				setB = bt.closureOf(b.roles, b.accountType)
			}
			if okA {
				setA = at.closureOf(a.roles, a.accountType)
			}
			whole := !okB || !okA || b.accountType != a.accountType || !slices.Equal(b.roles, a.roles)
			cd.compare(c(id), setB, setA, nil, nil, whole)
		}
	}
	compareBundles(func(id string) Conferrer { return Conferrer{Group: GroupID(id)} }, before.groupBundles(), after.groupBundles())
	compareBundles(func(id string) Conferrer { return Conferrer{AccountType: AccountType(id)} }, before.typeBundles(), after.typeBundles())
	slices.SortFunc(cd.out, func(x, y ConferrerImpact) int { return compareConferrers(x.Conferrer, y.Conferrer) })
	return cd.out
}

// roleBundle is what a group or an account type confers through: its
// roles, for holders of an account type.
type roleBundle struct {
	roles       []RoleID
	accountType AccountType
}

func (s *Snapshot) groupBundles() map[string]roleBundle {
	out := make(map[string]roleBundle, len(s.src.groups))
	for id, g := range s.src.groups {
		out[string(id)] = roleBundle{g.Roles, g.AccountType}
	}
	return out
}

func (s *Snapshot) typeBundles() map[string]roleBundle {
	out := make(map[string]roleBundle, len(s.src.accountTypes))
	for id, t := range s.src.accountTypes {
		out[string(id)] = roleBundle{t.DefaultRoles, id}
	}
	return out
}

func mergeKeys[V any](a, b map[string]V) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// conferrerDiff compares the conferrers of two snapshots.
type conferrerDiff struct {
	b, a *Snapshot
	// changedB, changedA: the roles (numbered in each side's table) whose
	// grants, containment or account types differ, or that only that
	// side has.
	changedB, changedA compile.Bits
	// listAll: the catalogues differ, so the names a wildcard reaches may
	// differ anywhere: compare whole lists.
	listAll bool
	out     []ConferrerImpact
}

func newConferrerDiff(b, a *Snapshot) *conferrerDiff {
	cd := &conferrerDiff{b: b, a: a, changedB: compile.NewBits(len(b.roles.roles)), changedA: compile.NewBits(len(a.roles.roles))}
	same := func(x, y Role) bool {
		return slices.Equal(x.Grants, y.Grants) && slices.Equal(x.Contains, y.Contains) && slices.Equal(x.AccountTypes, y.AccountTypes)
	}
	for i, r := range b.roles.roles {
		if j, ok := a.roles.idx[r.ID]; !ok || !same(r, a.roles.roles[j]) {
			cd.changedB.Set(i)
		}
	}
	for j, r := range a.roles.roles {
		if i, ok := b.roles.idx[r.ID]; !ok || !same(r, b.roles.roles[i]) {
			cd.changedA.Set(j)
		}
	}
	cd.listAll = !slices.Equal(b.roles.catalog, a.roles.catalog)
	return cd
}

// compare records what conferrer c gains and loses. setB and setA are its
// authorized role sets (nil: c does not exist on that side), profB and
// profA their profiles (nil: built here when needed); whole compares the
// whole lists (c is new, gone, or bundles other roles).
func (cd *conferrerDiff) compare(c Conferrer, setB, setA compile.Bits, profB, profA *profile, whole bool) {
	whole = whole || cd.listAll
	if !whole && !intersects(setB, cd.changedB) && !intersects(setA, cd.changedA) {
		return // every role it holds is as it was: so is what it confers
	}
	if profB == nil && setB != nil {
		profB = cd.b.roles.buildProfile(setB)
	}
	if profA == nil && setA != nil {
		profA = cd.a.roles.buildProfile(setA)
	}
	var gained, lost []ScopedPermission
	if whole {
		var was, now []ScopedPermission
		if profB != nil {
			was = profB.heldPermissions()
		}
		if profA != nil {
			now = profA.heldPermissions()
		}
		gained, lost = sortedMinus(now, was), sortedMinus(was, now)
	} else {
		for _, sp := range cd.candidates(setB, setA, profB, profA) {
			switch inB, inA := profB.lists(sp), profA.lists(sp); {
			case inA && !inB:
				gained = append(gained, sp)
			case inB && !inA:
				lost = append(lost, sp)
			}
		}
	}
	if len(gained) > 0 || len(lost) > 0 {
		cd.out = append(cd.out, ConferrerImpact{Conferrer: c, Gained: gained, Lost: lost})
	}
}

// candidates lists, sorted, the pairs that may differ between two role
// sets of snapshots with the same catalogue: the grants (either version)
// of the changed roles in either set and of the roles in only one of
// them, and for a wildcard grant the names it matches.
func (cd *conferrerDiff) candidates(setB, setA compile.Bits, profB, profA *profile) []ScopedPermission {
	bt, at := cd.b.roles, cd.a.roles
	roles := map[RoleID]bool{}
	setB.EachAnd(cd.changedB, func(i int) { roles[bt.roles[i].ID] = true })
	setA.EachAnd(cd.changedA, func(j int) { roles[at.roles[j].ID] = true })
	// Roles entering or leaving the set: only a changed role's
	// containment or account types can move them.
	structural := false
	for id := range roles {
		i, okB := bt.idx[id]
		j, okA := at.idx[id]
		if !okB || !okA || !slices.Equal(bt.roles[i].Contains, at.roles[j].Contains) || !slices.Equal(bt.roles[i].AccountTypes, at.roles[j].AccountTypes) {
			structural = true
			break
		}
	}
	if structural {
		inA := map[RoleID]bool{}
		setA.Each(func(j int) { inA[at.roles[j].ID] = true })
		setB.Each(func(i int) {
			id := bt.roles[i].ID
			if !inA[id] {
				roles[id] = true
			}
			delete(inA, id)
		})
		for id := range inA {
			roles[id] = true
		}
	}
	pairs := map[ScopedPermission]bool{}
	add := func(g Grant) {
		pairs[ScopedPermission(g)] = true
		if !g.Permission.IsWildcard() {
			return
		}
		for _, prof := range []*profile{profB, profA} {
			for name := range prof.perms {
				if g.Permission.Matches(name) {
					pairs[ScopedPermission{Permission: name, Scope: g.Scope}] = true
				}
			}
		}
	}
	for id := range roles {
		if i, ok := bt.idx[id]; ok {
			for _, g := range bt.roles[i].Grants {
				add(g)
			}
		}
		if j, ok := at.idx[id]; ok {
			for _, g := range at.roles[j].Grants {
				add(g)
			}
		}
	}
	out := make([]ScopedPermission, 0, len(pairs))
	for sp := range pairs {
		out = append(out, sp)
	}
	slices.SortFunc(out, compareScoped)
	return out
}

// lists reports whether heldPermissions lists sp.
func (prof *profile) lists(sp ScopedPermission) bool {
	bit := scopeBit(sp.Scope)
	if sp.Permission.IsWildcard() {
		return prof.wild[strings.TrimSuffix(string(sp.Permission), "*")]&bit != 0
	}
	e, ok := prof.lookup(sp.Permission)
	return ok && e.held&bit != 0
}

func compareScoped(x, y ScopedPermission) int {
	return cmp.Or(cmp.Compare(x.Permission, y.Permission), cmp.Compare(x.Scope, y.Scope))
}

// sortedMinus returns the pairs of a not in b, both sorted by
// compareScoped, in one pass.
func sortedMinus(a, b []ScopedPermission) []ScopedPermission {
	var out []ScopedPermission
	j := 0
	for _, x := range a {
		for j < len(b) && compareScoped(b[j], x) < 0 {
			j++
		}
		if j == len(b) || b[j] != x {
			out = append(out, x)
		}
	}
	return out
}

// closureOf is the authorized role set of a holder of roles whose account
// type is t, as for a user: the closure, less the roles closed to t.
func (rt *roleTable) closureOf(roles []RoleID, t AccountType) compile.Bits {
	set := compile.NewBits(len(rt.roles))
	for _, r := range roles {
		if j, ok := rt.idx[r]; ok {
			set.Or(rt.closure[j])
		}
	}
	if allowed, ok := rt.allowed[t]; ok {
		set.And(allowed)
	} else {
		set.And(rt.allowed[""])
	}
	return set
}

// compareConferrers orders roles, then groups, then account types, each
// by id.
func compareConferrers(x, y Conferrer) int {
	rank := func(c Conferrer) int {
		switch {
		case c.Role != "":
			return 0
		case c.Group != "":
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(x.Role, y.Role), cmp.Compare(x.Group, y.Group), cmp.Compare(x.AccountType, y.AccountType))
}
