package rbac

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rolegraph/rbac/internal/compile"
)

// A principal is a user that the service vouches for (Request.Principal):
// an identity provider issued its roles, so it is not looked up in the
// store. What it claims is checked against the snapshot on every request;
// the expensive part — the authorized role set, its permission table and
// its static constraints — depends only on the account type, roles and
// groups, and is cached.

// principalSlots is the number of entries of a snapshot's principal
// cache. The cache is direct-mapped: a principal whose slot holds another
// one is compiled again (a few microseconds) and takes the slot over, so
// memory stays bounded whatever the tokens.
const principalSlots = 1024

// principalCache is a bounded, lock-free cache of principal profiles.
type principalCache struct {
	seed  uint64
	slots [principalSlots]atomic.Pointer[principalEntry]

	mu    sync.Mutex
	bySet map[string]*profile // authorized role set → profile, so equal sets share one
}

func newPrincipalCache() *principalCache {
	return &principalCache{seed: maphash.Comparable(maphash.MakeSeed(), 0), bySet: map[string]*profile{}}
}

// principalEntry is what a principal's account type, roles and groups
// compile to on one role table.
type principalEntry struct {
	roles  *roleTable
	src    *sources
	wgt    *workgroupTable
	at     AccountType
	ids    []RoleID
	groups []GroupID
	wgIDs  []WorkgroupID
	wgs    []int32 // wgIDs interned
	temp   []TimedAssignment
	timed  *timedProfiles // by interval, when the principal has timed assignments

	prof    *profile // nil when reason is set
	reason  Reason   // "" when valid, else invalid_request or separation_of_duty
	problem string   // why, for Explain
}

// key hashes the account type, roles, groups and workgroups cheaply: each
// id contributes its length and seven of its bytes, spread over it, with
// one multiply, seeded per cache. The hash only picks slots; an entry is
// used only if its claims are equal, so a collision costs a recompile,
// never a wrong answer (and the cache is two-way, so two colliding
// principals both stay).
func (c *principalCache) key(p *User) uint64 {
	h := c.seed
	h = mixID(h, string(p.AccountType))
	for _, r := range p.Roles {
		h = mixID(h, string(r))
	}
	h = mixID(h^1, "")
	for _, g := range p.Groups {
		h = mixID(h, string(g))
	}
	h = mixID(h^2, "")
	for _, w := range p.Workgroups {
		h = mixID(h, string(w))
	}
	for _, t := range p.Temporary {
		h = mixID(h^3, string(t.Role)+string(t.Group))
	}
	return h
}

func mixID(h uint64, s string) uint64 {
	n := len(s)
	x := uint64(n)
	if n > 0 {
		x |= uint64(s[0])<<8 | uint64(s[n/4])<<16 | uint64(s[n/3])<<24 | uint64(s[n/2])<<32 |
			uint64(s[2*n/3])<<40 | uint64(s[3*n/4])<<48 | uint64(s[n-1])<<56
	}
	h = (h ^ x) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}

func (e *principalEntry) matches(s *Snapshot, p *User) bool {
	return e.roles == s.roles && e.src == s.src && e.wgt == s.wgs && e.at == p.AccountType &&
		slices.Equal(e.ids, p.Roles) && slices.Equal(e.groups, p.Groups) && slices.Equal(e.wgIDs, p.Workgroups) &&
		slices.EqualFunc(e.temp, p.Temporary, TimedAssignment.equal)
}

// principalEntry returns the compiled form of p's account type, roles and
// groups, from the cache when it can.
func (s *Snapshot) principalEntry(p *User) *principalEntry {
	c := s.principals
	if c == nil {
		return s.compilePrincipal(p, nil)
	}
	h := c.key(p)
	i := h % principalSlots
	a, b := &c.slots[i], &c.slots[i^1]
	if e := a.Load(); e != nil && e.matches(s, p) {
		return e
	}
	if e := b.Load(); e != nil && e.matches(s, p) {
		return e
	}
	e := s.compilePrincipal(p, c)
	// Fill an empty way, else replace one chosen by the hash.
	switch {
	case a.Load() == nil:
		a.Store(e)
	case b.Load() == nil:
		b.Store(e)
	case h>>40&1 == 0:
		a.Store(e)
	default:
		b.Store(e)
	}
	return e
}

// resolvePrincipal checks p against the snapshot and fills rec with its
// record, which then points to p. It returns "" when p may be decided on,
// else the reason to deny. It keeps no other pointer to rec or p.
func (s *Snapshot) resolvePrincipal(p *User, rec *userRec) Reason {
	if !validIDBytes(string(p.ID)) || (p.Org != "" && !validIDBytes(string(p.Org))) {
		return ReasonInvalidRequest
	}
	e := s.principalEntry(p)
	if e.reason != "" {
		return e.reason
	}
	rec.user, rec.disabled = p, p.Disabled
	rec.prof = e.prof
	rec.wgs = e.wgs
	if e.timed != nil {
		rec.prof = s.timedAt(e.timed)
	}
	return ""
}

// principalRecord returns p's record, or why p is refused (Explain and
// the review functions; allocates).
func (s *Snapshot) principalRecord(p *User) (*userRec, Reason, string) {
	if s == nil {
		return nil, ReasonInvalidRequest, "no snapshot"
	}
	if err := checkID(string(p.ID)); err != nil {
		return nil, ReasonInvalidRequest, fmt.Sprintf("principal id: %v", err)
	}
	if p.Org != "" {
		if err := checkID(string(p.Org)); err != nil {
			return nil, ReasonInvalidRequest, fmt.Sprintf("principal %s: org: %v", p.ID, err)
		}
	}
	e := s.principalEntry(p)
	if e.reason != "" {
		return nil, e.reason, fmt.Sprintf("principal %s: %s", p.ID, e.problem)
	}
	u := p.Clone()
	rec := &userRec{user: &u, prof: e.prof, wgs: e.wgs, timed: e.timed, disabled: u.Disabled}
	if e.timed != nil {
		rec.prof = e.timed.at(s.now())
	}
	return rec, "", ""
}

// compilePrincipal validates an account type, roles, groups and
// workgroups as the validator validates a stored user, and compiles their
// profile.
func (s *Snapshot) compilePrincipal(p *User, c *principalCache) *principalEntry {
	e := &principalEntry{roles: s.roles, src: s.src, wgt: s.wgs, at: p.AccountType, ids: slices.Clone(p.Roles), groups: slices.Clone(p.Groups), wgIDs: slices.Clone(p.Workgroups), temp: slices.Clone(p.Temporary)}
	invalid := func(format string, args ...any) *principalEntry {
		e.reason, e.problem = ReasonInvalidRequest, fmt.Sprintf(format, args...)
		return e
	}
	rt, src := s.roles, s.src
	at := p.AccountType
	var atDef AccountTypeDef
	if at != "" {
		if len(src.accountTypes) == 0 {
			return invalid("account type %s is set but the policy declares no account types", quoteShort(string(at)))
		}
		def, ok := src.accountTypes[at]
		if !ok {
			return invalid("unknown account type %s%s", quoteShort(string(at)), didYouMean(at, sortedKeys(src.accountTypes)))
		}
		atDef = def
	}
	set := compile.NewBits(len(rt.roles))
	add := func(r RoleID) {
		if j, ok := rt.idx[r]; ok {
			set.Or(rt.closure[j])
		}
	}
	for _, r := range p.Roles {
		j, ok := rt.idx[r]
		if !ok {
			return invalid("unknown role %s%s", quoteShort(string(r)), didYouMean(r, roleIDs(rt)))
		}
		role := &rt.roles[j]
		if (at == "" && len(role.AccountTypes) > 0) || (at != "" && !role.allows(at)) {
			return invalid("role %s is closed to account type %s (it allows %s)", r, typeName(at), joinIDs(role.AccountTypes))
		}
		add(r)
	}
	for _, g := range p.Groups {
		group, ok := src.groups[g]
		if !ok {
			return invalid("unknown group %s%s", quoteShort(string(g)), didYouMean(g, sortedKeys(src.groups)))
		}
		if group.AccountType != "" && group.AccountType != at {
			return invalid("may not be in group %s: it is for account type %q, the principal is %s", g, group.AccountType, typeName(at))
		}
		for _, r := range group.Roles {
			add(r)
		}
	}
	for _, w := range p.Workgroups {
		j, ok := s.wgs.idx[w]
		if !ok {
			return invalid("unknown workgroup %s%s", quoteShort(string(w)), didYouMean(w, s.wgs.ids))
		}
		e.wgs = append(e.wgs, j)
	}
	for _, r := range atDef.DefaultRoles {
		add(r)
	}
	// Timed assignments: validated as a stored user's; the union of every
	// window is what static separation of duty sees (validate.go), each
	// interval's set what a check at an instant of it uses.
	base := set.Clone()
	for _, t := range p.Temporary {
		if err := checkTimed(t); err != nil {
			return invalid("temporary %s %v", t, err)
		}
		if t.Role != "" {
			j, ok := rt.idx[t.Role]
			if !ok {
				return invalid("unknown temporary role %s%s", quoteShort(string(t.Role)), didYouMean(t.Role, roleIDs(rt)))
			}
			if role := &rt.roles[j]; (at == "" && len(role.AccountTypes) > 0) || (at != "" && !role.allows(at)) {
				return invalid("temporary role %s is closed to account type %s (it allows %s)", t.Role, typeName(at), joinIDs(role.AccountTypes))
			}
			add(t.Role)
			continue
		}
		group, ok := src.groups[t.Group]
		if !ok {
			return invalid("unknown temporary group %s%s", quoteShort(string(t.Group)), didYouMean(t.Group, sortedKeys(src.groups)))
		}
		if group.AccountType != "" && group.AccountType != at {
			return invalid("may not be in group %s for a time: it is for account type %q, the principal is %s", t.Group, group.AccountType, typeName(at))
		}
		for _, r := range group.Roles {
			add(r)
		}
	}
	allowed, ok := rt.allowed[at]
	if !ok {
		allowed = rt.allowed[""]
	}
	set.And(allowed)
	for _, con := range src.constraints {
		if con.Dynamic {
			continue
		}
		var held []string
		for _, r := range con.Roles {
			if j, ok := rt.idx[r]; ok && set.Has(int(j)) {
				held = append(held, string(r))
			}
		}
		if len(held) > con.Max {
			e.reason = ReasonSeparationOfDuty
			e.problem = fmt.Sprintf("is authorized for %s; constraint %q allows at most %d of them", strings.Join(held, ", "), con.Name, con.Max)
			return e
		}
	}
	if len(p.Temporary) > 0 {
		e.timed = newTimedProfiles(timedBounds(p.Temporary))
		for i := range len(e.timed.bounds) + 1 {
			instant := intervalInstant(e.timed.bounds, i)
			held := base.Clone()
			for _, t := range p.Temporary {
				if !t.HeldAt(instant) {
					continue
				}
				if j, ok := rt.idx[t.Role]; ok {
					held.Or(rt.closure[j])
				}
				for _, r := range src.groups[t.Group].Roles {
					if j, ok := rt.idx[r]; ok {
						held.Or(rt.closure[j])
					}
				}
			}
			held.And(allowed)
			e.timed.profs = append(e.timed.profs, s.principalProfile(held, c))
		}
		e.prof = e.timed.profs[0]
		return e
	}
	e.prof = s.principalProfile(set, c)
	return e
}

// principalProfile returns the profile of an authorized set, shared
// through the cache c when it is not nil.
func (s *Snapshot) principalProfile(set compile.Bits, c *principalCache) *profile {
	rt := s.roles
	if c == nil {
		return rt.buildProfile(set)
	}
	key := set.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if prof, ok := c.bySet[key]; ok && prof != nil {
		return prof
	}
	prof := rt.buildProfile(set)
	if len(c.bySet) >= principalSlots {
		clear(c.bySet) // bounded: start again rather than grow
	}
	c.bySet[key] = prof
	return prof
}

func roleIDs(rt *roleTable) []RoleID {
	out := make([]RoleID, len(rt.roles))
	for i := range rt.roles {
		out[i] = rt.roles[i].ID
	}
	return out
}

// validIDBytes is checkID without allocating.
func validIDBytes(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			return false
		}
	}
	return true
}
