package rbac

import (
	"cmp"
	"slices"
	"sync"
)

// holderIndex answers "who holds permission p" (UsersWith) in time
// proportional to the answer: the profiles of a review index are listed
// under each permission their tables name, the few profiles with wildcard
// grants are asked directly, and each profile's member ids are kept sorted
// in one slab, so that the answer is read from consecutive memory instead
// of user records and merged rather than sorted. It is built on the first
// UsersWith over a review index (a walk of every profile's table, and a
// sort of each profile's members) and shared by every snapshot that shares
// the index.
type holderIndex struct {
	once  sync.Once
	named map[Permission][]int32 // permission → positions in reviewIndex.profiles whose table holds it effectively
	wild  []int32                // positions of profiles with wildcard grants
	ids   [][]heldID             // ids[i]: the ids of reviewIndex.members[i], sorted
}

// heldID is a user id with its first eight bytes as an integer: ids
// compare by it first, as one integer comparison, and by their text only
// when those bytes are equal.
type heldID struct {
	prefix uint64
	id     UserID
}

func newHeldID(u UserID) heldID {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(u) {
			k |= uint64(u[i]) // ids hold no NUL, so padding sorts first, as a shorter string does
		}
	}
	return heldID{k, u}
}

func (a heldID) less(b heldID) bool {
	if a.prefix != b.prefix {
		return a.prefix < b.prefix
	}
	return a.id < b.id
}

// holderIndex returns the review index's holder index, building it the
// first time.
func (ix *reviewIndex) holderIndex() *holderIndex {
	h := &ix.holders
	h.once.Do(func() {
		total := 0
		for _, members := range ix.members {
			total += len(members)
		}
		slab := make([]heldID, 0, total)
		h.ids = make([][]heldID, len(ix.members))
		for i, members := range ix.members {
			at := len(slab)
			for _, rec := range members {
				slab = append(slab, newHeldID(rec.user.ID))
			}
			h.ids[i] = slab[at:len(slab):len(slab)]
			slices.SortFunc(h.ids[i], func(a, b heldID) int { return cmp.Compare(a.id, b.id) })
		}
		h.named = make(map[Permission][]int32)
		for i, prof := range ix.profiles {
			if prof.sod >= 0 {
				continue // holds nothing with every role active
			}
			if len(prof.wild) > 0 {
				h.wild = append(h.wild, int32(i))
			}
			prof.eachNamed(func(p Permission, e permEntry) {
				if e.eff != 0 {
					h.named[p] = append(h.named[p], int32(i))
				}
			})
		}
	})
	return h
}

// eachNamed calls f with each permission the profile's table names, as
// lookup reads it.
func (prof *profile) eachNamed(f func(Permission, permEntry)) {
	if prof.small != nil || len(prof.perms) == 0 {
		for _, kv := range prof.small {
			f(kv.name, kv.e)
		}
		return
	}
	for p, e := range prof.perms {
		f(p, e)
	}
}

// UsersWith lists the enabled users who hold permission p with all their
// roles active, with the widest scope each holds it at, sorted by user.
// It takes time in proportion to the answer: the profiles (distinct role
// sets) holding p come from an index built by the first UsersWith on a
// snapshot and shared with the snapshots compiled after it until their
// users are re-indexed; profiles with wildcard grants and users changed
// since the index was built are asked directly.
func (s *Snapshot) UsersWith(p Permission) []Holder {
	if s.roles.uncatalogued(p) {
		return nil // no grant, not even "*", reaches a name outside the catalogue
	}
	ix := s.review
	h := ix.holderIndex()
	named := h.named[p]
	n := 0
	for _, i := range named {
		n += len(h.ids[i])
	}
	held := make([]heldScope, 0, n)
	runs := make([]int, 0, len(named)) // where each sorted run of held ends
	add := func(i int32, eff uint8) {
		scope := widest(eff)
		for _, u := range h.ids[i] {
			if !s.users.Overlaid(string(u.id)) {
				held = append(held, heldScope{u, scope})
			}
		}
		runs = append(runs, len(held))
	}
	for _, i := range named {
		add(i, ix.profiles[i].effective(p))
	}
	for _, i := range h.wild {
		prof := ix.profiles[i]
		if _, decided := prof.lookup(p); !decided { // else named holds it, or it is held at no scope
			if m := prof.wildcard(p); m != 0 {
				add(i, m)
			}
		}
	}
	held = mergeRuns(held, runs)
	out := make([]Holder, len(held))
	for k, hs := range held {
		out[k] = Holder{User: hs.id, Scope: hs.scope}
	}
	changed := false
	s.users.RangeOverlay(func(_ string, rec *userRec, ok bool) bool {
		if ok && rec != nil && !rec.user.Disabled && rec.prof.sod < 0 {
			if m := rec.prof.effective(p); m != 0 {
				out = append(out, Holder{User: rec.user.ID, Scope: widest(m)})
				changed = true
			}
		}
		return true
	})
	if changed {
		slices.SortFunc(out, func(a, b Holder) int { return cmp.Compare(a.User, b.User) })
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// heldScope is a holder on its way to the answer.
type heldScope struct {
	heldID
	scope Scope
}

// mergeRuns sorts hs, made of sorted runs ending at ends, by user: merging
// runs pairwise compares each holder about log2(runs) times, where a sort
// would compare it log2(len(hs)) times and more. A user is in one run at
// most.
func mergeRuns(hs []heldScope, ends []int) []heldScope {
	if len(ends) <= 1 {
		return hs
	}
	src, dst := hs, make([]heldScope, len(hs))
	for len(ends) > 1 {
		merged := ends[:0] // written behind where it is read
		start := 0
		for k := 0; k < len(ends); k += 2 {
			if k+1 == len(ends) { // an odd run out: copied as it is
				copy(dst[start:ends[k]], src[start:ends[k]])
				merged = append(merged, ends[k])
				break
			}
			a, b, end := start, ends[k], ends[k+1]
			mid, w := b, start
			for a < mid && b < end {
				if src[b].less(src[a].heldID) {
					dst[w] = src[b]
					b++
				} else {
					dst[w] = src[a]
					a++
				}
				w++
			}
			w += copy(dst[w:], src[a:mid])
			copy(dst[w:], src[b:end])
			merged = append(merged, end)
			start = end
		}
		ends = merged
		src, dst = dst, src
	}
	return src
}
