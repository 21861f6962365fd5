package rbac

import (
	"cmp"
	"slices"
	"sync"

	"github.com/rolegraph/rbac/internal/compile"
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
	// Each profile holding p contributes a run of ids, sorted, all at one
	// scope; the answer is their merge, written straight into the one
	// slice allocated, sized once.
	var fixed [16]holderRun
	runs := fixed[:0]
	n := 0
	add := func(i int32, eff uint8) {
		if ids := h.ids[i]; len(ids) > 0 {
			runs = append(runs, holderRun{ids, widest(eff)})
			n += len(ids)
		}
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
	out := mergeHolders(make([]Holder, 0, n), runs, s.users)
	changed := false // users changed since the index was built: asked directly, then sorted in
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

// holderRun is the sorted ids of one profile's members, with the scope at
// which that profile holds the permission asked for.
type holderRun struct {
	ids   []heldID
	scope Scope
}

// mergeHolders appends the holders of runs to out, sorted by user, leaving
// out users changed since the index was built (users' overlay): a binary
// heap of the runs by their first id, so that each holder costs about
// log2(runs) comparisons. A user is in one run at most. runs is consumed.
func mergeHolders(out []Holder, runs []holderRun, users *compile.OverlayMap[*userRec]) []Holder {
	emit := func(u heldID, scope Scope) {
		if !users.Overlaid(string(u.id)) {
			out = append(out, Holder{User: u.id, Scope: scope})
		}
	}
	if len(runs) == 1 {
		for _, u := range runs[0].ids {
			emit(u, runs[0].scope)
		}
		return out
	}
	less := func(a, b int) bool { return runs[a].ids[0].less(runs[b].ids[0]) }
	down := func(i int) {
		for {
			m, l, r := i, 2*i+1, 2*i+2
			if l < len(runs) && less(l, m) {
				m = l
			}
			if r < len(runs) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			runs[i], runs[m] = runs[m], runs[i]
			i = m
		}
	}
	for i := len(runs)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(runs) > 0 {
		top := &runs[0]
		emit(top.ids[0], top.scope)
		if top.ids = top.ids[1:]; len(top.ids) == 0 {
			last := len(runs) - 1
			runs[0] = runs[last]
			runs = runs[:last]
		}
		down(0)
	}
	return out
}
