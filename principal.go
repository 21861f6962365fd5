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
		slices.Equal(e.ids, p.Roles) && slices.Equal(e.groups, p.Groups) && slices.Equal(e.wgIDs, p.Workgroups)
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
	rec.user = p
	rec.prof = e.prof
	rec.wgs = e.wgs
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
	return &userRec{user: &u, prof: e.prof, wgs: e.wgs}, "", ""
}

// compilePrincipal validates an account type, roles, groups and
// workgroups as the validator validates a stored user, and compiles their
// profile.
func (s *Snapshot) compilePrincipal(p *User, c *principalCache) *principalEntry {
	e := &principalEntry{roles: s.roles, src: s.src, wgt: s.wgs, at: p.AccountType, ids: slices.Clone(p.Roles), groups: slices.Clone(p.Groups), wgIDs: slices.Clone(p.Workgroups)}
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
	if allowed, ok := rt.allowed[at]; ok {
		set.And(allowed)
	} else {
		set.And(rt.allowed[""])
	}
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
	if c == nil {
		e.prof = rt.buildProfile(set)
		return e
	}
	key := set.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if prof, ok := c.bySet[key]; ok && prof != nil {
		e.prof = prof
		return e
	}
	e.prof = rt.buildProfile(set)
	if len(c.bySet) >= principalSlots {
		clear(c.bySet) // bounded: start again rather than grow
	}
	c.bySet[key] = e.prof
	return e
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
