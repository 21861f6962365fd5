package adminui

import (
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

func (c *console) home(req *request) error {
	if !req.rights.Reader() {
		if !req.rights.any() {
			return c.elevations(req) // let in only to invoke an elevation
		}
		if req.rights.Agency {
			return c.users(req)
		}
		return c.groups(req)
	}
	s := req.snap
	data := struct {
		Roles, Groups, Users, Permissions int
		Revision                          rbac.Revision
	}{len(s.Roles()), len(s.Groups()), s.Users(rbac.UserQuery{Limit: 1}).Matched, len(s.Permissions()), s.Revision()}
	return c.render(req, 200, "home", "Overview", "home", data)
}

type roleRow struct {
	Role        rbac.Role
	ContainedBy []rbac.RoleID
}

func (c *console) roles(req *request) error {
	if !req.rights.Reader() {
		return errForbidden
	}
	q := strings.TrimSpace(req.r.URL.Query().Get("q"))
	all := req.snap.Roles()
	parents := containedBy(all)
	var rows []roleRow
	for _, r := range all {
		if q != "" && !containsFold(string(r.ID), q) && !containsFold(r.Title, q) {
			continue
		}
		rows = append(rows, roleRow{Role: r, ContainedBy: parents[r.ID]})
	}
	total := len(rows)
	page, more := pageOf(rows, req.r.URL.Query().Get("page"), 100)
	return c.render(req, 200, "roles", "Roles", "roles", struct {
		Query string
		Rows  []roleRow
		Total int
		Pager pager
	}{q, page, total, more})
}

// containedBy maps each role to the roles that contain it directly.
func containedBy(all []rbac.Role) map[rbac.RoleID][]rbac.RoleID {
	out := map[rbac.RoleID][]rbac.RoleID{}
	for _, r := range all {
		for _, child := range r.Contains {
			out[child] = append(out[child], r.ID)
		}
	}
	return out
}

type holderRow struct {
	User    rbac.UserID
	Through []rbac.RoleSource
}

type roleView struct {
	Role        rbac.Role
	Sections    []grantSection
	ContainedBy []rbac.RoleID
	Picture     picture
	Holders     []holderRow
	HolderCount int
	Groups      []rbac.Group // groups that give the role
	Defaults    []rbac.AccountType
}

type grantSection struct {
	Name   string
	Grants []grantRow
}

type grantRow struct {
	Grant rbac.Grant
	Def   rbac.PermissionDef
}

func (c *console) role(req *request) error {
	if !req.rights.Reader() {
		return errForbidden
	}
	id := rbac.RoleID(req.r.URL.Query().Get("id"))
	r, ok := req.snap.Role(id)
	if !ok {
		return notFound("There is no role with the id " + quote(string(id)) + ".")
	}
	all := req.snap.Roles()
	v := roleView{Role: r, ContainedBy: containedBy(all)[id]}
	cat := req.c.catalogue(req.snap)
	for _, g := range r.Grants {
		sec := cat.sectionOfGrant(g.Permission)
		i := slices.IndexFunc(v.Sections, func(s grantSection) bool { return s.Name == sec })
		if i < 0 {
			v.Sections = append(v.Sections, grantSection{Name: sec})
			i = len(v.Sections) - 1
		}
		v.Sections[i].Grants = append(v.Sections[i].Grants, grantRow{Grant: g, Def: cat.defs[g.Permission]})
	}
	slices.SortFunc(v.Sections, func(a, b grantSection) int { return strings.Compare(a.Name, b.Name) })
	v.Picture = neighbourhood(all, r, v.ContainedBy)
	holders := req.snap.UsersWithRole(id)
	v.HolderCount = len(holders)
	if len(holders) > c.opts.PageSize {
		holders = holders[:c.opts.PageSize]
	}
	for _, u := range holders {
		row := holderRow{User: u}
		for _, src := range req.snap.RolesOf(u) {
			if src.Role == id {
				row.Through = append(row.Through, src)
			}
		}
		v.Holders = append(v.Holders, row)
	}
	for _, g := range req.snap.Groups() {
		if slices.Contains(g.Roles, id) {
			v.Groups = append(v.Groups, g)
		}
	}
	for _, at := range req.snap.AccountTypes() {
		if slices.Contains(at.DefaultRoles, id) {
			v.Defaults = append(v.Defaults, at.ID)
		}
	}
	return c.render(req, 200, "role", "Role "+roleName(r), "roles", v)
}

// roleForm serves role-new and role-edit.
func (c *console) roleForm(req *request) error {
	if !req.rights.Roles {
		return errForbidden
	}
	var r rbac.Role
	editing := strings.HasSuffix(req.r.URL.Path, "role-edit")
	if editing {
		id := rbac.RoleID(req.r.URL.Query().Get("id"))
		var ok bool
		if r, ok = req.snap.Role(id); !ok {
			return notFound("There is no role with the id " + quote(string(id)) + ".")
		}
	}
	title := "Create a role"
	if editing {
		title = "Change role " + roleName(r)
	}
	return c.render(req, 200, "roleform", title, "roles", struct {
		Editing      bool
		Role         rbac.Role
		AccountTypes []rbac.AccountTypeDef
		Contains     string
		Grants       string
	}{editing, r, req.snap.AccountTypes(), joinLines(r.Contains), joinGrants(r.Grants)})
}

func roleName(r rbac.Role) string {
	if r.Title != "" {
		return r.Title
	}
	return string(r.ID)
}

func joinLines[T ~string](xs []T) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(string(x))
		b.WriteByte('\n')
	}
	return b.String()
}

func joinGrants(gs []rbac.Grant) string {
	var b strings.Builder
	for _, g := range gs {
		b.WriteString(g.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
