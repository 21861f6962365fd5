package rbac

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac/internal/compile"
)

// BuiltinPermissionPrefix marks the permissions of the package's own
// administration (rbac.roles.manage, ...). They are always known: a policy
// with a catalogue need not catalogue them.
const BuiltinPermissionPrefix = "rbac."

// Validate checks every invariant of the model and reports every violation,
// joined with errors.Join, each an *Error naming the entity, its file:line
// when loaded from YAML, and why. errors.Is finds each sentinel.
func (p *Policy) Validate() error {
	// Validation only reads, so the state indexes p itself, not the copy
	// that stateOf makes for states that outlive the call (a copy of every
	// list was a quarter of Validate's time at 100,000 users).
	st := stateOwning(p, 0)
	errs := p.duplicates(st)
	errs = append(errs, st.validateAt(p.Where, p.whereRef)...)
	errs = append(errs, p.validateTests()...)
	errs = append(errs, p.validateManages(p.Where)...)
	return errors.Join(errs...)
}

// duplicates reports keys defined twice, which indexing would hide. st
// indexes p by the same keys, so when every index is as long as its list
// there are none, and the entities are not listed again.
func (p *Policy) duplicates(st *state) []error {
	if len(st.accountTypes) == len(p.AccountTypes) && len(st.permissions) == len(p.Permissions) &&
		len(st.roles) == len(p.Roles) && len(st.groups) == len(p.Groups) &&
		len(st.workgroups) == len(p.Workgroups) && len(st.users) == len(p.Users) &&
		len(st.constraints) == len(p.Constraints) && len(st.approvals) == len(p.Approvals) && len(st.campaigns) == len(p.Campaigns) && len(st.kinds) == len(p.Kinds) &&
		len(st.ownershipRules) == len(p.OwnershipRules) && len(st.ownerships) == len(p.Ownerships) {
		return nil
	}
	var errs []error
	seen := map[entityRef]bool{}
	for _, e := range p.Entities() {
		ref := entityRef{e.EntityKind(), e.EntityKey()}
		if seen[ref] {
			errs = append(errs, &Error{Op: "validate", Kind: ref.kind, ID: ref.key, Where: p.Where(ref.kind, ref.key),
				Msg: "defined more than once", Err: ErrExists})
		}
		seen[ref] = true
	}
	return errs
}

// validator collects violations of one state.
type validator struct {
	st    *state
	where func(EntityKind, string) string
	ref   func(kind EntityKind, key, field, value string) string // may be nil
	errs  []error
	// roleTypes: each role's account types, set while users() checks
	// every user: a table a ninth the size of st.roles, so that a
	// million role lookups stay in cache.
	roleTypes map[RoleID][]AccountType
	// rt, when set, is the compiled role table of st, which a load's
	// workers look roles up in instead (userValidator).
	rt *roleTable
	// known: the sorted ids of each kind, listed on the first unknown id
	// of that kind; suggested: the suggestion for each unknown id (see
	// near).
	known     map[EntityKind][]string
	suggested map[entityRef]string
}

// maxSuggestIDs bounds the ids of a kind that an unknown id is compared
// with: each comparison is an edit distance, and a suggestion must not
// make validating a file with many unknown ids slow.
const maxSuggestIDs = 2000

// near returns ` (did you mean "x"?)` for an unknown id of kind when a
// known id is near it, else "". It depends only on the id and the ids of
// its kind, so every way of validating a state (whole, or users checked
// by several workers as they stream in) words an error alike.
func (v *validator) near(kind EntityKind, id string) string {
	if out, ok := v.suggested[entityRef{kind, id}]; ok {
		return out
	}
	if v.known == nil {
		v.known, v.suggested = map[EntityKind][]string{}, map[entityRef]string{}
	}
	ids, ok := v.known[kind]
	if !ok {
		st := v.st
		switch kind {
		case EntityAccountType:
			ids = stringKeys(st.accountTypes)
		case EntityPermission:
			ids = stringKeys(st.permissions)
		case EntityRole:
			ids = stringKeys(st.roles)
		case EntityGroup:
			ids = stringKeys(st.groups)
		case EntityWorkgroup:
			ids = stringKeys(st.workgroups)
		case EntityUser:
			ids = stringKeys(st.users)
		case wildcardPatterns:
			ids = catalogPatterns(st.permissions)
		}
		v.known[kind] = ids
	}
	// An id whose length differs by more than a third is too far to be
	// suggested (the distance is at least the difference): skip it
	// without measuring.
	var close []string
	for _, k := range ids {
		if diff := len(k) - len(id); diff*3 <= max(len(k), len(id)) && -diff*3 <= max(len(k), len(id)) {
			close = append(close, k)
		}
	}
	out := didYouMean(id, close)
	v.suggested[entityRef{kind, id}] = out
	return out
}

// wildcardPatterns stands for the wildcards that match catalogued
// names, for near.
const wildcardPatterns EntityKind = "wildcard"

// catalogPatterns lists every wildcard that matches a catalogued name
// ("client.*" for client.merge), sorted, or nil when there are too many.
func catalogPatterns(catalog map[Permission]PermissionDef) []string {
	seen := map[string]bool{}
	for name := range catalog {
		for i := range len(name) {
			if name[i] == '.' {
				seen[string(name[:i+1])+"*"] = true
			}
		}
	}
	return stringKeys(seen)
}

// stringKeys returns m's keys as sorted strings, or nil when they are
// more than maxSuggestIDs.
func stringKeys[K ~string, V any](m map[K]V) []string {
	if len(m) > maxSuggestIDs {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}

// addAt is add for a problem with one value of a field (a role in
// contains): the error points at that entry's line when it is known.
func (v *validator) addAt(sentinel error, kind EntityKind, key, field, value, format string, args ...any) {
	v.add(sentinel, kind, key, format, args...)
	if v.ref != nil {
		if w := v.ref(kind, key, field, value); w != "" {
			v.errs[len(v.errs)-1].(*Error).Where = w
		}
	}
}

func (v *validator) add(sentinel error, kind EntityKind, key, format string, args ...any) {
	e := &Error{Op: "validate", Kind: kind, ID: key, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	if v.where != nil {
		e.Where = v.where(kind, key)
	}
	v.errs = append(v.errs, e)
}

// validate checks the whole state; where gives source positions (may be
// nil). It walks every graph iteratively.
func (st *state) validate(where func(EntityKind, string) string) []error {
	return st.validateAt(where, nil)
}

// validateAt is validate with the positions of references too (see
// Policy.whereRef); ref may be nil.
func (st *state) validateAt(where func(EntityKind, string) string, ref func(EntityKind, string, string, string) string) []error {
	v := &validator{st: st, where: where, ref: ref}
	v.accountTypes()
	v.permissions()
	v.roles()
	v.groups()
	v.workgroups()
	v.users()
	v.constraints()
	v.approvals()
	v.campaigns()
	v.kinds()
	v.ownership()
	v.elevations()
	return v.errs
}

func (v *validator) id(kind EntityKind, key, what, id string) bool {
	if err := checkID(id); err != nil {
		v.add(ErrInvalid, kind, key, "%s: %v", what, err)
		return false
	}
	return true
}

// typesDeclared reports whether the policy declares account types.
func (v *validator) typesDeclared() bool { return len(v.st.accountTypes) > 0 }

// accountType checks a reference to an account type.
func (v *validator) accountType(kind EntityKind, key string, t AccountType) {
	if t == "" {
		return
	}
	if !v.typesDeclared() {
		v.add(ErrInvalid, kind, key, "account type %q is set but the policy declares no account types", t)
		return
	}
	if _, ok := v.st.accountTypes[t]; !ok {
		v.add(ErrNotFound, kind, key, "unknown account type %q%s", t, v.near(EntityAccountType, string(t)))
	}
}

// openTo reports whether role r may be held by users of type t ("" for a
// group or user without a type: the role must be open to every type).
func (v *validator) openTo(r Role, t AccountType) bool {
	if t == "" {
		return len(r.AccountTypes) == 0
	}
	return r.allows(t)
}

func (v *validator) accountTypes() {
	for _, id := range sortedKeys(v.st.accountTypes) {
		at := v.st.accountTypes[id]
		v.id(EntityAccountType, string(id), "id", string(id))
		for _, r := range at.DefaultRoles {
			role, ok := v.st.roles[r]
			switch {
			case !ok:
				v.addAt(ErrNotFound, EntityAccountType, string(id), "default_roles", string(r), "default role %q does not exist%s", r, v.near(EntityRole, string(r)))
			case !role.allows(id):
				v.add(ErrInvalid, EntityAccountType, string(id), "default role %q is closed to account type %q (it allows %s)", r, id, joinIDs(role.AccountTypes))
			}
		}
	}
}

func (v *validator) catalogued(p Permission) bool {
	if len(v.st.permissions) == 0 || strings.HasPrefix(string(p), BuiltinPermissionPrefix) {
		return true
	}
	_, ok := v.st.permissions[p]
	return ok
}

func (v *validator) permissions() {
	for _, name := range sortedKeys(v.st.permissions) {
		d := v.st.permissions[name]
		if err := checkPermission(name); err != nil {
			v.add(ErrInvalid, EntityPermission, string(name), "%v", err)
		}
		for _, q := range d.Requires {
			switch {
			case q == name:
				v.add(ErrInvalid, EntityPermission, string(name), "requires itself")
			case checkPermission(q) != nil:
				v.add(ErrInvalid, EntityPermission, string(name), "requires %v", checkPermission(q))
			case !v.catalogued(q):
				v.add(ErrNotFound, EntityPermission, string(name), "requires %q, which is not in the catalogue%s", q, v.near(EntityPermission, string(q)))
			}
		}
	}
}

func (v *validator) roles() {
	st := v.st
	for _, id := range sortedKeys(st.roles) {
		r := st.roles[id]
		key := string(id)
		v.id(EntityRole, key, "id", key)
		for _, t := range r.AccountTypes {
			if !v.typesDeclared() {
				v.add(ErrInvalid, EntityRole, key, "account type %q is set but the policy declares no account types", t)
			} else if _, ok := st.accountTypes[t]; !ok {
				v.addAt(ErrNotFound, EntityRole, key, "account_types", string(t), "unknown account type %q%s", t, v.near(EntityAccountType, string(t)))
			}
		}
		for _, c := range r.Contains {
			inner, ok := st.roles[c]
			switch {
			case c == id:
				v.addAt(ErrCycle, EntityRole, key, "contains", string(c), "contains itself")
			case !ok:
				v.addAt(ErrNotFound, EntityRole, key, "contains", string(c), "contains %q, which does not exist%s", c, v.near(EntityRole, string(c)))
			default:
				v.containedTypes(r, inner)
			}
		}
		v.grants(key, r)
	}
	v.roleCycles()
}

// grants checks a role's grants: well formed, with a scope, catalogued.
func (v *validator) grants(key string, r Role) {
	for _, g := range r.Grants {
		if err := checkGrantPermission(g.Permission); err != nil {
			v.add(ErrInvalid, EntityRole, key, "grant %q: %v", g.Permission, err)
			continue
		}
		if g.Scope < ScopeMine || g.Scope > ScopeAll {
			v.add(ErrInvalid, EntityRole, key, "grant %q has no valid scope", g.Permission)
		}
		v.grantCatalogued(key, g.Permission)
	}
}

// grantsOnly reports whether c replaces an existing role changing nothing
// but its grants, title and description: nothing else can refer to a
// grant, so only the role's grants need validating.
func grantsOnly(c Change) bool {
	was, ok1 := c.Before.(Role)
	now, ok2 := c.After.(Role)
	return ok1 && ok2 && !c.Cascade && slices.Equal(was.Contains, now.Contains) && slices.Equal(was.AccountTypes, now.AccountTypes)
}

// containedTypes checks that a contained role allows every account type
// its container allows.
func (v *validator) containedTypes(outer, inner Role) {
	if len(inner.AccountTypes) == 0 {
		return
	}
	types := outer.AccountTypes
	if len(types) == 0 {
		types = sortedKeys(v.st.accountTypes)
		if len(types) == 0 {
			return
		}
	}
	for _, t := range types {
		if !inner.allows(t) {
			v.add(ErrInvalid, EntityRole, string(outer.ID), "contains %q, which is closed to account type %q that %q allows", inner.ID, t, outer.ID)
			return
		}
	}
}

func (v *validator) grantCatalogued(role string, p Permission) {
	if len(v.st.permissions) == 0 || p == "*" || strings.HasPrefix(string(p), BuiltinPermissionPrefix) {
		return
	}
	if p.IsWildcard() {
		for name := range v.st.permissions {
			if p.Matches(name) {
				return
			}
		}
		v.add(ErrNotFound, EntityRole, role, "grant %q matches no catalogued permission%s", p, v.near(wildcardPatterns, string(p)))
		return
	}
	if _, ok := v.st.permissions[p]; !ok {
		v.add(ErrNotFound, EntityRole, role, "grant %q is not in the permission catalogue%s", p, v.near(EntityPermission, string(p)))
	}
}

// roleCycles reports each containment cycle once, with its path. Nodes
// that Kahn's algorithm cannot order lie on or behind a cycle.
func (v *validator) roleCycles() {
	st := v.st
	ids := sortedKeys(st.roles)
	idx := make(map[RoleID]int, len(ids))
	for i, id := range ids {
		idx[id] = i
	}
	edges := make([][]int, len(ids))
	pending := make([]int, len(ids))
	parents := make([][]int, len(ids))
	for i, id := range ids {
		for _, c := range st.roles[id].Contains {
			if j, ok := idx[c]; ok && j != i {
				edges[i] = append(edges[i], j)
				parents[j] = append(parents[j], i)
				pending[i]++
			}
		}
	}
	var ready []int
	for i := range ids {
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	done := make([]bool, len(ids))
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		done[i] = true
		for _, p := range parents[i] {
			if pending[p]--; pending[p] == 0 {
				ready = append(ready, p)
			}
		}
	}
	reported := make([]bool, len(ids))
	for start := range ids {
		if done[start] || reported[start] {
			continue
		}
		// Follow edges into unfinished nodes until one repeats: that loop
		// is a cycle.
		pos := map[int]int{}
		var path []int
		at := start
		for {
			if p, seen := pos[at]; seen {
				path = path[p:]
				break
			}
			pos[at] = len(path)
			path = append(path, at)
			next := -1
			for _, c := range edges[at] {
				if !done[c] {
					next = c
					break
				}
			}
			at = next
		}
		names := make([]string, 0, len(path)+1)
		first := path[0]
		for _, n := range path {
			reported[n] = true
			if ids[n] < ids[first] {
				first = n
			}
		}
		// Start the printed cycle at its smallest id, for stable messages.
		k := slices.Index(path, first)
		for i := 0; i < len(path); i++ {
			names = append(names, string(ids[path[(k+i)%len(path)]]))
		}
		names = append(names, string(ids[first]))
		v.add(ErrCycle, EntityRole, string(ids[first]), "containment cycle %s", strings.Join(names, " → "))
		// Nodes merely behind this cycle are reported through it.
		for _, n := range path {
			done[n] = true
		}
		v.markBehind(done, parents, path)
	}
}

// markBehind marks as done every node that reaches the given ones, so that
// a role containing a cycle is not reported as a cycle of its own.
func (v *validator) markBehind(done []bool, parents [][]int, from []int) {
	stack := append([]int(nil), from...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range parents[n] {
			if !done[p] {
				done[p] = true
				stack = append(stack, p)
			}
		}
	}
}

func (v *validator) groups() {
	st := v.st
	names := map[string]GroupID{}
	for _, id := range sortedKeys(st.groups) {
		g := st.groups[id]
		key := string(id)
		v.id(EntityGroup, key, "id", key)
		if strings.TrimSpace(g.Name) == "" {
			v.add(ErrInvalid, EntityGroup, key, "name is empty")
		} else if other, dup := names[strings.ToLower(g.Name)]; dup {
			v.add(ErrExists, EntityGroup, key, "name %q is already used by group %q (names are compared case-insensitively)", g.Name, other)
		} else {
			names[strings.ToLower(g.Name)] = id
		}
		v.accountType(EntityGroup, key, g.AccountType)
		seen := map[RoleID]bool{}
		for _, r := range g.Roles {
			role, ok := st.roles[r]
			switch {
			case seen[r]:
				v.add(ErrExists, EntityGroup, key, "role %q is listed twice", r)
			case !ok:
				v.addAt(ErrNotFound, EntityGroup, key, "roles", string(r), "role %q does not exist%s", r, v.near(EntityRole, string(r)))
			case !v.openTo(role, g.AccountType):
				v.add(ErrInvalid, EntityGroup, key, "role %q is closed to the group's account type %s", r, typeName(g.AccountType))
			}
			seen[r] = true
		}
		for _, m := range g.Managers {
			if _, ok := st.users[m]; !ok {
				v.addAt(ErrNotFound, EntityGroup, key, "managers", string(m), "manager %q is not a user%s", m, v.near(EntityUser, string(m)))
			}
		}
	}
}

func typeName(t AccountType) string {
	if t == "" {
		return "(none: roles must be open to every type)"
	}
	return fmt.Sprintf("%q", t)
}

func (v *validator) workgroups() {
	st := v.st
	state := map[WorkgroupID]uint8{} // 1: on the current walk, 2: known acyclic
	for _, id := range sortedKeys(st.workgroups) {
		w := st.workgroups[id]
		key := string(id)
		v.id(EntityWorkgroup, key, "id", key)
		if w.Parent != "" {
			if _, ok := st.workgroups[w.Parent]; !ok {
				v.addAt(ErrNotFound, EntityWorkgroup, key, "parent", string(w.Parent), "parent %q does not exist%s", w.Parent, v.near(EntityWorkgroup, string(w.Parent)))
			} else if w.Parent == id {
				v.add(ErrCycle, EntityWorkgroup, key, "is its own parent")
			}
		}
		// Walk up the parents; meeting a node of this walk is a cycle.
		var walk []WorkgroupID
		at := id
		for at != "" && state[at] == 0 {
			state[at] = 1
			walk = append(walk, at)
			parent := st.workgroups[at].Parent
			if _, ok := st.workgroups[parent]; !ok || parent == at {
				break
			}
			at = parent
			if state[at] == 1 {
				i := slices.Index(walk, at)
				cycle := append(slices.Clone(walk[i:]), at)
				v.add(ErrCycle, EntityWorkgroup, string(at), "parent cycle %s", joinArrows(cycle))
				break
			}
		}
		for _, w := range walk {
			state[w] = 2
		}
	}
}

func joinArrows[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, " → ")
}

func (v *validator) users() {
	// Unordered (sorting 100,000 ids costs more than checking them); the
	// few errors are sorted instead.
	start := len(v.errs)
	v.roleTypes = v.st.roleTypes()
	defer func() { v.roleTypes = nil }()
	v.st.eachUser(v.user)
	sortByID(v.errs[start:])
}

// roleTypes returns each role's account types: a table a ninth the size
// of st.roles, for checking many users.
func (st *state) roleTypes() map[RoleID][]AccountType {
	m := make(map[RoleID][]AccountType, len(st.roles))
	for id, r := range st.roles {
		m[id] = r.AccountTypes
	}
	return m
}

// sortByID orders errors by the id they are about, keeping the order of
// each id's errors.
func sortByID(errs []error) {
	slices.SortStableFunc(errs, func(a, b error) int {
		return strings.Compare(a.(*Error).ID, b.(*Error).ID)
	})
}

// userValidator returns a validator that checks single users (user,
// userAt), as a load's workers do while users stream in, looking roles up
// in rt, the compiled table of st's roles; its errors are in errs.
func (st *state) userValidator(rt *roleTable) *validator {
	return &validator{st: st, rt: rt}
}

// role returns the account types of role r, and whether it exists.
func (v *validator) role(r RoleID) ([]AccountType, bool) {
	switch {
	case v.rt != nil:
		j, ok := v.rt.idx[r]
		if !ok {
			return nil, false
		}
		return v.rt.roles[j].AccountTypes, true
	case v.roleTypes != nil:
		types, ok := v.roleTypes[r] // all openTo reads
		return types, ok
	}
	role, ok := v.st.roles[r]
	return role.AccountTypes, ok
}

// validateStreamed is validate (without positions) for a state whose
// users were each checked by userValidator as they streamed in, with
// userErrs found: the rest is checked here, and userErrs take the users'
// place among the errors.
func (st *state) validateStreamed(userErrs []error) []error {
	v := &validator{st: st}
	v.accountTypes()
	v.permissions()
	v.roles()
	v.groups()
	v.workgroups()
	start := len(v.errs)
	v.errs = append(v.errs, userErrs...)
	sortByID(v.errs[start:])
	v.constraints()
	v.approvals()
	v.campaigns()
	v.kinds()
	v.ownership()
	v.elevations()
	return v.errs
}

func (v *validator) user(u *User) { v.userAt(u, -1) }

// userAt is user for a user whose first role is role0 of v.rt (found
// by the compile beside it), or -1 when it was not looked up.
func (v *validator) userAt(u *User, role0 int32) {
	st := v.st
	key := string(u.ID)
	if v.id(EntityUser, key, "id", key) && reservedUserID(u.ID) {
		v.add(ErrInvalid, EntityUser, key, "the id is reserved: no user may be %s or have an id starting %q", System, BuiltinPermissionPrefix)
	}
	if err := checkUserDetails(*u); err != nil {
		v.add(ErrInvalid, EntityUser, key, "%v", err)
	}
	v.accountType(EntityUser, key, u.AccountType)
	if u.Org != "" {
		v.id(EntityUser, key, "org", string(u.Org))
	}
	for i, r := range u.Roles {
		var role Role
		var ok bool
		if i == 0 && role0 >= 0 {
			ok = true
			if v.rt.typed.Has(int(role0)) { // else reading the role is a cache miss for nothing
				role.AccountTypes = v.rt.roles[role0].AccountTypes
			}
		} else {
			role.AccountTypes, ok = v.role(r)
		}
		switch {
		case slices.Contains(u.Roles[:i], r):
			v.add(ErrExists, EntityUser, key, "role %q is assigned twice", r)
		case !ok:
			v.addAt(ErrNotFound, EntityUser, key, "roles", string(r), "role %q does not exist%s", r, v.near(EntityRole, string(r)))
		case !v.openTo(role, u.AccountType):
			v.add(ErrInvalid, EntityUser, key, "role %q is closed to the user's account type %s", r, typeName(u.AccountType))
		}
	}
	for i, g := range u.Groups {
		group, ok := st.groups[g]
		switch {
		case slices.Contains(u.Groups[:i], g):
			v.add(ErrExists, EntityUser, key, "group %q is listed twice", g)
		case !ok:
			v.addAt(ErrNotFound, EntityUser, key, "groups", string(g), "group %q does not exist%s", g, v.near(EntityGroup, string(g)))
		case group.AccountType != "" && group.AccountType != u.AccountType:
			v.add(ErrInvalid, EntityUser, key, "may not join group %q: it is for account type %q, the user is %s", g, group.AccountType, typeName(u.AccountType))
		}
	}
	for _, w := range u.Workgroups {
		if _, ok := st.workgroups[w]; !ok {
			v.addAt(ErrNotFound, EntityUser, key, "workgroups", string(w), "workgroup %q does not exist%s", w, v.near(EntityWorkgroup, string(w)))
		}
	}
	for i, t := range u.Temporary {
		if err := checkTimed(t); err != nil {
			v.add(ErrInvalid, EntityUser, key, "temporary entry %d (%s) %v", i+1, t, err)
			continue
		}
		if t.Role != "" {
			var role Role
			var ok bool
			role.AccountTypes, ok = v.role(t.Role)
			switch {
			case !ok:
				v.addAt(ErrNotFound, EntityUser, key, "temporary", string(t.Role), "temporary role %q does not exist", t.Role)
			case !v.openTo(role, u.AccountType):
				v.add(ErrInvalid, EntityUser, key, "temporary role %q is closed to the user's account type %s", t.Role, typeName(u.AccountType))
			}
			continue
		}
		switch group, ok := st.groups[t.Group]; {
		case !ok:
			v.addAt(ErrNotFound, EntityUser, key, "temporary", string(t.Group), "temporary group %q does not exist", t.Group)
		case group.AccountType != "" && group.AccountType != u.AccountType:
			v.add(ErrInvalid, EntityUser, key, "may not join group %q for a time: it is for account type %q, the user is %s", t.Group, group.AccountType, typeName(u.AccountType))
		}
	}
}

// validateChanged checks a state after changes that touch only users,
// stored ownership and the grants of existing roles: those entities, and
// static separation of duty for those users, are all such changes can
// break (constraints and containment are about roles, not grants).
// Anything else is validated whole.
func (st *state) validateChanged(changes []Change) []error {
	for _, c := range changes {
		if c.Kind != EntityUser && c.Kind != EntityOwnership && !grantsOnly(c) {
			return st.validate(nil)
		}
	}
	v := &validator{st: st}
	var users []*User
	for _, c := range changes {
		switch c.Kind {
		case EntityRole:
			v.grants(c.Key, st.roles[RoleID(c.Key)])
		case EntityUser:
			if u, ok := st.users[UserID(c.Key)]; ok {
				v.user(u)
				users = append(users, u)
			}
		case EntityOwnership:
			if o, ok := st.ownerships[c.Key]; ok {
				v.ownershipEntry(c.Key, o)
			}
		}
	}
	var static []Constraint
	for _, name := range sortedKeys(st.constraints) {
		if c := st.constraints[name]; !c.Dynamic {
			static = append(static, c)
		}
	}
	for _, u := range users {
		for _, c := range static {
			v.checkStatic(u, c, st.authorizedByWalk(u))
		}
	}
	return v.errs
}

// authorizedByWalk returns the roles a user is authorized for, by an
// iterative walk over containment with a visited set.
func (st *state) authorizedByWalk(u *User) map[RoleID]bool {
	seen := map[RoleID]bool{}
	var stack []RoleID
	push := func(r RoleID) {
		if _, ok := st.roles[r]; ok && !seen[r] {
			seen[r] = true
			stack = append(stack, r)
		}
	}
	for _, r := range u.Roles {
		push(r)
	}
	for _, g := range u.Groups {
		for _, r := range st.groups[g].Roles {
			push(r)
		}
	}
	// A timed assignment counts whatever its window: a user may not hold
	// conflicting roles even for a week.
	for _, t := range u.Temporary {
		push(t.Role)
		for _, r := range st.groups[t.Group].Roles {
			push(r)
		}
	}
	if u.AccountType != "" {
		for _, r := range st.accountTypes[u.AccountType].DefaultRoles {
			push(r)
		}
	}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range st.roles[r].Contains {
			push(c)
		}
	}
	for r := range seen {
		if !st.roles[r].allows(u.AccountType) {
			delete(seen, r)
		}
	}
	return seen
}

// checkStatic reports a user authorized for more than Max of c's roles.
func (v *validator) checkStatic(u *User, c Constraint, authorized map[RoleID]bool) {
	var held []string
	for _, r := range c.Roles {
		if authorized[r] {
			held = append(held, string(r))
		}
	}
	if len(held) > c.Max {
		v.add(ErrSeparationOfDuty, EntityUser, string(u.ID), "is authorized for %s; constraint %q allows at most %d of them", strings.Join(held, ", "), c.Name, c.Max)
	}
}

func (v *validator) constraints() {
	st := v.st
	var static []Constraint
	for _, name := range sortedKeys(st.constraints) {
		c := st.constraints[name]
		v.id(EntityConstraint, name, "name", name)
		ok := true
		seen := map[RoleID]bool{}
		for _, r := range c.Roles {
			if _, exists := st.roles[r]; !exists {
				v.add(ErrNotFound, EntityConstraint, name, "role %q does not exist%s", r, v.near(EntityRole, string(r)))
				ok = false
			} else if seen[r] {
				v.add(ErrInvalid, EntityConstraint, name, "role %q is listed twice", r)
				ok = false
			}
			seen[r] = true
		}
		if len(c.Roles) < 2 {
			v.add(ErrInvalid, EntityConstraint, name, "needs at least two roles, has %d", len(c.Roles))
			ok = false
		}
		if c.Max < 1 || c.Max >= len(c.Roles) {
			v.add(ErrInvalid, EntityConstraint, name, "max is %d; it must be at least 1 and less than the number of roles (%d)", c.Max, len(c.Roles))
			ok = false
		}
		if ok && !c.Dynamic {
			static = append(static, c)
		}
	}
	if len(static) > 0 {
		v.staticSoD(static)
	}
}

// staticSoD checks that no user is authorized for more than Max of a
// static constraint's roles. Only the constrained roles matter, so each
// role's closure is cut down to the constrained roles it confers (most
// confer none), and a user costs a lookup per role held instead of a
// set of every role: 100,000 users of 10,000 roles took 165 ms and
// 140 MB more to validate with one constraint before.
func (v *validator) staticSoD(cons []Constraint) {
	st := v.st
	ids := sortedKeys(st.roles)
	idx := make(map[RoleID]int32, len(ids))
	for i, id := range ids {
		idx[id] = int32(i)
	}
	edges := make([][]int32, len(ids))
	for i, id := range ids {
		for _, c := range st.roles[id].Contains {
			if j, ok := idx[c]; ok {
				edges[i] = append(edges[i], j)
			}
		}
	}
	closure, err := compile.Closure(len(ids), edges)
	if err != nil {
		return // cycles are reported already; authorization is undefined
	}
	// The constrained roles, numbered; confers[r]: those holding r confers.
	var constrained []RoleID
	number := map[RoleID]int{}
	for _, c := range cons {
		for _, r := range c.Roles {
			if _, ok := number[r]; !ok {
				number[r] = len(constrained)
				constrained = append(constrained, r)
			}
		}
	}
	confers := map[RoleID]compile.Bits{}
	for i, id := range ids {
		var b compile.Bits
		for k, r := range constrained {
			if closure[i].Has(int(idx[r])) {
				if b == nil {
					b = compile.NewBits(len(constrained))
				}
				b.Set(k)
			}
		}
		if b != nil {
			confers[id] = b
		}
	}
	held := compile.NewBits(len(constrained))
	start := len(v.errs)
	v.st.eachUser(func(u *User) {
		held.Reset()
		hit := false
		add := func(r RoleID) {
			if b, ok := confers[r]; ok {
				held.Or(b)
				hit = true
			}
		}
		for _, r := range u.Roles {
			add(r)
		}
		for _, g := range u.Groups {
			for _, r := range st.groups[g].Roles {
				add(r)
			}
		}
		for _, t := range u.Temporary { // whatever the window, as authorizedByWalk
			add(t.Role)
			for _, r := range st.groups[t.Group].Roles {
				add(r)
			}
		}
		if u.AccountType != "" {
			for _, r := range st.accountTypes[u.AccountType].DefaultRoles {
				add(r)
			}
		}
		if !hit {
			return
		}
		authorized := map[RoleID]bool{}
		held.Each(func(k int) {
			if r := constrained[k]; st.roles[r].allows(u.AccountType) {
				authorized[r] = true
			}
		})
		for _, c := range cons {
			v.checkStatic(u, c, authorized)
		}
	})
	sortByID(v.errs[start:]) // users come unordered
}

func (v *validator) ownership() {
	st := v.st
	for _, kind := range sortedKeys(st.ownershipRules) {
		r := st.ownershipRules[kind]
		if err := checkKind(kind); err != nil {
			v.add(ErrInvalid, EntityOwnershipRule, kind, "%v", err)
		}
		v.declaredKind(EntityOwnershipRule, kind, kind)
		if err := checkPermission(r.Bypass); err != nil {
			v.add(ErrInvalid, EntityOwnershipRule, kind, "bypass: %v", err)
		} else if !v.catalogued(r.Bypass) {
			v.add(ErrNotFound, EntityOwnershipRule, kind, "bypass %q is not in the permission catalogue%s", r.Bypass, v.near(EntityPermission, string(r.Bypass)))
		}
		if r.Create == "" {
			continue
		}
		if err := checkPermission(r.Create); err != nil {
			v.add(ErrInvalid, EntityOwnershipRule, kind, "create: %v", err)
		} else if !v.catalogued(r.Create) {
			v.add(ErrNotFound, EntityOwnershipRule, kind, "create permission %q is not in the permission catalogue%s", r.Create, v.near(EntityPermission, string(r.Create)))
		}
	}
	for _, key := range sortedKeys(st.ownerships) {
		v.ownershipEntry(key, st.ownerships[key])
	}
}

func (v *validator) ownershipEntry(key string, o Ownership) {
	if err := checkKey(EntityOwnership, key); err != nil {
		v.add(ErrInvalid, EntityOwnership, key, "%v", err)
	} else {
		v.declaredKind(EntityOwnership, key, o.Kind)
	}
	for _, org := range o.Owners {
		v.id(EntityOwnership, key, "owner", string(org))
	}
}

func (v *validator) kinds() {
	for _, name := range sortedKeys(v.st.kinds) {
		if err := checkKind(name); err != nil {
			v.add(ErrInvalid, EntityResourceKind, name, "%v", err)
		}
	}
}

// declaredKind checks that kind is declared, when the policy declares kinds.
func (v *validator) declaredKind(entity EntityKind, key, kind string) {
	if len(v.st.kinds) == 0 {
		return
	}
	if _, ok := v.st.kinds[kind]; !ok {
		v.add(ErrNotFound, entity, key, "resource kind %s is not declared under kinds%s", quoteShort(kind), didYouMean(kind, sortedKeys(v.st.kinds)))
	}
}

// knownReasons are the reasons a test may expect.
var knownReasons = []Reason{ReasonGranted, ReasonNoGrant, ReasonOutOfScope, ReasonNotOwner, ReasonUnknownUser,
	ReasonDisabled, ReasonRoleNotHeld, ReasonSeparationOfDuty, ReasonMissingPrerequisite, ReasonInvalidRequest}

// validateTests checks that every test names things the policy has: a
// test about a misspelt user or permission would otherwise pass as a
// denial and prove nothing. A test that expects the very reason an unknown
// name produces (unknown_user, role_not_held, invalid_request) is meant
// and allowed.
func (p *Policy) validateTests() []error {
	if len(p.Tests) == 0 {
		return nil
	}
	users := make(map[UserID]bool, len(p.Users))
	for _, u := range p.Users {
		users[u.ID] = true
	}
	roles := make(map[RoleID]bool, len(p.Roles))
	var granted []Permission
	for _, r := range p.Roles {
		roles[r.ID] = true
		for _, g := range r.Grants {
			granted = append(granted, g.Permission)
		}
	}
	catalogue := make(map[Permission]bool, len(p.Permissions))
	for _, d := range p.Permissions {
		catalogue[d.Name] = true
	}
	workgroups := make(map[WorkgroupID]bool, len(p.Workgroups))
	for _, w := range p.Workgroups {
		workgroups[w.ID] = true
	}
	var errs []error
	for i, t := range p.Tests {
		name := t.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		bad := func(format string, args ...any) {
			errs = append(errs, &Error{Op: "validate", Where: t.Where, Msg: fmt.Sprintf("test %q: ", name) + fmt.Sprintf(format, args...), Err: ErrInvalid})
		}
		expects := func(r Reason) bool { return t.Expect.Reason == r }
		req := t.Request
		if t.Expect.Reason != "" && !slices.Contains(knownReasons, t.Expect.Reason) {
			bad("expects unknown reason %q", t.Expect.Reason)
		}
		if t.Expect.Allowed && t.Expect.Reason != "" && t.Expect.Reason != ReasonGranted {
			bad("expects allowed with reason %q; an allowed decision's reason is granted", t.Expect.Reason)
		}
		if !t.Expect.Allowed && t.Expect.Scope != ScopeNone {
			bad("expects a denial with scope %s; a denial has no scope", t.Expect.Scope)
		}
		switch {
		case req.Principal != nil:
			// A principal is checked against the policy when the test
			// runs: what it names that the policy lacks is invalid_request.
		case req.User == "" && !expects(ReasonInvalidRequest) && !expects(ReasonUnknownUser):
			bad("the request names no user")
		case req.User != "" && !users[req.User] && !expects(ReasonUnknownUser):
			bad("unknown user %q%s (a test of an unknown user expects reason unknown_user)", req.User, suggest(string(req.User), keysOf(users)))
		}
		for _, r := range req.ActiveRoles {
			if !roles[r] && !expects(ReasonRoleNotHeld) {
				bad("unknown active role %q%s", r, suggest(string(r), keysOf(roles)))
			}
		}
		perm := req.Permission
		switch {
		case expects(ReasonInvalidRequest):
		case perm == "":
			bad("the request names no permission")
		case perm.IsWildcard():
			bad("permission %q is a wildcard; a request names one permission (a test of that expects reason invalid_request)", perm)
		case strings.HasPrefix(string(perm), BuiltinPermissionPrefix):
		case len(catalogue) > 0 && !catalogue[perm]:
			bad("permission %q is not in the catalogue%s", perm, suggest(string(perm), keysOf(catalogue)))
		case len(catalogue) == 0 && !expects(ReasonNoGrant) && !slices.ContainsFunc(granted, func(g Permission) bool { return g.Matches(perm) }):
			names := map[Permission]bool{}
			for _, g := range granted {
				names[g] = true
			}
			bad("permission %q is granted by no role%s (a test that nobody holds it expects reason no_grant)", perm, suggest(string(perm), keysOf(names)))
		}
		if res := req.Resource; res != nil {
			if kinds := p.declaredKinds(); kinds != nil && !kinds[res.Kind] && !expects(ReasonInvalidRequest) {
				bad("unknown resource kind %q%s (a test of an undeclared kind expects reason invalid_request)", res.Kind, suggest(res.Kind, keysOf(kinds)))
			}
			for _, w := range res.Workgroups {
				if !workgroups[w] {
					bad("unknown workgroup %q in the resource%s", w, suggest(string(w), keysOf(workgroups)))
				}
			}
			// Assignees are not checked: "assigned to someone else" is a
			// common test and need not name a user of the policy.
		}
	}
	return errs
}

// declaredKinds returns the resource kinds the policy declares, or nil
// when it declares none (then any kind may be asked about).
func (p *Policy) declaredKinds() map[string]bool {
	if len(p.Kinds) == 0 {
		return nil
	}
	out := make(map[string]bool, len(p.Kinds))
	for _, k := range p.Kinds {
		out[k.Name] = true
	}
	return out
}

func keysOf[K ~string](m map[K]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}

// suggest returns `; did you mean "x"?` when a known name is close to s.
func suggest(s string, known []string) string {
	best, bestDist := "", min(len(s)/3+1, 3)
	if len(known) > 10000 {
		return "" // not worth seconds of edit distances
	}
	for _, k := range known {
		if d := editDistance(s, k); d > 0 && d <= bestDist && (best == "" || d < editDistance(s, best)) {
			best = k
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}
