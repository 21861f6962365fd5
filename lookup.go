package rbac

import (
	"cmp"
	"container/heap"
	"slices"
	"strings"
)

// The lookups below read the model a snapshot was compiled from, for
// consoles and reviews: every result is a copy the caller may keep and
// change. Lists are sorted by key. They allocate; they are not for the
// check path.

// Role returns role id as stored.
func (s *Snapshot) Role(id RoleID) (Role, bool) {
	i, ok := s.roles.idx[id]
	if !ok {
		return Role{}, false
	}
	return s.roles.roles[i].Clone(), true
}

// Roles lists every role.
func (s *Snapshot) Roles() []Role {
	out := make([]Role, len(s.roles.roles))
	for i, r := range s.roles.roles {
		out[i] = r.Clone()
	}
	slices.SortFunc(out, func(a, b Role) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Group returns group id as stored.
func (s *Snapshot) Group(id GroupID) (Group, bool) {
	g, ok := s.src.groups[id]
	return g.Clone(), ok
}

// Groups lists every group.
func (s *Snapshot) Groups() []Group {
	out := make([]Group, 0, len(s.src.groups))
	for _, id := range sortedKeys(s.src.groups) {
		out = append(out, s.src.groups[id].Clone())
	}
	return out
}

// Permissions lists the permission catalogue (empty when the policy has
// none).
func (s *Snapshot) Permissions() []PermissionDef {
	out := make([]PermissionDef, 0, len(s.src.permissions))
	for _, name := range sortedKeys(s.src.permissions) {
		out = append(out, s.src.permissions[name].Clone())
	}
	return out
}

// AccountTypes lists the declared account types.
func (s *Snapshot) AccountTypes() []AccountTypeDef {
	out := make([]AccountTypeDef, 0, len(s.src.accountTypes))
	for _, id := range sortedKeys(s.src.accountTypes) {
		out = append(out, s.src.accountTypes[id].Clone())
	}
	return out
}

// Workgroups lists the workgroups.
func (s *Snapshot) Workgroups() []Workgroup {
	out := make([]Workgroup, 0, len(s.src.workgroups))
	for _, id := range sortedKeys(s.src.workgroups) {
		out = append(out, s.src.workgroups[id])
	}
	return out
}

// User returns user id as stored.
func (s *Snapshot) User(id UserID) (User, bool) {
	rec, ok := s.users.Get(string(id))
	if !ok || rec == nil {
		return User{}, false
	}
	return rec.user.Clone(), true
}

// UserQuery selects a page of users, in id order.
type UserQuery struct {
	// Contains keeps users whose id, name, email or org contains it,
	// ignoring case ("larsen" finds Sven Larsen).
	Contains string
	// After keeps users whose id sorts after it; Before, before it (the
	// page that ends just before Before). At most one is set.
	After, Before UserID
	// Limit is the page size; 0 means 50.
	Limit int
	// CoveredBy, when set, keeps the users CoversUser(CoveredBy, u)
	// reports: those a holder of rbac.users.manage@workgroup manages.
	CoveredBy UserID
	// CoveredByPrincipal is CoveredBy for a principal (see AdminAs): the
	// users CoversUserPrincipal reports. A principal the snapshot refuses
	// covers nobody.
	CoveredByPrincipal *User
}

// UserPage is one page of a UserQuery.
type UserPage struct {
	Users []User
	// Matched counts every user the query matches on any page.
	Matched int
	// More reports matching users beyond the page, in the direction read
	// (after the last for After, before the first for Before).
	More bool
}

// Users returns one page of users. It visits every user once but keeps
// only a page's worth, so a page of 100,000 users costs one pass, not a
// sort.
func (s *Snapshot) Users(q UserQuery) UserPage {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	needle := strings.ToLower(q.Contains)
	// Reading backwards keeps the largest ids before Before: invert the
	// order so the same bounded heap keeps "the first limit" either way.
	backwards := q.Before != ""
	h := &idHeap{backwards: backwards}
	var page UserPage
	var manager *userRec
	if q.CoveredByPrincipal != nil {
		if manager, _, _ = s.principalRecord(q.CoveredByPrincipal); manager == nil || manager.user.Disabled {
			return page
		}
	}
	if q.CoveredBy != "" {
		if manager, _ = s.users.Get(string(q.CoveredBy)); manager == nil {
			return page
		}
	}
	// A user's record is read (a cache miss per user) only when some org
	// of the indexed users contains the needle or some user has a name or
	// email, or for users changed since.
	recordsMayMatch := s.review.named
	for org := range s.review.orgs {
		if strings.Contains(strings.ToLower(string(org)), needle) {
			recordsMayMatch = true
			break
		}
	}
	s.users.Range(func(id string, rec *userRec) bool {
		if rec == nil || manager != nil && !s.coversUser(manager, rec) {
			return true
		}
		if needle != "" && !strings.Contains(strings.ToLower(id), needle) {
			if !recordsMayMatch && !s.users.Overlaid(id) {
				return true
			}
			if !containsFold(string(rec.user.Org), needle) && !containsFold(rec.user.Name, needle) && !containsFold(rec.user.Email, needle) {
				return true
			}
		}
		page.Matched++
		if backwards && id >= string(q.Before) || !backwards && q.After != "" && id <= string(q.After) {
			return true
		}
		switch {
		case h.Len() < limit:
			heap.Push(h, id)
		case h.less(id, h.ids[0]):
			page.More = true
			h.ids[0] = id
			heap.Fix(h, 0)
		default:
			page.More = true
		}
		return true
	})
	ids := h.ids
	slices.Sort(ids)
	for _, id := range ids {
		rec, _ := s.users.Get(id)
		page.Users = append(page.Users, rec.user.Clone())
	}
	return page
}

// containsFold reports whether s contains needle, a lower-case string,
// ignoring case.
func containsFold(s, needle string) bool {
	return s != "" && strings.Contains(strings.ToLower(s), needle)
}

// idHeap keeps the page's ids with the one to drop first on top: the
// largest reading forwards, the smallest reading backwards.
type idHeap struct {
	ids       []string
	backwards bool
}

// less reports whether a belongs on the page before b.
func (h *idHeap) less(a, b string) bool {
	if h.backwards {
		return a > b
	}
	return a < b
}

func (h *idHeap) Len() int           { return len(h.ids) }
func (h *idHeap) Less(i, j int) bool { return h.less(h.ids[j], h.ids[i]) }
func (h *idHeap) Swap(i, j int)      { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *idHeap) Push(x any)         { h.ids = append(h.ids, x.(string)) }
func (h *idHeap) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}

// OwnershipRules lists the ownership rules, by kind.
func (s *Snapshot) OwnershipRules() []OwnershipRule {
	out := make([]OwnershipRule, 0, len(s.rules))
	for _, kind := range sortedKeys(s.rules) {
		r := s.rules[kind]
		out = append(out, OwnershipRule{Kind: r.kind, Bypass: r.bypass, Create: r.create})
	}
	return out
}

// Ownerships lists the stored owners of the records of kind, by record id.
func (s *Snapshot) Ownerships(kind string) []Ownership {
	r, ok := s.rules[kind]
	if !ok {
		return nil
	}
	var out []Ownership
	r.owners.Range(func(id string, owners []OrgSlug) bool {
		out = append(out, Ownership{Kind: kind, ID: id, Owners: slices.Clone(owners)})
		return true
	})
	slices.SortFunc(out, func(a, b Ownership) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// CoversUser reports whether user u has at least one workgroup and each of
// them is one of manager's workgroups or under one: the users that
// rbac.users.manage at scope workgroup lets manager administer (nVIRO's
// workgroups, ServiceNow's agency hierarchy).
func (s *Snapshot) CoversUser(manager, u UserID) bool {
	m, ok := s.users.Get(string(manager))
	if !ok || m == nil {
		return false
	}
	rec, ok := s.users.Get(string(u))
	return ok && rec != nil && s.coversUser(m, rec)
}

// CoversUserPrincipal is CoversUser for a manager that is a principal
// (see AdminAs); a principal the snapshot refuses covers nobody.
func (s *Snapshot) CoversUserPrincipal(manager *User, u UserID) bool {
	m, _, _ := s.principalRecord(manager)
	if m == nil {
		return false
	}
	rec, ok := s.users.Get(string(u))
	return ok && rec != nil && s.coversUser(m, rec)
}

func (s *Snapshot) coversUser(m, u *userRec) bool {
	if len(u.user.Workgroups) == 0 {
		return false
	}
	for _, w := range u.user.Workgroups {
		if !s.coversWorkgroup(m, w) {
			return false
		}
	}
	return true
}
