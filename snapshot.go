package rbac

import (
	"maps"
	"time"

	"github.com/rolegraph/rbac/internal/compile"
)

// Snapshot is the policy at one revision, compiled for checking. It is
// immutable and safe for concurrent use; Check takes no lock and allocates
// nothing.
type Snapshot struct {
	rev    Revision
	users  *compile.OverlayMap[*userRec]
	roles  *roleTable
	wgs    *workgroupTable
	rules  map[string]*ownershipRule // by resource kind, with the stored owners of that kind
	src    *sources
	review *reviewIndex // users grouped by profile, for the review functions
	// principals caches the profiles of request principals; shared by
	// snapshots that differ only in users and owners (entries remember
	// the role table and sources they were computed from).
	principals *principalCache
	// clock and at are where checks of users with timed assignments read
	// the time, and the instant the records' own profiles hold at; next
	// is the first bound of a timed assignment after at (zero: none).
	clock    func() time.Time
	at, next time.Time
}

// Revision returns the store revision the snapshot reflects.
func (s *Snapshot) Revision() Revision {
	if s == nil {
		return 0
	}
	return s.rev
}

// userRec is a compiled user.
type userRec struct {
	user *User    // as stored (immutable, shared with the writer's state), for explanations and reviews
	prof *profile // shared with every user of the same authorized role set
	wgs  []int32  // the user's workgroups, interned (a Request.Principal's: the principal cache's, shared)
	// timed: the profiles by interval of a user with timed assignments
	// (timed.go), nil for any other; prof is then the one of the
	// snapshot's instant.
	timed *timedProfiles
	// disabled is user.Disabled, for the review index, which reads every
	// record: a user's memory is a cache miss, its record's is not.
	disabled bool
}

// roleTable holds what depends on roles, the catalogue, constraints and
// ownership rules; snapshots that differ only in users share it.
type roleTable struct {
	idx      map[RoleID]int32
	roles    []Role
	closure  []compile.Bits               // closure[i]: roles held by holding role i
	allowed  map[AccountType]compile.Bits // roles open to an account type ("" = roles open to every type)
	requires map[Permission][]Permission
	catalog  []Permission            // catalogued names, for wildcard expansion
	known    map[Permission]struct{} // the catalogue as a set; nil without one
	kinds    map[string]struct{}     // declared resource kinds; nil when none are
	dynamic  []dynamicConstraint
	rules    []ownershipRule // by rule index
	granting compile.Bits    // roles with grants of their own
	single   []*profile      // single[i]: the profile of closure[i], for active-role requests
	// sole: roles whose closure is open to every account type, so that
	// single[i] is the profile of any user holding i alone, with no
	// groups and no default roles (compiler.soleRole)
	sole  compile.Bits
	typed compile.Bits  // roles that list account types (Role.AccountTypes)
	cache *profileCache // every profile built for this table, by role set (writer only)
}

type dynamicConstraint struct {
	name  string
	roles []int32
	max   int
}

type ownershipRule struct {
	idx    int
	kind   string
	bypass Permission
	create Permission                     // what Admin.CreateOwned needs besides the bypass ("" = only the bypass)
	owners *compile.OverlayMap[[]OrgSlug] // stored owners by record id
}

// profile is the compiled permission table of one authorized role set.
type profile struct {
	id     int32 // unique among the profiles of a role table
	roles  compile.Bits
	perms  map[Permission]permEntry
	small  []permKV         // perms again when there are few: a scan beats hashing
	wild   map[string]uint8 // wildcard grants: prefix with its dot ("client.") or "" for "*" → scope mask
	sod    int32            // index of a violated dynamic constraint when every role is active, or -1
	bypass compile.Bits     // ownership rules whose bypass the set holds effectively
}

type permKV struct {
	name Permission
	e    permEntry
}

// maxSmall is the largest permission table also kept as a slice.
const maxSmall = 4

// lookup finds p's entry.
func (prof *profile) lookup(p Permission) (permEntry, bool) {
	if prof.small != nil || len(prof.perms) == 0 {
		for i := range prof.small {
			if prof.small[i].name == p {
				return prof.small[i].e, true
			}
		}
		return permEntry{}, false
	}
	e, ok := prof.perms[p]
	return e, ok
}

// permEntry is a permission's scope masks: held by some grant, and
// effective (held, with every prerequisite held too).
type permEntry struct {
	held, eff uint8
	requires  bool // the permission has prerequisites
}

// workgroupTable numbers the workgroup forest in depth-first order: w is an
// ancestor-or-self of x iff pre[w] <= pre[x] && post[x] <= post[w].
type workgroupTable struct {
	idx       map[WorkgroupID]int32
	ids       []WorkgroupID
	pre, post []int32
	byPre     []int32 // the workgroups in depth-first order: a subtree is a run of it (Plan)
}

// sources keeps the entities needed to explain decisions and to review.
type sources struct {
	accountTypes map[AccountType]AccountTypeDef
	groups       map[GroupID]Group
	workgroups   map[WorkgroupID]Workgroup
	permissions  map[Permission]PermissionDef
	constraints  []Constraint
	approvals    []Approval // sorted by name
	campaigns    []Campaign // sorted by id
	elevations   map[string]Elevation
	kinds        []string // declared resource kinds, sorted
}

func scopeBit(s Scope) uint8 { return 1 << s }

// widest returns the widest scope in a mask (all > global > workgroup > mine).
func widest(mask uint8) Scope {
	for s := ScopeAll; s >= ScopeMine; s-- {
		if mask&scopeBit(s) != 0 {
			return s
		}
	}
	return ScopeNone
}

// heldIn returns the scopes at which prof's roles hold p.
func (prof *profile) held(p Permission) uint8 {
	if e, ok := prof.lookup(p); ok {
		return e.held
	}
	return prof.wildcard(p)
}

// effective returns the scopes at which p is held with its prerequisites.
// Names missing from perms are not catalogued (every catalogued name a
// wildcard reaches is expanded at compile time), so they have none.
func (prof *profile) effective(p Permission) uint8 {
	if e, ok := prof.lookup(p); ok {
		return e.eff
	}
	return prof.wildcard(p)
}

func (prof *profile) wildcard(p Permission) uint8 {
	if len(prof.wild) == 0 {
		return 0
	}
	m := prof.wild[""]
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '.' {
			m |= prof.wild[string(p[:i+1])]
		}
	}
	return m
}

// reviewIndex groups the enabled users of the base of a user table by
// profile, so that "who holds X" visits each distinct role set once
// instead of every user. Users changed since the base was built (the
// table's overlay, at most a thousand or so) are read from the table
// itself; compileIncremental rebuilds the index only when the overlay is
// folded into a new base. It is built when the snapshot is compiled, never
// on first use.
type reviewIndex struct {
	users    *compile.OverlayMap[*userRec] // a version of the table whose base this indexes
	profiles []*profile
	members  [][]*userRec // members[i]: enabled users of the base holding profiles[i], unsorted (records: 8 bytes a user)
	*memberIndex
	holders holderIndex // built by the first UsersWith (holders.go)
}

// memberIndex lists every user of the base of a user table (enabled or
// not) by group, and the orgs they belong to: MembersOf reads a group's
// members instead of every user, and a user search reads a user's org
// only when some org can match (each user's record is a cache miss:
// 100,000 of them cost 40 ms). It holds the users themselves, which are
// immutable and outlive records, so a compile that changes no user
// carries it over (folded) instead of rebuilding it.
type memberIndex struct {
	groups map[GroupID][]*User // unsorted
	orgs   map[OrgSlug]struct{}
	// named: some user has a name or email, so a search reads every
	// user's record (searches of a model without them stay cheap).
	named bool
}

// newReviewIndex indexes the base of users, whose records each calls f
// with; nProfiles bounds the ids of their profiles. It counts first and
// then fills one slab, so that the lists take exactly their size. It
// builds the member index too, unless one for the same users is given.
func newReviewIndex(users *compile.OverlayMap[*userRec], nProfiles int32, each func(f func(*userRec)), members *memberIndex) *reviewIndex {
	ix := &reviewIndex{users: users}
	slot := make([]int32, nProfiles) // profile id → 1 + its index in ix.profiles
	var counts []int
	total := 0
	each(func(rec *userRec) {
		if rec == nil || rec.disabled {
			return
		}
		i := slot[rec.prof.id] - 1
		if i < 0 {
			i = int32(len(ix.profiles))
			slot[rec.prof.id] = i + 1
			ix.profiles = append(ix.profiles, rec.prof)
			counts = append(counts, 0)
		}
		counts[i]++
		total++
	})
	slab := make([]*userRec, total)
	ix.members = make([][]*userRec, len(counts))
	at := 0
	for i, n := range counts {
		ix.members[i] = slab[at : at : at+n]
		at += n
	}
	each(func(rec *userRec) {
		if rec == nil || rec.disabled {
			return
		}
		i := slot[rec.prof.id] - 1
		ix.members[i] = append(ix.members[i], rec)
	})
	ix.memberIndex = members
	if members == nil {
		ix.memberIndex = newMemberIndex(func(f func(*User)) {
			each(func(rec *userRec) {
				if rec != nil {
					f(rec.user)
				}
			})
		})
	}
	return ix
}

// newMemberIndex indexes the users each calls f with: it counts, then
// fills one slab.
func newMemberIndex(each func(f func(*User))) *memberIndex {
	mi := &memberIndex{orgs: map[OrgSlug]struct{}{}}
	groupSize := map[GroupID]int{}
	grouped := 0
	var lastOrg OrgSlug
	each(func(u *User) {
		if org := u.Org; org != lastOrg || len(mi.orgs) == 0 {
			mi.orgs[org], lastOrg = struct{}{}, org
		}
		mi.named = mi.named || u.Name != "" || u.Email != ""
		for _, g := range u.Groups {
			groupSize[g]++
			grouped++
		}
	})
	if grouped == 0 {
		return mi
	}
	slab := make([]*User, grouped)
	mi.groups = make(map[GroupID][]*User, len(groupSize))
	at := 0
	for g, n := range groupSize {
		mi.groups[g] = slab[at : at : at+n]
		at += n
	}
	each(func(u *User) {
		for _, g := range u.Groups {
			mi.groups[g] = append(mi.groups[g], u)
		}
	})
	return mi
}

// folded is the member index of a base that holds the same users as
// users, a table whose base mi indexes: the users changed since (its
// overlay) replace their old entries. With no change it is mi itself.
func (mi *memberIndex) folded(users *compile.OverlayMap[*userRec]) *memberIndex {
	changed := false
	users.RangeOverlay(func(string, *userRec, bool) bool { changed = true; return false })
	if !changed {
		return mi
	}
	out := &memberIndex{groups: make(map[GroupID][]*User, len(mi.groups)), orgs: maps.Clone(mi.orgs), named: mi.named}
	for g, us := range mi.groups {
		kept := make([]*User, 0, len(us))
		for _, u := range us {
			if !users.Overlaid(string(u.ID)) {
				kept = append(kept, u)
			}
		}
		out.groups[g] = kept
	}
	users.RangeOverlay(func(_ string, rec *userRec, ok bool) bool {
		if ok && rec != nil {
			out.orgs[rec.user.Org] = struct{}{} // a superset does no harm: orgs only say "may match"
			out.named = out.named || rec.user.Name != "" || rec.user.Email != ""
			for _, g := range rec.user.Groups {
				out.groups[g] = append(out.groups[g], rec.user)
			}
		}
		return true
	})
	return out
}

// eachHolder calls f for every enabled user of s whose profile satisfies
// match, in no particular order; match is called once per profile of the
// index and once per changed user.
func (s *Snapshot) eachHolder(match func(*profile) bool, f func(u UserID, prof *profile)) {
	ix := s.review
	for i, prof := range ix.profiles {
		if !match(prof) {
			continue
		}
		for _, rec := range ix.members[i] {
			if !s.users.Overlaid(string(rec.user.ID)) {
				f(rec.user.ID, prof)
			}
		}
	}
	s.users.RangeOverlay(func(_ string, rec *userRec, ok bool) bool {
		if ok && rec != nil && !rec.user.Disabled && match(rec.prof) {
			f(rec.user.ID, rec.prof)
		}
		return true
	})
}
