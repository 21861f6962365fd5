package rbac

import (
	"hash/maphash"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	profiles *profileCache       // authorized role set → profile
	bySource map[string]*profile // encoded source key → profile

	// Scratch space reused by every user, so that a user whose sources
	// were seen before costs no allocation.
	keyBuf []byte
	set    compile.Bits

	// at is the instant records' profiles hold at; next the first bound
	// of a timed assignment after it (zero: none) among the users filled.
	at, next time.Time
	// instant is when authorized counts timed assignments as held.
	instant time.Time

	// The last account type defaultRoles was asked about, and its answer.
	lastType         AccountType
	typeSeen         bool
	lastTypeDefaults bool
}

// compileFull compiles the whole state. Everything a check or a review
// function needs is built here (or by compileIncremental), never on first
// use: a fresh snapshot answers its first request as cheaply as its
// millionth.
func compileFull(st *state) (*compiler, *Snapshot, error) {
	return compileFullWith(st, nil, nil)
}

// compileFullWith is compileFull with the tables compiled already, or
// being compiled, by early, and the users compiled while they streamed in
// by streamed (either may be nil: the work is done now). Users are
// compiled on every core (compileUsers), while another goroutine builds
// the snapshot's user table and member index, which need no roles.
func compileFullWith(st *state, early *pendingTables, streamed *streamedUsers) (*compiler, *Snapshot, error) {
	users := st.userList()
	if streamed != nil {
		streamed.wait()
		if streamed.c != nil && streamed.n == len(users) {
			return streamed.snapshot(st, users)
		}
		// The tables failed (early says why), or the list is not what
		// was streamed: compile here.
	}
	recs := make([]userRec, len(users)) // one slab instead of an allocation per user
	byID := make(map[string]*userRec, len(users))
	var members *memberIndex
	var indexed sync.WaitGroup
	indexed.Add(1)
	go func() {
		defer indexed.Done()
		for i, u := range users {
			byID[string(u.ID)] = &recs[i]
		}
		members = newMemberIndex(eachOf(users))
	}()
	if early == nil {
		early = &pendingTables{}
		early.t, early.err = compileTables(st)
	} else {
		early.wait()
	}
	if early.err != nil {
		indexed.Wait()
		return nil, nil, early.err
	}
	c := newCompiler(early.t, st.now())
	c.compileRules(st)
	c.compileUsers(st, users, recs)
	indexed.Wait()
	return c, c.snapshot(st, byID, func(f func(*userRec)) {
		for i := range recs {
			f(&recs[i])
		}
	}, members), nil
}

// newCompiler returns a compiler of the users of a state whose tables are
// t. Its ownership rules are set by compileRules.
func newCompiler(t *tables, at time.Time) *compiler {
	return &compiler{roles: t.roles, wgs: t.wgs, src: t.src, profiles: t.roles.cache, bySource: map[string]*profile{}, set: compile.NewBits(len(t.roles.roles)), at: at}
}

// compileRules sets c's ownership rules, with st's stored owners.
func (c *compiler) compileRules(st *state) {
	owners := map[string]map[string][]OrgSlug{}
	for _, o := range st.ownerships {
		if owners[o.Kind] == nil {
			owners[o.Kind] = map[string][]OrgSlug{}
		}
		owners[o.Kind][o.ID] = o.Owners
	}
	rt := c.roles
	c.rules = make(map[string]*ownershipRule, len(rt.rules))
	for _, r := range rt.rules {
		r.owners = compile.NewOverlayMap(owners[r.kind])
		c.rules[r.kind] = &r
	}
}

// snapshot assembles the snapshot of st from its compiled users: byID,
// whose records each calls f with, and their member index.
func (c *compiler) snapshot(st *state, byID map[string]*userRec, each func(f func(*userRec)), members *memberIndex) *Snapshot {
	um := compile.NewOverlayMap(byID)
	ix := newReviewIndex(um, c.profiles.n, each, members)
	return &Snapshot{rev: st.rev, users: um, roles: c.roles, wgs: c.wgs, rules: c.rules, src: c.src, review: ix, principals: newPrincipalCache(),
		clock: st.clock, at: c.at, next: c.next}
}

// eachOf calls f with every user of users.
func eachOf(users []*User) func(f func(*User)) {
	return func(f func(*User)) {
		for _, u := range users {
			f(u)
		}
	}
}

// tables is what a compile derives from everything but users and stored
// ownership: the role table (closures, profiles of single roles), the
// workgroup forest and the sources explanations read.
type tables struct {
	roles *roleTable
	wgs   *workgroupTable
	src   *sources
}

// compileTables compiles the tables of st. It reads neither st.users nor
// st.ownerships, so that a load can run it while those still stream in.
func compileTables(st *state) (*tables, error) {
	rt, err := compileRoles(st)
	if err != nil {
		return nil, err
	}
	src := &sources{
		accountTypes: cloneMap(st.accountTypes),
		groups:       cloneMap(st.groups),
		workgroups:   cloneMap(st.workgroups),
		permissions:  cloneMap(st.permissions),
		elevations:   cloneMap(st.elevations),
	}
	src.constraints = sortedValues(st.constraints)
	src.kinds = sortedKeys(st.kinds)
	src.approvals = sortedValues(st.approvals)
	src.campaigns = sortedValues(st.campaigns)
	return &tables{roles: rt, wgs: compileWorkgroups(st), src: src}, nil
}

// compileUsers fills recs[i] with the compiled users[i]. A large state is
// shared out in batches to one worker per core, each with its own scratch
// space and source cache (merged into c's at the end) and the one profile
// cache, so that users with the same role set still share a profile.
func (c *compiler) compileUsers(st *state, users []*User, recs []userRec) {
	workers := min(runtime.GOMAXPROCS(0), maxCompileWorkers, len(users)/compileBatch)
	if workers <= 1 {
		var wgs []int32
		for i, u := range users {
			c.fillUser(st, u, &recs[i], &wgs)
		}
		return
	}
	var next atomic.Int64 // the first user of the next batch
	forks := make([]*compiler, workers)
	var done sync.WaitGroup
	for w := range forks {
		wc := c
		if w > 0 {
			wc = c.fork()
		}
		forks[w] = wc
		done.Add(1)
		go func() {
			defer done.Done()
			var wgs []int32
			for {
				lo := int(next.Add(compileBatch)) - compileBatch
				if lo >= len(users) {
					return
				}
				for i := lo; i < min(lo+compileBatch, len(users)); i++ {
					wc.fillUser(st, users[i], &recs[i], &wgs)
				}
			}
		}()
	}
	done.Wait()
	c.adoptSources(forks[1:])
}

// fork returns a compiler for another worker: c's tables, rules and
// profile cache, its own scratch space and source cache.
func (c *compiler) fork() *compiler {
	return &compiler{roles: c.roles, wgs: c.wgs, rules: c.rules, src: c.src, profiles: c.profiles,
		bySource: map[string]*profile{}, set: compile.NewBits(len(c.roles.roles)), at: c.at}
}

// adoptSources adds the source caches of forks to c's. Equal keys found
// the same profile: the profile cache is shared.
func (c *compiler) adoptSources(forks []*compiler) {
	for _, f := range forks {
		maps.Copy(c.bySource, f.bySource)
		c.next = earlier(c.next, f.next)
	}
}

// compileBatch is how many users a worker of compileUsers takes at a time:
// consecutive users, which are neighbours in memory after a load.
// maxCompileWorkers caps the workers: past a few, the profile cache's lock
// and the memory bus gain nothing.
const (
	compileBatch      = 1024
	maxCompileWorkers = 8
)

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
	// Users compiled now hold at now; prev's next bound stays (a passed
	// one is the follow loop's to act on, Authorizer.retime).
	c.at, c.next = st.now(), time.Time{}
	c.typeSeen = false // account types are st's now
	copiedRules := false
	for _, ch := range changes {
		switch ch.Kind {
		case EntityUser:
			if u, ok := st.users[UserID(ch.Key)]; ok {
				rec := &userRec{}
				c.fillUser(st, u, rec, nil)
				s.users = s.users.With(ch.Key, rec, false)
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
		}
	}
	s.next = earlier(s.next, c.next)
	// The review index covers the base of the user table and reads the
	// overlay as it goes; only a fold of the overlay into a new base (one
	// write in maxOverlay) rebuilds it.
	if !s.users.SameBase(prev.review.users) {
		s.review = newReviewIndex(s.users, c.profiles.n, func(f func(*userRec)) {
			s.users.RangeBase(func(_ string, rec *userRec) bool { f(rec); return true })
		}, nil)
	}
	return &s, true
}

// compileGrants derives a snapshot from prev for a change set that only
// changes the grants (title, description) of existing roles: containment,
// account types and everything else stay, so only the profiles of role
// sets holding a changed role are rebuilt, and only their users point to
// new records. It leaves c as it was and returns the compiler of the new
// snapshot; ok is false when the set is not of that sort.
func (c *compiler) compileGrants(st *state, prev *Snapshot, changes []Change) (*compiler, *Snapshot, bool) {
	old := prev.roles
	changed := compile.NewBits(len(old.roles))
	for _, ch := range changes {
		i, ok := old.idx[RoleID(ch.Key)]
		if ch.Kind != EntityRole || !grantsOnly(ch) || !ok {
			return nil, nil, false
		}
		changed.Set(int(i))
	}
	if len(changes) == 0 {
		return nil, nil, false
	}
	rt := *old
	rt.roles = slices.Clone(old.roles)
	rt.granting = old.granting.Clone()
	changed.Each(func(i int) {
		r := st.roles[old.roles[i].ID]
		rt.roles[i] = r
		if len(r.Grants) > 0 {
			rt.granting.Set(i)
		} else {
			rt.granting.Clear(i)
		}
	})
	// The new table's cache holds the unaffected profiles as they are and
	// the affected ones rebuilt, numbered after every old one.
	cache := &profileCache{seed: old.cache.seed, m: make(map[uint64][]*profile, len(old.cache.m)), n: old.cache.n}
	rebuilt := map[*profile]*profile{}
	for h, ps := range old.cache.m {
		out := make([]*profile, len(ps))
		for k, p := range ps {
			if intersects(p.roles, changed) {
				np := rt.buildProfile(p.roles)
				np.id = cache.n
				cache.n++
				rebuilt[p] = np
				p = np
			}
			out[k] = p
		}
		cache.m[h] = out
	}
	rt.cache = cache
	rt.single = slices.Clone(old.single)
	for i, p := range rt.single {
		if np, ok := rebuilt[p]; ok {
			rt.single[i] = np
		}
	}
	users := make(map[string]*userRec, prev.users.Len())
	prev.users.Range(func(id string, rec *userRec) bool {
		if np, ok := rebuilt[rec.prof]; ok {
			r := *rec
			r.prof = np
			rec = &r
		}
		if rec.timed != nil && slices.ContainsFunc(rec.timed.profs, func(p *profile) bool { return rebuilt[p] != nil }) {
			r := *rec
			t := *rec.timed // the bounds as they were, shared
			t.profs = slices.Clone(t.profs)
			for i, p := range t.profs {
				if np, ok := rebuilt[p]; ok {
					t.profs[i] = np
				}
			}
			r.timed = &t
			rec = &r
		}
		users[id] = rec
		return true
	})
	s := *prev
	s.rev = st.rev
	s.roles = &rt
	s.users = compile.NewOverlayMap(users)
	// The users are prev's, folded into one base: so is their member index.
	s.review = newReviewIndex(s.users, cache.n, func(f func(*userRec)) {
		for _, rec := range users {
			f(rec)
		}
	}, prev.review.memberIndex.folded(prev.users))
	nc := &compiler{roles: &rt, wgs: c.wgs, rules: c.rules, src: c.src, profiles: cache,
		bySource: map[string]*profile{}, set: compile.NewBits(len(rt.roles)), at: c.at}
	return nc, &s, true
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
	rt.granting = compile.NewBits(len(ids))
	for i := range rt.roles {
		if len(rt.roles[i].Grants) > 0 {
			rt.granting.Set(i)
		}
	}

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

	rt.typed = compile.NewBits(len(ids))
	for i := range rt.roles {
		if len(rt.roles[i].AccountTypes) > 0 {
			rt.typed.Set(i)
		}
	}
	// The roles open to every type, whether listed or not.
	open := rt.allowed[""].Clone()
	for _, b := range rt.allowed {
		open.And(b)
	}
	rt.sole = compile.NewBits(len(ids))
	for i := range rt.closure {
		if rt.closure[i].SubsetOf(open) {
			rt.sole.Set(i)
		}
	}

	rt.requires = map[Permission][]Permission{}
	for _, name := range sortedKeys(st.permissions) {
		rt.catalog = append(rt.catalog, name)
		if req := st.permissions[name].Requires; len(req) > 0 {
			rt.requires[name] = req
		}
	}
	if len(rt.catalog) > 0 {
		rt.known = make(map[Permission]struct{}, len(rt.catalog))
		for _, name := range rt.catalog {
			rt.known[name] = struct{}{}
		}
	}
	if len(st.kinds) > 0 {
		rt.kinds = make(map[string]struct{}, len(st.kinds))
		for name := range st.kinds {
			rt.kinds[name] = struct{}{}
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
		rule := st.ownershipRules[kind]
		rt.rules = append(rt.rules, ownershipRule{idx: i, kind: kind, bypass: rule.Bypass, create: rule.Create})
	}
	// The profile of each role's closure, for requests that name their
	// active roles. Built now rather than on first use, so that the first
	// such check allocates nothing; shared with users whose authorized set
	// is one role's closure.
	rt.cache = newProfileCache()
	rt.single = rt.singleProfiles()
	return rt, nil
}

// singleProfiles returns the profile of each role's closure, registered
// in rt.cache. They are built on every core, each a share of the roles,
// and registered in role order afterwards, so that profile ids and which
// of two equal closures' profiles is kept do not depend on scheduling.
func (rt *roleTable) singleProfiles() []*profile {
	n := len(rt.closure)
	built := make([]*profile, n)
	hashes := make([]uint64, n)
	share := func(w, workers int) {
		for i := w * n / workers; i < (w+1)*n/workers; i++ {
			set := rt.closure[i].Trim() // Closure trims: this is the set itself
			hashes[i] = set.Hash(rt.cache.seed)
			built[i] = rt.buildProfile(set)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), maxCompileWorkers, max(1, n/compileBatch))
	var done sync.WaitGroup
	for w := 1; w < workers; w++ {
		done.Add(1)
		go func() {
			defer done.Done()
			share(w, workers)
		}()
	}
	share(0, workers)
	done.Wait()
	for i, p := range built {
		built[i] = rt.cache.add(hashes[i], p)
	}
	return built
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

// fillUser compiles user u into rec, sharing profiles between users with
// the same sources and between sources with the same authorized roles.
// The user's interned workgroups are carved from *slab when slab is not
// nil. It returns the role-table index of the user's first role when it
// looked it up (soleRole), else -1.
func (c *compiler) fillUser(st *state, u *User, rec *userRec, slab *[]int32) (role0 int32) {
	rec.user, rec.disabled = u, u.Disabled
	if len(u.Workgroups) > 0 {
		var wgs []int32
		if slab != nil {
			if cap(*slab)-len(*slab) < len(u.Workgroups) {
				*slab = make([]int32, 0, max(4096, len(u.Workgroups)))
			}
			wgs = (*slab)[len(*slab):len(*slab)]
		}
		for _, w := range u.Workgroups {
			if j, ok := c.wgs.idx[w]; ok {
				wgs = append(wgs, j)
			}
		}
		if slab != nil {
			*slab = (*slab)[:len(*slab)+len(wgs)]
			wgs = wgs[:len(wgs):len(wgs)]
		}
		rec.wgs = wgs
	}
	if len(u.Temporary) > 0 {
		c.fillTimed(st, u, rec)
		return -1
	}
	role0 = -1
	if len(u.Roles) == 1 && len(u.Groups) == 0 && !c.defaultRoles(st, u.AccountType) {
		j, ok := c.roles.idx[u.Roles[0]]
		if ok && c.roles.sole.Has(int(j)) {
			// authorized would compute closure[j]: its profile is single[j].
			rec.prof = c.roles.single[j]
			return j
		}
		if ok {
			role0 = j
		}
	}
	key := c.sourceKey(u)
	if p, ok := c.bySource[string(key)]; ok { // no allocation: the compiler sees string(key) is only looked up
		rec.prof = p
		return role0
	}
	p := c.profiles.get(c.roles, c.authorized(st, u), false)
	c.bySource[string(key)] = p
	rec.prof = p
	return role0
}

// defaultRoles reports whether account type t gives its users default
// roles. Users of a load share a few types: the last answer is kept.
func (c *compiler) defaultRoles(st *state, t AccountType) bool {
	if t == "" {
		return false // authorized adds no defaults without a type
	}
	if !c.typeSeen || t != c.lastType {
		c.lastType, c.typeSeen = t, true
		c.lastTypeDefaults = len(st.accountTypes[t].DefaultRoles) > 0
	}
	return c.lastTypeDefaults
}

// sourceKey encodes what a user's authorized roles are computed from: the
// account type, the direct roles and the groups, as listed. Users listing
// the same roles in another order get another key and the same profile
// (profiles are shared by role set): resolving each id to sort them would
// cost a map lookup per id for every user. The result is only valid until
// the next call.
func (c *compiler) sourceKey(u *User) []byte {
	b := append(c.keyBuf[:0], u.AccountType...)
	b = append(b, 0) // ids never contain NUL
	for _, r := range u.Roles {
		b = append(b, r...)
		b = append(b, 0)
	}
	b = append(b, 0) // an empty id cannot be listed: this ends the roles
	for _, g := range u.Groups {
		b = append(b, g...)
		b = append(b, 0)
	}
	c.keyBuf = b
	return b
}

// authorized computes a user's authorized roles: the closure of direct,
// group and default roles, filtered by account type. The result is the
// compiler's scratch set, valid until the next call.
func (c *compiler) authorized(st *state, u *User) compile.Bits {
	rt := c.roles
	set := c.set
	set.Reset()
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
	for _, t := range u.Temporary {
		if t.HeldAt(c.instant) {
			add(t.Role)
			for _, r := range st.groups[t.Group].Roles {
				add(r)
			}
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

// profileCache finds the profile of an authorized role set, building it
// once. It is keyed by a hash of the set, so that it keeps no copy of
// each set as a string key. It is safe for the concurrent use of
// compileUsers' workers.
type profileCache struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64][]*profile
	n    int32 // profiles built: the next profile's id
}

func newProfileCache() *profileCache {
	return &profileCache{seed: maphash.MakeSeed(), m: map[uint64][]*profile{}}
}

// get returns the profile of set. A new profile keeps set itself if
// immutable is true (a role's closure), else a copy (the caller reuses
// its scratch set). A profile is built outside the lock; if two workers
// build the same one, the first to finish is kept and both use it.
func (pc *profileCache) get(rt *roleTable, set compile.Bits, immutable bool) *profile {
	set = set.Trim() // one form per set, and less memory
	h := set.Hash(pc.seed)
	pc.mu.Lock()
	p := pc.find(h, set)
	pc.mu.Unlock()
	if p != nil {
		return p
	}
	if !immutable {
		set = set.Clone()
	}
	return pc.add(h, rt.buildProfile(set))
}

// add returns the profile of built's role set, whose hash is h: one
// added before, or built, which it numbers and adds.
func (pc *profileCache) add(h uint64, built *profile) *profile {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p := pc.find(h, built.roles); p != nil {
		return p
	}
	built.id = pc.n
	pc.n++
	pc.m[h] = append(pc.m[h], built)
	return built
}

// find returns the profile of set, whose hash is h, or nil. The caller
// holds pc.mu.
func (pc *profileCache) find(h uint64, set compile.Bits) *profile {
	for _, p := range pc.m[h] {
		if p.roles.Equal(set) {
			return p
		}
	}
	return nil
}

// buildProfile compiles the permission table of an authorized role set.
func (rt *roleTable) buildProfile(set compile.Bits) *profile {
	// Sized for every grant (duplicates only over-size it): growing the
	// map was a tenth of a 100,000-profile compile.
	grants := 0
	set.EachAnd(rt.granting, func(i int) { grants += len(rt.roles[i].Grants) })
	p := &profile{roles: set, perms: make(map[Permission]permEntry, grants), sod: -1}
	// An entry's eff follows its held scopes as grants add to them; only
	// the entries with prerequisites are checked again at the end, once
	// every scope is known. (Ranging over the whole table to set eff, and
	// looking prerequisites up for every grant, was half of the cost.)
	var requiring []Permission
	set.EachAnd(rt.granting, func(i int) {
		for _, g := range rt.roles[i].Grants {
			bit := scopeBit(g.Scope)
			if g.Permission.IsWildcard() {
				if p.wild == nil {
					p.wild = map[string]uint8{}
				}
				p.wild[strings.TrimSuffix(string(g.Permission), "*")] |= bit
				continue
			}
			e, ok := p.perms[g.Permission]
			if !ok && len(rt.requires) > 0 {
				if _, e.requires = rt.requires[g.Permission]; e.requires {
					requiring = append(requiring, g.Permission)
				}
			}
			e.held |= bit
			e.eff = e.held
			p.perms[g.Permission] = e
		}
	})
	if len(p.wild) > 0 {
		for name, e := range p.perms {
			e.held |= p.wildcard(name)
			e.eff = e.held
			p.perms[name] = e
		}
		for _, name := range rt.catalog {
			if _, ok := p.perms[name]; !ok {
				if m := p.wildcard(name); m != 0 {
					_, req := rt.requires[name]
					p.perms[name] = permEntry{held: m, eff: m, requires: req}
					if req {
						requiring = append(requiring, name)
					}
				}
			}
		}
	}
	for _, name := range requiring {
		for _, q := range rt.requires[name] {
			if p.held(q) == 0 {
				e := p.perms[name]
				e.eff = 0
				p.perms[name] = e
				break
			}
		}
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

// singleProfile returns the profile of one role's closure (compiled with
// the role table). It holds grants only; prerequisites and constraints of
// an active-role request are evaluated over the whole active set.
func (rt *roleTable) singleProfile(i int32) *profile { return rt.single[i] }

// fillTimed compiles a user with timed assignments: a profile for each
// interval between the bounds of its windows, and as its own profile the
// one of the compile's instant.
func (c *compiler) fillTimed(st *state, u *User, rec *userRec) {
	t := newTimedProfiles(timedBounds(u.Temporary))
	t.profs = make([]*profile, len(t.bounds)+1)
	for i := range t.profs {
		c.instant = intervalInstant(t.bounds, i)
		t.profs[i] = c.profiles.get(c.roles, c.authorized(st, u), false)
	}
	c.instant = time.Time{}
	rec.timed = t
	rec.prof = t.at(c.at)
	c.next = earlier(c.next, t.nextAfter(c.at))
}
