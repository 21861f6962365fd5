package rbac

import (
	"cmp"
	"slices"
	"strings"
)

// The review functions answer NIST RBAC's review questions on a snapshot:
// who has what, and through what. They allocate; they are not for the
// check path.

// RoleSource says why a user holds a role.
type RoleSource struct {
	Role RoleID
	From string // "direct", "group", "account_type" or "contains"
	Via  string // the group, account type or containing role; "" for direct
}

// ScopedPermission is a permission (or a wildcard pattern such as
// "client.*") held at a scope.
type ScopedPermission struct {
	Permission Permission
	Scope      Scope
}

// String returns the text form, "permission@scope".
func (sp ScopedPermission) String() string { return string(sp.Permission) + "@" + sp.Scope.String() }

// Holder is a user holding a permission at a scope.
type Holder struct {
	User  UserID
	Scope Scope
}

// RolesOf lists the roles authorized for user u with where each comes
// from; a role reached several ways is listed once per way. Unknown user:
// nil.
func (s *Snapshot) RolesOf(u UserID) []RoleSource {
	rec, ok := s.users.Get(string(u))
	if !ok || rec == nil {
		return nil
	}
	return s.rolesOf(rec)
}

// RolesOfPrincipal is RolesOf for a principal (Request.Principal). A
// principal the snapshot refuses is an ErrInvalid error (or
// ErrSeparationOfDuty) naming the unknown id or the violated constraint.
func (s *Snapshot) RolesOfPrincipal(p User) ([]RoleSource, error) {
	rec, err := s.principalForReview(&p)
	if err != nil {
		return nil, err
	}
	return s.rolesOf(rec), nil
}

// PermissionsOfPrincipal is PermissionsOf for a principal; a disabled
// principal holds nothing. Errors as RolesOfPrincipal.
func (s *Snapshot) PermissionsOfPrincipal(p User) ([]ScopedPermission, error) {
	rec, err := s.principalForReview(&p)
	if err != nil {
		return nil, err
	}
	if rec.user.Disabled || rec.prof.sod >= 0 {
		return nil, nil
	}
	return rec.prof.permissions(), nil
}

func (s *Snapshot) principalForReview(p *User) (*userRec, error) {
	rec, reason, why := s.principalRecord(p)
	if rec != nil {
		return rec, nil
	}
	sentinel := ErrInvalid
	if reason == ReasonSeparationOfDuty {
		sentinel = ErrSeparationOfDuty
	}
	return nil, &Error{Op: "review", Kind: EntityUser, ID: string(p.ID), Msg: why, Err: sentinel}
}

func (s *Snapshot) rolesOf(rec *userRec) []RoleSource {
	var out []RoleSource
	seen := map[RoleSource]bool{}
	add := func(src RoleSource) bool {
		i, known := s.roles.idx[src.Role]
		if !known || !rec.prof.roles.Has(int(i)) || seen[src] {
			return false
		}
		seen[src] = true
		out = append(out, src)
		return true
	}
	var work []RoleID
	for _, r := range rec.user.Roles {
		if add(RoleSource{Role: r, From: "direct"}) {
			work = append(work, r)
		}
	}
	for _, g := range rec.user.Groups {
		for _, r := range s.src.groups[g].Roles {
			if add(RoleSource{Role: r, From: "group", Via: string(g)}) {
				work = append(work, r)
			}
		}
	}
	if at, ok := s.src.accountTypes[rec.user.AccountType]; ok && rec.user.AccountType != "" {
		for _, r := range at.DefaultRoles {
			if add(RoleSource{Role: r, From: "account_type", Via: string(at.ID)}) {
				work = append(work, r)
			}
		}
	}
	expanded := map[RoleID]bool{}
	for len(work) > 0 {
		r := work[len(work)-1]
		work = work[:len(work)-1]
		if expanded[r] {
			continue
		}
		expanded[r] = true
		for _, c := range s.roles.roles[s.roles.idx[r]].Contains {
			add(RoleSource{Role: c, From: "contains", Via: string(r)})
			work = append(work, c)
		}
	}
	slices.SortFunc(out, func(a, b RoleSource) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.From, b.From), cmp.Compare(a.Via, b.Via))
	})
	return out
}

// PermissionsOf lists what user u holds with all roles active: each
// permission once per scope it is held at (mine and workgroup are not
// comparable, so no single scope summarises both), wildcard grants as
// their pattern; permissions missing a prerequisite are left out. Sorted
// by permission, then scope. Disabled or unknown users hold nothing.
func (s *Snapshot) PermissionsOf(u UserID) []ScopedPermission {
	rec, ok := s.users.Get(string(u))
	if !ok || rec == nil || rec.user.Disabled || rec.prof.sod >= 0 {
		return nil
	}
	return rec.prof.permissions()
}

// permissions lists the profile's effective (permission, scope) pairs,
// every scope held, for PermissionsOf and Preview.
func (p *profile) permissions() []ScopedPermission {
	return p.scopedPermissions(func(e permEntry) uint8 { return e.eff })
}

// heldPermissions is permissions with prerequisites not applied: what a
// role set grants, for the conferrers of DiffPolicies.
func (p *profile) heldPermissions() []ScopedPermission {
	return p.scopedPermissions(func(e permEntry) uint8 { return e.held })
}

func (p *profile) scopedPermissions(mask func(permEntry) uint8) []ScopedPermission {
	var out []ScopedPermission
	each := func(name Permission, mask uint8) {
		for sc := ScopeMine; sc <= ScopeAll; sc++ {
			if mask&scopeBit(sc) != 0 {
				out = append(out, ScopedPermission{Permission: name, Scope: sc})
			}
		}
	}
	for name, e := range p.perms {
		each(name, mask(e))
	}
	for prefix, mask := range p.wild {
		each(Permission(prefix+"*"), mask)
	}
	slices.SortFunc(out, func(a, b ScopedPermission) int {
		return cmp.Or(cmp.Compare(a.Permission, b.Permission), cmp.Compare(a.Scope, b.Scope))
	})
	return out
}

// Reach is one route by which a role, a group or an account type
// confers a permission: a role's own grant that matches it (by name or by
// a wildcard), or the role it comes through (a role contained by the
// role, a role of the group, a default role of the account type), which
// has a Reach of its own. Prerequisites are not applied: whether they are
// met depends on the holder's other roles (UsersWith applies them).
type Reach struct {
	Conferrer Conferrer
	Grant     Grant  // the role's own grant, when Via is ""
	Via       RoleID // the role the permission comes through, or ""
	Scope     Scope  // the widest scope the route gives
}

// String describes the route: "role admin: grant *@all", "role writer:
// contains reader (global)", "group team: role writer (global)",
// "account type staff: default role clerk (mine)".
func (r Reach) String() string {
	switch {
	case r.Via == "":
		return r.Conferrer.String() + ": grant " + r.Grant.String()
	case r.Conferrer.Role != "":
		return r.Conferrer.String() + ": contains " + string(r.Via) + " (" + r.Scope.String() + ")"
	case r.Conferrer.Group != "":
		return r.Conferrer.String() + ": role " + string(r.Via) + " (" + r.Scope.String() + ")"
	}
	return r.Conferrer.String() + ": default role " + string(r.Via) + " (" + r.Scope.String() + ")"
}

// RolesWith lists the routes by which roles confer permission p: each
// role's own matching grants, then each contained role that confers it,
// sorted by role. Like UsersWith, a name outside the catalogue is reached
// by no grant, not even "*".
func (s *Snapshot) RolesWith(p Permission) []Reach {
	rt := s.roles
	if rt.uncatalogued(p) {
		return nil
	}
	var out []Reach
	for i, r := range rt.roles { // sorted by id
		if rt.single[i].held(p) == 0 {
			continue
		}
		c := Conferrer{Role: r.ID}
		for _, g := range r.Grants {
			if g.Permission.Matches(p) {
				out = append(out, Reach{Conferrer: c, Grant: g, Scope: g.Scope})
			}
		}
		out = s.throughRoles(out, c, r.Contains, "", p)
	}
	return out
}

// GroupsWith lists the routes by which groups confer permission p: each
// role of the group (one its account type may hold) that confers it,
// sorted by group.
func (s *Snapshot) GroupsWith(p Permission) []Reach {
	if s.roles.uncatalogued(p) {
		return nil
	}
	var out []Reach
	for _, id := range sortedKeys(s.src.groups) {
		g := s.src.groups[id]
		out = s.throughRoles(out, Conferrer{Group: id}, g.Roles, g.AccountType, p)
	}
	return out
}

// AccountTypesWith lists the routes by which account types confer
// permission p through their default roles, sorted by account type.
func (s *Snapshot) AccountTypesWith(p Permission) []Reach {
	if s.roles.uncatalogued(p) {
		return nil
	}
	var out []Reach
	for _, id := range sortedKeys(s.src.accountTypes) {
		out = s.throughRoles(out, Conferrer{AccountType: id}, s.src.accountTypes[id].DefaultRoles, id, p)
	}
	return out
}

// Reach lists every route by which the model confers permission p:
// RolesWith, then GroupsWith, then AccountTypesWith.
func (s *Snapshot) Reach(p Permission) []Reach {
	out := s.RolesWith(p)
	out = append(out, s.GroupsWith(p)...)
	return append(out, s.AccountTypesWith(p)...)
}

// throughRoles appends a Reach for each of roles (once each, open to
// account type t unless c is a role) that confers p.
func (s *Snapshot) throughRoles(out []Reach, c Conferrer, roles []RoleID, t AccountType, p Permission) []Reach {
	rt := s.roles
	open, ok := rt.allowed[t]
	if !ok {
		open = rt.allowed[""]
	}
	for k, r := range roles {
		j, ok := rt.idx[r]
		if !ok || slices.Contains(roles[:k], r) || c.Role == "" && !open.Has(int(j)) {
			continue
		}
		if m := rt.single[j].held(p); m != 0 {
			out = append(out, Reach{Conferrer: c, Via: r, Scope: widest(m)})
		}
	}
	return out
}

// Permission returns the catalogue entry of p (only its name when the
// policy has no catalogue, or for a built-in rbac. permission). A name
// the model does not know is an ErrNotFound error with the nearest known
// name: one outside the catalogue, or, without a catalogue, one that no
// role's grant matches. A typo then says so instead of answering
// "nobody".
func (s *Snapshot) Permission(p Permission) (PermissionDef, error) {
	if err := checkPermission(p); err != nil {
		return PermissionDef{}, &Error{Op: "lookup", Kind: EntityPermission, ID: string(p), Msg: err.Error(), Err: ErrInvalid}
	}
	rt := s.roles
	if d, ok := s.src.permissions[p]; ok {
		return d.Clone(), nil
	}
	if strings.HasPrefix(string(p), BuiltinPermissionPrefix) {
		return PermissionDef{Name: p}, nil
	}
	if rt.known != nil {
		return PermissionDef{}, &Error{Op: "lookup", Kind: EntityPermission, ID: string(p),
			Msg: "not in the catalogue" + didYouMean(p, rt.catalog), Err: ErrNotFound}
	}
	for _, r := range rt.roles {
		for _, g := range r.Grants {
			if g.Permission.Matches(p) {
				return PermissionDef{Name: p}, nil
			}
		}
	}
	return PermissionDef{}, &Error{Op: "lookup", Kind: EntityPermission, ID: string(p),
		Msg: "granted by no role (the policy has no catalogue)" + rt.nearestGranted(p), Err: ErrNotFound}
}

// UsersWithRole lists the enabled users authorized for role r, sorted.
func (s *Snapshot) UsersWithRole(r RoleID) []UserID {
	i, ok := s.roles.idx[r]
	if !ok {
		return nil
	}
	var out []UserID
	s.eachHolder(func(prof *profile) bool { return prof.roles.Has(int(i)) },
		func(u UserID, _ *profile) { out = append(out, u) })
	slices.Sort(out)
	return out
}

// GroupsOf lists the groups user u is a member of.
func (s *Snapshot) GroupsOf(u UserID) []GroupID {
	rec, ok := s.users.Get(string(u))
	if !ok || rec == nil {
		return nil
	}
	out := slices.Clone(rec.user.Groups)
	slices.Sort(out)
	return out
}

// MembersOf lists the members of group g, sorted.
func (s *Snapshot) MembersOf(g GroupID) []UserID {
	var out []UserID
	for _, u := range s.review.groups[g] {
		if !s.users.Overlaid(string(u.ID)) {
			out = append(out, u.ID)
		}
	}
	s.users.RangeOverlay(func(_ string, rec *userRec, ok bool) bool {
		if ok && rec != nil && slices.Contains(rec.user.Groups, g) {
			out = append(out, rec.user.ID)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// ReviewItem is one line of an access review: a sensitive or deprecated
// permission, the roles, groups and account types that confer it and
// through what, and the stored users who hold it.
type ReviewItem struct {
	Permission PermissionDef
	Reach      []Reach // RolesWith, then GroupsWith, then AccountTypesWith
	Holders    []Holder
}

// AccessReview lists every sensitive or deprecated catalogued permission
// with what confers it and its holders, for the periodic review the seed
// systems ask for. Where users come from tokens and none is stored, Reach
// is the review.
func (s *Snapshot) AccessReview() []ReviewItem {
	var out []ReviewItem
	for _, name := range sortedKeys(s.src.permissions) {
		d := s.src.permissions[name]
		if d.Sensitive == "" && d.Deprecated == "" {
			continue
		}
		out = append(out, ReviewItem{Permission: d.Clone(), Reach: s.Reach(name), Holders: s.UsersWith(name)})
	}
	return out
}
