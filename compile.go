package rbac

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/rolegraph/rbac/internal/compile"
)

// compiler turns a state into Snapshots. It keeps caches that only the
// writer touches (under the Authorizer's lock), so that a change to a few
// users compiles only those users.
type compiler struct {
	roles    *roleTable
	wgs      *workgroupTable
	rules    map[string]*ownershipRule
	src      *sources
	byKey    map[string]*profile // authorized role set → profile
	bySource map[string]*profile // account type + direct roles + groups → profile
}

// compileFull compiles the whole state.
func compileFull(st *state) (*compiler, *Snapshot, error) {
	c := &compiler{byKey: map[string]*profile{}, bySource: map[string]*profile{}}
	rt, err := compileRoles(st)
	if err != nil {
		return nil, nil, err
	}
	c.roles = rt
	c.wgs = compileWorkgroups(st)
	owners := map[string]map[string][]OrgSlug{}
	for _, o := range st.ownerships {
		if owners[o.Kind] == nil {
			owners[o.Kind] = map[string][]OrgSlug{}
		}
		owners[o.Kind][o.ID] = o.Owners
	}
	c.rules = make(map[string]*ownershipRule, len(rt.rules))
	for _, r := range rt.rules {
		r.owners = compile.NewOverlayMap(owners[r.kind])
		c.rules[r.kind] = &r
	}
	c.src = &sources{
		accountTypes: cloneMap(st.accountTypes),
		groups:       cloneMap(st.groups),
		workgroups:   cloneMap(st.workgroups),
		permissions:  cloneMap(st.permissions),
	}
	for _, k := range sortedKeys(st.constraints) {
		c.src.constraints = append(c.src.constraints, st.constraints[k])
	}
	users := make(map[string]*userRec, len(st.users))
	for id, u := range st.users {
		users[string(id)] = c.compileUser(st, u)
	}
	s := &Snapshot{rev: st.rev, users: compile.NewOverlayMap(users), roles: rt, wgs: c.wgs, rules: c.rules, src: c.src, review: &reviewIndex{}}
	return c, s, nil
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// compileIncremental derives a snapshot from prev for a change set that
// touches only users and stored ownership; ok is false when the set needs a
// full compile.
func (c *compiler) compileIncremental(st *state, prev *Snapshot, changes []Change) (*Snapshot, bool) {
	for _, ch := range changes {
		if ch.Kind != EntityUser && ch.Kind != EntityOwnership {
			return nil, false
		}
	}
	s := *prev
	s.rev = st.rev
	s.review = &reviewIndex{}
	copiedRules := false
	for _, ch := range changes {
		switch ch.Kind {
		case EntityUser:
			if u, ok := st.users[UserID(ch.Key)]; ok {
				s.users = s.users.With(ch.Key, c.compileUser(st, u), false)
			} else {
				s.users = s.users.With(ch.Key, nil, true)
			}
		case EntityOwnership:
			kind, id, _ := strings.Cut(ch.Key, "/")
			old, ok := s.rules[kind]
			if !ok {
				continue // no rule for the kind: stored owners are not consulted
			}
			if !copiedRules {
				s.rules = cloneMap(s.rules)
				copiedRules = true
			}
			rule := *old
			o, ok := st.ownerships[ch.Key]
			rule.owners = rule.owners.With(id, o.Owners, !ok)
			s.rules[kind] = &rule
			c.rules[kind] = &rule
		}
	}
	return &s, true
}

// compileRoles interns roles and computes their closures, and everything
// else profiles depend on.
func compileRoles(st *state) (*roleTable, error) {
	ids := sortedKeys(st.roles)
	rt := &roleTable{idx: make(map[RoleID]int32, len(ids)), roles: make([]Role, len(ids))}
	for i, id := range ids {
		rt.idx[id] = int32(i)
		rt.roles[i] = st.roles[id]
	}
	edges := make([][]int32, len(ids))
	for i, r := range rt.roles {
		for _, c := range r.Contains {
			j, ok := rt.idx[c]
			if !ok {
				return nil, errorf(ErrNotFound, "compile", EntityRole, string(r.ID), "contains unknown role %q", c)
			}
			edges[i] = append(edges[i], j)
		}
	}
	closure, err := compile.Closure(len(ids), edges)
	if err != nil {
		return nil, errorf(ErrCycle, "compile", EntityRole, "", "%v", err)
	}
	rt.closure = closure
	rt.single = make([]atomic.Pointer[profile], len(ids))

	// Roles open to each account type; "" stands for users without one.
	rt.allowed = map[AccountType]compile.Bits{}
	types := append([]AccountType{""}, sortedKeys(st.accountTypes)...)
	for _, t := range types {
		b := compile.NewBits(len(ids))
		for i := range rt.roles {
			if rt.roles[i].allows(t) {
				b.Set(i)
			}
		}
		rt.allowed[t] = b
	}

	rt.requires = map[Permission][]Permission{}
	for _, name := range sortedKeys(st.permissions) {
		rt.catalog = append(rt.catalog, name)
		if req := st.permissions[name].Requires; len(req) > 0 {
			rt.requires[name] = req
		}
	}
	for _, name := range sortedKeys(st.constraints) {
		con := st.constraints[name]
		if !con.Dynamic {
			continue
		}
		dc := dynamicConstraint{name: con.Name, max: con.Max}
		for _, r := range con.Roles {
			if j, ok := rt.idx[r]; ok {
				dc.roles = append(dc.roles, j)
			}
		}
		rt.dynamic = append(rt.dynamic, dc)
	}
	for i, kind := range sortedKeys(st.ownershipRules) {
		rt.rules = append(rt.rules, ownershipRule{idx: i, kind: kind, bypass: st.ownershipRules[kind].Bypass})
	}
	return rt, nil
}

// compileWorkgroups numbers the forest by an iterative depth-first walk.
func compileWorkgroups(st *state) *workgroupTable {
	ids := sortedKeys(st.workgroups)
	wt := &workgroupTable{idx: make(map[WorkgroupID]int32, len(ids)), ids: ids, pre: make([]int32, len(ids)), post: make([]int32, len(ids))}
	for i, id := range ids {
		wt.idx[id] = int32(i)
	}
	children := make([][]int32, len(ids))
	var roots []int32
	for i, id := range ids {
		p := st.workgroups[id].Parent
		if j, ok := wt.idx[p]; ok && p != "" {
			children[j] = append(children[j], int32(i))
		} else {
			roots = append(roots, int32(i))
		}
	}
	visited := make([]bool, len(ids))
	clock := int32(0)
	type frame struct {
		node int32
		next int
	}
	walk := func(root int32) {
		stack := []frame{{root, 0}}
		visited[root] = true
		wt.pre[root] = clock
		clock++
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < len(children[top.node]) {
				ch := children[top.node][top.next]
				top.next++
				if !visited[ch] {
					visited[ch] = true
					wt.pre[ch] = clock
					clock++
					stack = append(stack, frame{ch, 0})
				}
				continue
			}
			wt.post[top.node] = clock
			clock++
			stack = stack[:len(stack)-1]
		}
	}
	for _, r := range roots {
		walk(r)
	}
	// Nodes on a parent cycle (rejected by validation) get empty intervals.
	for i := range ids {
		if !visited[i] {
			wt.pre[i], wt.post[i] = -1, -2
		}
	}
	wt.byPre = make([]int32, 0, len(ids))
	for i := range ids {
		if visited[i] {
			wt.byPre = append(wt.byPre, int32(i))
		}
	}
	slices.SortFunc(wt.byPre, func(a, b int32) int { return int(wt.pre[a] - wt.pre[b]) })
	return wt
}

// contains reports whether workgroup anc is x or an ancestor of x.
func (wt *workgroupTable) contains(anc, x int32) bool {
	return wt.pre[anc] <= wt.pre[x] && wt.post[x] <= wt.post[anc]
}

// compileUser builds a user record, sharing profiles between users with
// the same sources and between sources with the same authorized roles.
func (c *compiler) compileUser(st *state, u User) *userRec {
	rec := &userRec{user: u}
	for _, w := range u.Workgroups {
		if j, ok := c.wgs.idx[w]; ok {
			rec.wgs = append(rec.wgs, j)
		}
	}
	key := sourceKey(st, u)
	if p, ok := c.bySource[key]; ok {
		rec.prof = p
		return rec
	}
	set := c.authorized(st, u)
	p, ok := c.byKey[set.Key()]
	if !ok {
		p = c.roles.buildProfile(set)
		c.byKey[set.Key()] = p
	}
	c.bySource[key] = p
	rec.prof = p
	return rec
}

// sourceKey identifies what a user's authorized roles are computed from.
func sourceKey(st *state, u User) string {
	var b strings.Builder
	b.WriteString(string(u.AccountType))
	b.WriteByte(0)
	roles := u.Roles
	if !slices.IsSorted(roles) {
		roles = slices.Sorted(slices.Values(roles))
	}
	for _, r := range roles {
		b.WriteString(string(r))
		b.WriteByte(1)
	}
	b.WriteByte(0)
	groups := u.Groups
	if !slices.IsSorted(groups) {
		groups = slices.Sorted(slices.Values(groups))
	}
	for _, g := range groups {
		if _, ok := st.groups[g]; ok {
			b.WriteString(string(g))
			b.WriteByte(1)
		}
	}
	return b.String()
}

// authorized computes a user's authorized roles: the closure of direct,
// group and default roles, filtered by account type.
func (c *compiler) authorized(st *state, u User) compile.Bits {
	rt := c.roles
	set := compile.NewBits(len(rt.roles))
	add := func(r RoleID) {
		if j, ok := rt.idx[r]; ok {
			set.Or(rt.closure[j])
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
	if at, ok := st.accountTypes[u.AccountType]; ok && u.AccountType != "" {
		for _, r := range at.DefaultRoles {
			add(r)
		}
	}
	if allowed, ok := rt.allowed[u.AccountType]; ok {
		set.And(allowed)
	} else {
		set.And(rt.allowed[""])
	}
	return set
}

// buildProfile compiles the permission table of an authorized role set.
func (rt *roleTable) buildProfile(set compile.Bits) *profile {
	p := &profile{roles: set, perms: map[Permission]permEntry{}, sod: -1}
	set.Each(func(i int) {
		for _, g := range rt.roles[i].Grants {
			bit := scopeBit(g.Scope)
			if g.Permission.IsWildcard() {
				if p.wild == nil {
					p.wild = map[string]uint8{}
				}
				p.wild[strings.TrimSuffix(string(g.Permission), "*")] |= bit
				continue
			}
			e := p.perms[g.Permission]
			e.held |= bit
			_, e.requires = rt.requires[g.Permission]
			p.perms[g.Permission] = e
		}
	})
	if len(p.wild) > 0 {
		for name, e := range p.perms {
			e.held |= p.wildcard(name)
			p.perms[name] = e
		}
		for _, name := range rt.catalog {
			if _, ok := p.perms[name]; !ok {
				if m := p.wildcard(name); m != 0 {
					_, req := rt.requires[name]
					p.perms[name] = permEntry{held: m, requires: req}
				}
			}
		}
	}
	for name, e := range p.perms {
		e.eff = e.held
		for _, q := range rt.requires[name] {
			if p.held(q) == 0 {
				e.eff = 0
				break
			}
		}
		p.perms[name] = e
	}
	for ci, dc := range rt.dynamic {
		n := 0
		for _, r := range dc.roles {
			if set.Has(int(r)) {
				n++
			}
		}
		if n > dc.max {
			p.sod = int32(ci)
			break
		}
	}
	if len(p.perms) <= maxSmall {
		p.small = make([]permKV, 0, len(p.perms))
		for name, e := range p.perms {
			p.small = append(p.small, permKV{name, e})
		}
	}
	p.bypass = compile.NewBits(len(rt.rules))
	for _, r := range rt.rules {
		if p.effective(r.bypass) != 0 {
			p.bypass.Set(r.idx)
		}
	}
	return p
}

// singleProfile returns the profile of one role's closure, compiling it on
// first use. It holds grants only; prerequisites and constraints of an
// active-role request are evaluated over the whole active set.
func (rt *roleTable) singleProfile(i int32) *profile {
	if p := rt.single[i].Load(); p != nil {
		return p
	}
	p := rt.buildProfile(rt.closure[i])
	if rt.single[i].CompareAndSwap(nil, p) {
		return p
	}
	return rt.single[i].Load()
}
