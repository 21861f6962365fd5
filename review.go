package rbac

import (
	"cmp"
	"slices"
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

// permissions lists the profile's (permission, scope) pairs, every scope
// held, for PermissionsOf and Preview.
func (p *profile) permissions() []ScopedPermission {
	var out []ScopedPermission
	each := func(name Permission, mask uint8) {
		for sc := ScopeMine; sc <= ScopeAll; sc++ {
			if mask&scopeBit(sc) != 0 {
				out = append(out, ScopedPermission{Permission: name, Scope: sc})
			}
		}
	}
	for name, e := range p.perms {
		each(name, e.eff)
	}
	for prefix, mask := range p.wild {
		each(Permission(prefix+"*"), mask)
	}
	slices.SortFunc(out, func(a, b ScopedPermission) int {
		return cmp.Or(cmp.Compare(a.Permission, b.Permission), cmp.Compare(a.Scope, b.Scope))
	})
	return out
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
// permission and who holds it.
type ReviewItem struct {
	Permission PermissionDef
	Holders    []Holder
}

// AccessReview lists every sensitive or deprecated catalogued permission
// with its holders, for the periodic review the seed systems ask for.
func (s *Snapshot) AccessReview() []ReviewItem {
	var out []ReviewItem
	for _, name := range sortedKeys(s.src.permissions) {
		d := s.src.permissions[name]
		if d.Sensitive == "" && d.Deprecated == "" {
			continue
		}
		out = append(out, ReviewItem{Permission: d.Clone(), Holders: s.UsersWith(name)})
	}
	return out
}
