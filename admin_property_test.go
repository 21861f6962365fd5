package rbac_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/internal/naive"
	"github.com/rolegraph/rbac/memstore"
)

// TestAdminProperties: random actors apply random change sets touching
// every kind of entity. A deliberately naive reference (internal/naive,
// which shares no code with the engine or its judgement) says what every
// user can exercise before and after. For every accepted change set:
//   - no user gains a (permission, scope) the actor could not exercise
//     itself, unless the actor holds rbac.escalate or the gain comes with a
//     group the actor manages;
//   - no user gains an org, a workgroup, or a record's ownership outside the
//     actor's reach, no workgroup gains ancestors outside it, and no rule is
//     relaxed, unless the actor holds rbac.escalate;
//   - whoever newly reaches a sensitive permission got it from an actor
//     holding rbac.sensitive.grant, with a reason;
//   - someone enabled still manages roles, groups and users;
//   - Preview said what happened.
//
// A refused change set writes nothing.
func TestAdminProperties(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	stats := map[string]int{}
	// A property over refused changes only would prove nothing: every kind
	// of accepted change must have been seen. Rare ones (a constraint, a
	// reach gain by a non-escalating actor) come a few times per hundred
	// cases, so the property runs again, with new cases, until they have
	// — at most a few rounds, then the coverage failure is real.
	covered := func() bool {
		if stats["accepted"] < 50 || stats["gains by non-escalating actors"] == 0 || stats["reach by non-escalating actors"] == 0 {
			return false
		}
		for _, kind := range rbac.EntityKinds() {
			if stats["accepted "+string(kind)] == 0 {
				return false
			}
		}
		return true
	}
	defer func() {
		if t.Failed() {
			return
		}
		if !covered() {
			t.Errorf("too little was accepted to prove anything (every entity kind, gains and reach by non-escalating actors): %v", stats)
		}
		t.Logf("%v", stats)
	}()
	for round := 0; round < 4 && !covered() && !t.Failed(); round++ {
		rapid.Check(t, adminProperty(stats))
	}
}

// adminProperty is one case of TestAdminProperties: a few random change
// sets by random actors, each checked; stats counts what was accepted.
func adminProperty(stats map[string]int) func(*rapid.T) {
	return func(t *rapid.T) {
		ctx := context.Background()
		p, err := rbac.LoadPolicy(strings.NewReader(attackPolicy))
		if err != nil {
			t.Fatal(err)
		}
		store := memstore.New()
		if _, err := rbac.Import(ctx, store, p); err != nil {
			t.Fatal(err)
		}
		a, err := rbac.New(ctx, store, rbac.WithoutFollow())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		for step := 0; step < 6; step++ {
			before, _ := a.Policy()
			// Mostly actors with some right, sometimes anyone.
			actor := rapid.SampledFrom([]rbac.UserID{"sam", "ursula", "ursula", "rita", "rita", "gina", "grace", "nora", "nora", "mallory", "mike", "mona", "ed"}).Draw(t, "actor")
			if rapid.IntRange(0, 9).Draw(t, "anyone") == 0 {
				actor = rapid.SampledFrom(userIDs(before)).Draw(t, "any actor")
			}
			changes := rapid.SliceOfN(changeGen(before), 1, 2).Draw(t, "changes")
			reason := rapid.SampledFrom([]string{"", "ticket 1"}).Draw(t, "reason")
			rev := store.Revision()
			impact, perr := a.Admin(actor).Preview(ctx, changes...)
			_, err := a.Admin(actor).Apply(ctx, reason, changes...)
			if err != nil {
				if store.Revision() != rev {
					t.Fatalf("refused (%v) but written: revision %d → %d", err, rev, store.Revision())
				}
				continue
			}
			if perr != nil {
				t.Fatalf("Preview refused what Apply accepted: %v", perr)
			}
			after, _ := a.Policy()
			stats["accepted"]++
			for _, c := range changes {
				stats["accepted "+string(c.Kind)]++
			}
			checkAccepted(t, stats, before, after, actor, reason, changes)
			checkPreview(t, a, before, after, impact)
		}
	}
}

// names are the checked permissions the property looks at: the catalogue
// before and after, and administration's own.
func names(ps ...*rbac.Policy) []rbac.Permission {
	out := []rbac.Permission{rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage, rbac.PermAuditRead, rbac.PermEscalate, rbac.PermSensitiveGrant}
	for _, p := range ps {
		for _, d := range p.Permissions {
			if !slices.Contains(out, d.Name) {
				out = append(out, d.Name)
			}
		}
	}
	return out
}

var scopes = []rbac.Scope{rbac.ScopeMine, rbac.ScopeWorkgroup, rbac.ScopeGlobal, rbac.ScopeAll}

func checkAccepted(t *rapid.T, stats map[string]int, before, after *rbac.Policy, actor rbac.UserID, reason string, changes []rbac.Change) {
	escalate := naive.ExercisesAt(before, actor, rbac.PermEscalate, rbac.ScopeGlobal)
	checkReaches(t, stats, before, after, []*rbac.Policy{before, after}, actor, reason != "", changes)
	checkNoLockout(t, after, actor, changes)
	checkFourEyes(t, before, after, actor, changes)
	if escalate {
		return
	}
	checkOwners(t, stats, before, after, actor, changes)
	checkNoRelaxation(t, before, after, actor, changes)
	checkDelegation(t, before, after, actor, changes)
}

// checkReaches: every (user, permission, region) the naive reference says
// a user exercises at end and did not at start is one the actor exercised
// at start (over that region: a workgroup its own workgroups covered, an
// org its own or every bypass), or one a group the actor managed at start
// conferred then and confers now on a member other than the actor, or the
// actor holds rbac.escalate; a gain of a permission sensitive in one of
// sensitiveIn needs rbac.sensitive.grant and a reason.
func checkReaches(t *rapid.T, stats map[string]int, start, end *rbac.Policy, sensitiveIn []*rbac.Policy, actor rbac.UserID, reasoned bool, what any) {
	admin := func(perm rbac.Permission) bool { return naive.ExercisesAt(start, actor, perm, rbac.ScopeGlobal) }
	escalate := admin(rbac.PermEscalate)
	sensitive := func(q rbac.Permission) bool {
		for _, p := range sensitiveIn {
			for _, d := range p.Permissions {
				if d.Name == q && d.Sensitive != "" {
					return true
				}
			}
		}
		return false
	}
	me := userIn(start, actor)
	bypassAll := true
	for _, rules := range [][]rbac.OwnershipRule{start.OwnershipRules, end.OwnershipRules} {
		for _, r := range rules {
			bypassAll = bypassAll && len(naive.Exercisable(start, actor, r.Bypass)) > 0
		}
	}
	actorCovers := func(r naive.Reach) bool {
		if me == nil || me.Disabled {
			return false
		}
		if r.Org != "" && len(start.OwnershipRules) > 0 && r.Org != me.Org && !bypassAll {
			return false
		}
		// The catalogue aside: a name catalogued since is one the actor
		// exercised if its grants matched it.
		for s := range naive.Exercisable(start, actor, r.Permission) {
			if s == rbac.ScopeWorkgroup {
				if r.Scope == rbac.ScopeWorkgroup && naive.CoversWorkgroup(start, me.Workgroups, r.Workgroup) {
					return true
				}
				continue
			}
			if naive.Covers(naive.Reach{Permission: r.Permission, Scope: s}, r) {
				return true
			}
		}
		return false
	}
	qs := names(start, end)
	for _, u := range userIDs(start, end) {
		had := naive.Reaches(start, u, qs)
		for _, r := range naive.Reaches(end, u, qs) {
			if slices.ContainsFunc(had, func(h naive.Reach) bool {
				return (h.Org == r.Org || r.Org == "" || len(start.OwnershipRules) == 0) && naive.Covers(h, r)
			}) {
				continue
			}
			if sensitive(r.Permission) && (!admin(rbac.PermSensitiveGrant) || !reasoned) {
				t.Fatalf("%s let %s newly reach sensitive %+v without rbac.sensitive.grant and a reason: %v", actor, u, r, what)
			}
			if escalate {
				continue
			}
			stats["gains by non-escalating actors"]++
			if r.Scope == rbac.ScopeWorkgroup || r.Org != "" {
				stats["reach by non-escalating actors"]++
			}
			if !actorCovers(r) && !throughManagedGroup(start, end, actor, r) {
				t.Fatalf("%s gave %s %+v, which %s could not exercise at the start: %v", actor, u, r, actor, what)
			}
		}
	}
}

// throughManagedGroup: r's user is not actor and is at end a member of a
// group that listed actor as a manager at start and that, at start and at
// end, confers r's permission at r's scope or wider.
func throughManagedGroup(start, end *rbac.Policy, actor rbac.UserID, r naive.Reach) bool {
	now := userIn(end, r.User)
	if now == nil || r.User == actor {
		return false
	}
	confers := func(p *rbac.Policy, id rbac.GroupID) bool {
		for _, g := range p.Groups {
			if g.ID != id {
				continue
			}
			for s := range naive.Conferred(p, g.Roles, now.AccountType, r.Permission) {
				if s == r.Scope || s == rbac.ScopeAll || s == rbac.ScopeGlobal && r.Scope != rbac.ScopeAll {
					return true
				}
			}
		}
		return false
	}
	for _, g := range now.Groups {
		if slices.Contains(managersIn(start, g), actor) && confers(start, g) && confers(end, g) {
			return true
		}
	}
	return false
}

// checkDelegation: a group's enabled managers confer its roles, so a group
// with an enabled manager at end who was not one at start (listed anew, or
// enabled) delegates everything it confers at end, and otherwise what it
// confers at end beyond what it conferred at start: the actor must have
// exercised each at the start.
func checkDelegation(t *rapid.T, start, end *rbac.Policy, actor rbac.UserID, what any) {
	enabledManagers := func(p *rbac.Policy, g rbac.Group) []rbac.UserID {
		var out []rbac.UserID
		for _, m := range g.Managers {
			if u := userIn(p, m); u != nil && !u.Disabled {
				out = append(out, m)
			}
		}
		return out
	}
	qs := names(start, end)
	for _, g := range end.Groups {
		now := enabledManagers(end, g)
		if len(now) == 0 {
			continue
		}
		var old *rbac.Group
		for i := range start.Groups {
			if start.Groups[i].ID == g.ID {
				old = &start.Groups[i]
			}
		}
		appointed := old == nil
		if old != nil {
			was := enabledManagers(start, *old)
			for _, m := range now {
				appointed = appointed || !slices.Contains(was, m)
			}
		}
		for _, q := range qs {
			for s := range naive.Conferred(end, g.Roles, g.AccountType, q) {
				if !appointed && slices.ContainsFunc(slices.Collect(maps.Keys(naive.Conferred(start, old.Roles, old.AccountType, q))), func(was rbac.Scope) bool {
					return was == s || was == rbac.ScopeAll || was == rbac.ScopeGlobal && s != rbac.ScopeAll
				}) {
					continue // conferred at that scope or wider already
				}
				if !naive.ExercisesAt(start, actor, q, s) {
					t.Fatalf("%s let the managers %v of group %s delegate %s@%s, which %s could not exercise at the start: %v", actor, now, g.ID, q, s, actor, what)
				}
			}
		}
	}
}

func checkNoLockout(t *rapid.T, end *rbac.Policy, actor rbac.UserID, what any) {
	for _, perm := range []rbac.Permission{rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage} {
		held := false
		for _, u := range userIDs(end) {
			held = held || naive.ExercisesAt(end, u, perm, rbac.ScopeGlobal)
		}
		if !held {
			t.Fatalf("after %v by %s nobody enabled exercises %s (lockout)", what, actor, perm)
		}
	}
}

// checkOwners: an org newly made an owner of a record is the actor's own,
// or the actor holds every bypass.
func checkOwners(t *rapid.T, stats map[string]int, start, end *rbac.Policy, actor rbac.UserID, what any) {
	me := userIn(start, actor)
	bypassAll := true
	for _, rules := range [][]rbac.OwnershipRule{start.OwnershipRules, end.OwnershipRules} {
		for _, r := range rules {
			bypassAll = bypassAll && len(naive.Exercisable(start, actor, r.Bypass)) > 0
		}
	}
	for _, o := range end.Ownerships {
		var had []rbac.OrgSlug
		for _, x := range start.Ownerships {
			if x.Kind == o.Kind && x.ID == o.ID {
				had = x.Owners
			}
		}
		for _, org := range o.Owners {
			if slices.Contains(had, org) {
				continue
			}
			stats["reach by non-escalating actors"]++
			if org != me.Org && !bypassAll {
				t.Fatalf("%s made %s an owner of %s/%s, outside its reach: %v", actor, org, o.Kind, o.ID, what)
			}
		}
	}
}

func checkNoRelaxation(t *rapid.T, before, after *rbac.Policy, actor rbac.UserID, changes any) {
	if len(before.Kinds) > 0 && len(after.Kinds) == 0 {
		t.Fatalf("%s deleted the last declared kind without rbac.escalate: %v", actor, changes)
	}
	if len(before.Permissions) > 0 && len(after.Permissions) == 0 {
		t.Fatalf("%s emptied the catalogue without rbac.escalate: %v", actor, changes)
	}
	roleExists := func(r rbac.RoleID) bool {
		for _, x := range after.Roles {
			if x.ID == r {
				return true
			}
		}
		return false
	}
	for _, old := range before.Constraints {
		var surviving []rbac.RoleID
		for _, r := range old.Roles {
			if roleExists(r) {
				surviving = append(surviving, r)
			}
		}
		if len(surviving) <= old.Max {
			continue
		}
		var now *rbac.Constraint
		for i := range after.Constraints {
			if after.Constraints[i].Name == old.Name {
				now = &after.Constraints[i]
			}
		}
		loose := now == nil || now.Max > old.Max || !old.Dynamic && now.Dynamic
		for _, r := range surviving {
			loose = loose || now != nil && !slices.Contains(now.Roles, r)
		}
		if loose {
			t.Fatalf("%s loosened constraint %s without rbac.escalate: %v", actor, old.Name, changes)
		}
	}
	for _, old := range before.Permissions {
		var now *rbac.PermissionDef
		for i := range after.Permissions {
			if after.Permissions[i].Name == old.Name {
				now = &after.Permissions[i]
			}
		}
		if now == nil {
			if old.Sensitive != "" {
				t.Fatalf("%s deleted sensitive %s without rbac.escalate: %v", actor, old.Name, changes)
			}
			continue
		}
		if old.Sensitive != "" && now.Sensitive == "" {
			t.Fatalf("%s un-marked sensitive %s without rbac.escalate: %v", actor, old.Name, changes)
		}
		for _, q := range old.Requires {
			if !slices.Contains(now.Requires, q) {
				t.Fatalf("%s removed prerequisite %s of %s without rbac.escalate: %v", actor, q, old.Name, changes)
			}
		}
	}
	for _, old := range before.Approvals {
		i := slices.IndexFunc(after.Approvals, func(a rbac.Approval) bool { return a.Name == old.Name })
		if i < 0 {
			t.Fatalf("%s deleted approval %s without rbac.escalate: %v", actor, old.Name, changes)
		}
		now := after.Approvals[i]
		loose := old.Sensitive && !now.Sensitive || old.Relaxations && !now.Relaxations
		for _, r := range old.Roles {
			loose = loose || !slices.Contains(now.Roles, r)
		}
		for _, g := range old.Groups {
			loose = loose || !slices.Contains(now.Groups, g)
		}
		if loose {
			t.Fatalf("%s loosened approval %s without rbac.escalate: %v", actor, old.Name, changes)
		}
	}
	for _, old := range before.OwnershipRules {
		var now *rbac.OwnershipRule
		for i := range after.OwnershipRules {
			if after.OwnershipRules[i].Kind == old.Kind {
				now = &after.OwnershipRules[i]
			}
		}
		if now == nil || now.Bypass != old.Bypass || now.Create != old.Create && now.Create != "" {
			t.Fatalf("%s relaxed the ownership rule of %s without rbac.escalate: %v", actor, old.Kind, changes)
		}
	}
}

// checkFourEyes: a change set accepted directly touched none of the roles
// and groups an approval entry in force before it names: neither the role
// or group itself, nor a user's assignment or membership, nor a group's or
// account type's list of roles (a naive reading of the two policies).
func checkFourEyes(t *rapid.T, before, after *rbac.Policy, actor rbac.UserID, changes any) {
	byKey := func(p *rbac.Policy) map[string]rbac.Entity {
		m := map[string]rbac.Entity{}
		for _, e := range p.Entities() {
			m[string(e.EntityKind())+"/"+e.EntityKey()] = e
		}
		return m
	}
	b, a := byKey(before), byKey(after)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	roles := func(e rbac.Entity) []rbac.RoleID {
		switch v := e.(type) {
		case rbac.User:
			return v.Roles
		case rbac.Group:
			return v.Roles
		case rbac.AccountTypeDef:
			return v.DefaultRoles
		}
		return nil
	}
	groups := func(e rbac.Entity) []rbac.GroupID {
		if u, ok := e.(rbac.User); ok {
			return u.Groups
		}
		return nil
	}
	for _, ap := range before.Approvals {
		for k := range keys {
			if reflect.DeepEqual(b[k], a[k]) {
				continue
			}
			for _, r := range ap.Roles {
				if k == "role/"+string(r) || slices.Contains(roles(b[k]), r) != slices.Contains(roles(a[k]), r) {
					t.Fatalf("%s changed %s, under approval %s (role %s), without approval: %v", actor, k, ap.Name, r, changes)
				}
			}
			for _, g := range ap.Groups {
				if k == "group/"+string(g) || slices.Contains(groups(b[k]), g) != slices.Contains(groups(a[k]), g) {
					t.Fatalf("%s changed %s, under approval %s (group %s), without approval: %v", actor, k, ap.Name, g, changes)
				}
			}
		}
	}
}

// checkPreview: the published snapshot answers as a fresh compile, and
// Preview listed exactly what the naive reference says each user gained and
// lost.
func checkPreview(t *rapid.T, a *rbac.Authorizer, before, after *rbac.Policy, impact []rbac.UserImpact) {
	as := a.Snapshot()
	// The snapshot the write published (compiled incrementally where it
	// could be) answers as one compiled from scratch.
	fresh, err := snapshotOf(after)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range userIDs(after) {
		if diff := cmp.Diff(fresh.PermissionsOf(u), as.PermissionsOf(u)); diff != "" {
			t.Fatalf("the published snapshot differs from a fresh compile for %s (-fresh +published):\n%s", u, diff)
		}
		if diff := cmp.Diff(fresh.RolesOf(u), as.RolesOf(u)); diff != "" {
			t.Fatalf("RolesOf(%s) differs from a fresh compile (-fresh +published):\n%s", u, diff)
		}
	}
	for _, q := range names(after) {
		if diff := cmp.Diff(fresh.UsersWith(q), as.UsersWith(q)); diff != "" {
			t.Fatalf("UsersWith(%s) differs from a fresh compile (-fresh +published):\n%s", q, diff)
		}
	}
	// What Preview says of each permission name is what the naive
	// reference says each user exercises, scope by scope, before and after,
	// users under dynamic constraints included (wildcard patterns, which
	// the reference does not list, are left out).
	var want, got []rbac.UserImpact
	for _, u := range userIDs(before, after) {
		var gained, lost []rbac.ScopedPermission
		for _, q := range names(before, after) {
			if !catalogued(before, q) || !catalogued(after, q) {
				// Preview lists a name a wildcard reaches only while it is
				// catalogued (else the pattern); the reference lists names.
				continue
			}
			b, a := naive.Exercisable(before, u, q), naive.Exercisable(after, u, q)
			for _, s := range scopes {
				if a[s] && !b[s] {
					gained = append(gained, rbac.ScopedPermission{Permission: q, Scope: s})
				}
				if b[s] && !a[s] {
					lost = append(lost, rbac.ScopedPermission{Permission: q, Scope: s})
				}
			}
		}
		if len(gained)+len(lost) > 0 {
			want = append(want, rbac.UserImpact{User: u, Gained: sortedPerms(gained), Lost: sortedPerms(lost)})
		}
	}
	for _, ui := range impact {
		names := func(sp []rbac.ScopedPermission) []rbac.ScopedPermission {
			return sortedPerms(slices.DeleteFunc(slices.Clone(sp), func(x rbac.ScopedPermission) bool {
				return !catalogued(before, x.Permission) || !catalogued(after, x.Permission)
			}))
		}
		if g, l := names(ui.Gained), names(ui.Lost); len(g)+len(l) > 0 {
			got = append(got, rbac.UserImpact{User: ui.User, Gained: g, Lost: l})
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Preview differs from the naive reference before and after (-want +preview):\n%s", diff)
	}
}

func catalogued(p *rbac.Policy, q rbac.Permission) bool {
	return slices.ContainsFunc(p.Permissions, func(d rbac.PermissionDef) bool { return d.Name == q })
}

func sortedPerms(sp []rbac.ScopedPermission) []rbac.ScopedPermission {
	slices.SortFunc(sp, func(x, y rbac.ScopedPermission) int {
		if c := strings.Compare(string(x.Permission), string(y.Permission)); c != 0 {
			return c
		}
		return int(x.Scope) - int(y.Scope)
	})
	return sp
}

func snapshotOf(p *rbac.Policy) (*rbac.Snapshot, error) {
	store := memstore.New()
	if _, err := rbac.Import(context.Background(), store, p); err != nil {
		return nil, err
	}
	a, err := rbac.New(context.Background(), store, rbac.WithoutFollow())
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return a.Snapshot(), nil
}

func userIDs(ps ...*rbac.Policy) []rbac.UserID {
	var out []rbac.UserID
	for _, p := range ps {
		for _, u := range p.Users {
			if !slices.Contains(out, u.ID) {
				out = append(out, u.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func userIn(p *rbac.Policy, id rbac.UserID) *rbac.User {
	for i := range p.Users {
		if p.Users[i].ID == id {
			return &p.Users[i]
		}
	}
	return nil
}

func managersIn(p *rbac.Policy, id rbac.GroupID) []rbac.UserID {
	for _, g := range p.Groups {
		if g.ID == id {
			return g.Managers
		}
	}
	return nil
}

// changeGen draws one change of any kind, mostly a small edit of an
// existing entity of policy p, so that many are valid.
func changeGen(p *rbac.Policy) *rapid.Generator[rbac.Change] { return changeGenOf(p, nil) }

// changeGenOf is changeGen drawing only changes of the given kinds (nil:
// any).
func changeGenOf(p *rbac.Policy, only []rbac.EntityKind) *rapid.Generator[rbac.Change] {
	return rapid.Custom(func(t *rapid.T) rbac.Change {
		var roles []rbac.RoleID
		for _, r := range p.Roles {
			roles = append(roles, r.ID)
		}
		var groups []rbac.GroupID
		for _, g := range p.Groups {
			groups = append(groups, g.ID)
		}
		wgs := []rbac.WorkgroupID{"north", "leeds", "south", "bristol", "newwg"}
		perms := []rbac.Permission{"case.read", "case.write", "case.*", "client.merge", "yj.case.view", "report.export", "report.view", "places.edit", "places.gds_editor", "suggest", "approve", "*", rbac.PermUsersManage, rbac.PermEscalate, rbac.PermSensitiveGrant}
		catalogued := []rbac.Permission{"case.read", "case.write", "client.merge", "yj.case.view", "report.export", "report.view", "places.edit", "places.gds_editor", "suggest", "approve"}
		users := userIDs(p)
		pick := func(n string, xs []rbac.RoleID) rbac.RoleID { return rapid.SampledFrom(xs).Draw(t, n) }
		toggle := func(xs []rbac.RoleID, x rbac.RoleID) []rbac.RoleID {
			if slices.Contains(xs, x) {
				return slices.DeleteFunc(slices.Clone(xs), func(y rbac.RoleID) bool { return y == x })
			}
			return append(slices.Clone(xs), x)
		}
		// Users change most often, as in life.
		kinds := append([]rbac.EntityKind{rbac.EntityUser, rbac.EntityUser, rbac.EntityUser}, rbac.EntityKinds()...)
		if only != nil {
			kinds = only
		}
		switch kind := rapid.SampledFrom(kinds).Draw(t, "kind"); kind {
		case rbac.EntityUser:
			id := rapid.SampledFrom(append(users, "newuser")).Draw(t, "user")
			u := rbac.User{ID: id, AccountType: "internal"}
			if x := userIn(p, id); x != nil {
				u = x.Clone()
			}
			switch rapid.IntRange(0, 7).Draw(t, "edit") {
			case 0:
				// Often a role one of the user's groups gives: holding it
				// both ways, or trading one way for the other.
				choice := roles
				for _, g := range p.Groups {
					if slices.Contains(u.Groups, g.ID) && len(g.Roles) > 0 && rapid.Bool().Draw(t, "a group's role") {
						choice = g.Roles
					}
				}
				u.Roles = toggle(u.Roles, pick("role", choice))
			case 1:
				g := rapid.SampledFrom(groups).Draw(t, "group")
				if slices.Contains(u.Groups, g) {
					u.Groups = slices.DeleteFunc(slices.Clone(u.Groups), func(x rbac.GroupID) bool { return x == g })
				} else {
					u.Groups = append(u.Groups, g)
				}
			case 2:
				u.Workgroups = rapid.SliceOfNDistinct(rapid.SampledFrom(wgs[:4]), 0, 2, func(w rbac.WorkgroupID) rbac.WorkgroupID { return w }).Draw(t, "workgroups")
			case 3:
				u.Org = rapid.SampledFrom([]rbac.OrgSlug{"", "dfe", "hmrc", "gds"}).Draw(t, "org")
			case 4:
				u.AccountType = rapid.SampledFrom([]rbac.AccountType{"internal", "external", "delius"}).Draw(t, "account type")
			case 5:
				u.Disabled = !u.Disabled
			case 6:
				return rbac.DeleteUser(id)
			case 7:
				u.Roles = rapid.SliceOfNDistinct(rapid.SampledFrom(roles), 0, 3, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "roles")
			}
			return rbac.PutUser(u)
		case rbac.EntityRole:
			id := rapid.SampledFrom(append(roles, "newrole")).Draw(t, "role")
			r := rbac.Role{ID: id}
			for _, x := range p.Roles {
				if x.ID == id {
					r = x.Clone()
				}
			}
			switch rapid.IntRange(0, 3).Draw(t, "edit") {
			case 0:
				g := rbac.Grant{Permission: rapid.SampledFrom(perms).Draw(t, "perm"), Scope: rapid.SampledFrom(scopes).Draw(t, "scope")}
				if !slices.Contains(r.Grants, g) {
					r.Grants = append(r.Grants, g)
				}
			case 1:
				if len(r.Grants) > 0 {
					r.Grants = slices.Delete(slices.Clone(r.Grants), 0, 1)
				}
			case 2:
				r.Contains = toggle(r.Contains, pick("contains", roles))
			case 3:
				return rbac.DeleteRole(id)
			}
			return rbac.PutRole(r)
		case rbac.EntityPermission:
			name := rapid.SampledFrom(append(catalogued[:len(catalogued):len(catalogued)], "case.export")).Draw(t, "permission")
			d := rbac.PermissionDef{Name: name}
			for _, x := range p.Permissions {
				if x.Name == name {
					d = x.Clone()
				}
			}
			switch rapid.IntRange(0, 3).Draw(t, "edit") {
			case 0:
				if d.Sensitive == "" {
					d.Sensitive = "careful"
				} else {
					d.Sensitive = ""
				}
			case 1:
				q := rapid.SampledFrom(catalogued).Draw(t, "requires")
				if slices.Contains(d.Requires, q) {
					d.Requires = slices.DeleteFunc(slices.Clone(d.Requires), func(x rbac.Permission) bool { return x == q })
				} else if q != name {
					d.Requires = append(d.Requires, q)
				}
			case 2:
				d.Title = "renamed"
			case 3:
				return rbac.DeletePermission(name)
			}
			return rbac.PutPermission(d)
		case rbac.EntityAccountType:
			id := rapid.SampledFrom([]rbac.AccountType{"internal", "external", "delius"}).Draw(t, "account type")
			at := rbac.AccountTypeDef{ID: id}
			for _, x := range p.AccountTypes {
				if x.ID == id {
					at = x.Clone()
				}
			}
			at.DefaultRoles = toggle(at.DefaultRoles, pick("default", roles))
			return rbac.PutAccountType(at)
		case rbac.EntityGroup:
			id := rapid.SampledFrom(append(groups, "newgroup")).Draw(t, "group")
			g := rbac.Group{ID: id, Name: string(id), AccountType: "internal"}
			for _, x := range p.Groups {
				if x.ID == id {
					g = x.Clone()
				}
			}
			switch rapid.IntRange(0, 2).Draw(t, "edit") {
			case 0:
				g.Roles = toggle(g.Roles, pick("role", roles))
			case 1:
				m := rapid.SampledFrom(users).Draw(t, "manager")
				if slices.Contains(g.Managers, m) {
					g.Managers = slices.DeleteFunc(slices.Clone(g.Managers), func(x rbac.UserID) bool { return x == m })
				} else {
					g.Managers = append(g.Managers, m)
				}
			case 2:
				return rbac.DeleteGroup(id)
			}
			return rbac.PutGroup(g)
		case rbac.EntityWorkgroup:
			id := rapid.SampledFrom(wgs).Draw(t, "workgroup")
			if rapid.IntRange(0, 4).Draw(t, "delete") == 0 {
				return rbac.DeleteWorkgroup(id)
			}
			return rbac.PutWorkgroup(rbac.Workgroup{ID: id, Parent: rapid.SampledFrom(append(wgs[:4:4], "")).Draw(t, "parent")})
		case rbac.EntityConstraint:
			name := rapid.SampledFrom([]string{"suggest-vs-approve", "merge-vs-export", "newsod"}).Draw(t, "constraint")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteConstraint(name)
			}
			return rbac.PutConstraint(rbac.Constraint{Name: name, Max: rapid.IntRange(0, 2).Draw(t, "max"), Dynamic: rapid.Bool().Draw(t, "dynamic"),
				Roles: rapid.SliceOfNDistinct(rapid.SampledFrom(roles), 2, 3, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "roles")})
		case rbac.EntityCampaign:
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteCampaign("review")
			}
			c := rbac.Campaign{ID: "review", Due: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			if len(roles) > 0 && rapid.Bool().Draw(t, "with roles") {
				c.Roles = rapid.SliceOfNDistinct(rapid.SampledFrom(roles), 1, 2, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "campaign roles")
			}
			if len(groups) > 0 && (len(c.Roles) == 0 || rapid.Bool().Draw(t, "with groups")) {
				c.Groups = rapid.SliceOfNDistinct(rapid.SampledFrom(groups), 1, 2, func(g rbac.GroupID) rbac.GroupID { return g }).Draw(t, "campaign groups")
			}
			return rbac.PutCampaign(c)
		case rbac.EntityApproval:
			name := rapid.SampledFrom([]string{"four-eyes", "sensitive"}).Draw(t, "approval")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteApproval(name)
			}
			a := rbac.Approval{Name: name, Sensitive: name == "sensitive", Relaxations: rapid.IntRange(0, 3).Draw(t, "relaxations") == 0}
			if len(roles) > 0 && rapid.Bool().Draw(t, "with roles") {
				a.Roles = rapid.SliceOfNDistinct(rapid.SampledFrom(roles), 1, 2, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "approval roles")
			}
			if len(groups) > 0 && (rapid.Bool().Draw(t, "with groups") || !a.Sensitive && !a.Relaxations && len(a.Roles) == 0) {
				a.Groups = rapid.SliceOfNDistinct(rapid.SampledFrom(groups), 1, 2, func(g rbac.GroupID) rbac.GroupID { return g }).Draw(t, "approval groups")
			}
			return rbac.PutApproval(a)
		case rbac.EntityOwnershipRule:
			kind := rapid.SampledFrom([]string{"service", "report"}).Draw(t, "kind")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteOwnershipRule(kind)
			}
			return rbac.PutOwnershipRule(rbac.OwnershipRule{Kind: kind, Bypass: rapid.SampledFrom(catalogued).Draw(t, "bypass"),
				Create: rapid.SampledFrom(append([]rbac.Permission{""}, catalogued...)).Draw(t, "create")})
		case rbac.EntityResourceKind:
			// Only "service", unless p declares others: declaring another
			// kind first would make every later change about services'
			// owners invalid, and the property would see too few of them.
			kinds := []string{"service"}
			for _, k := range p.Kinds {
				if !slices.Contains(kinds, k.Name) {
					kinds = append(kinds, k.Name)
				}
			}
			name := rapid.SampledFrom(kinds).Draw(t, "resource kind")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteKind(name)
			}
			return rbac.PutKind(rbac.Kind{Name: name, Title: rapid.SampledFrom([]string{"", "Government service"}).Draw(t, "title")})
		case rbac.EntityOwnership:
			id := rapid.SampledFrom([]string{"s1", "s2", "s3"}).Draw(t, "record")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteOwnership("service", id)
			}
			return rbac.PutOwnership(rbac.Ownership{Kind: "service", ID: id,
				Owners: rapid.SliceOfNDistinct(rapid.SampledFrom([]rbac.OrgSlug{"dfe", "hmrc", "gds"}), 1, 2, func(o rbac.OrgSlug) rbac.OrgSlug { return o }).Draw(t, "owners")})
		case rbac.EntityElevation:
			id := rapid.SampledFrom([]string{"incident", "audit"}).Draw(t, "elevation")
			if rapid.IntRange(0, 3).Draw(t, "delete") == 0 {
				return rbac.DeleteElevation(id)
			}
			return rbac.PutElevation(rbac.Elevation{ID: id, MaxDuration: time.Hour, Invoke: rapid.SampledFrom(catalogued).Draw(t, "invoke"),
				Roles: rapid.SliceOfNDistinct(rapid.SampledFrom(roles), 1, 2, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "roles")})
		default:
			panic(fmt.Sprintf("no generator for %s", kind))
		}
	})
}
