package adminui

import (
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

func (c *console) users(req *request) error {
	if !req.rights.UsersPage() {
		return errForbidden
	}
	q := req.r.URL.Query()
	query := rbac.UserQuery{Contains: strings.TrimSpace(q.Get("q")), After: rbac.UserID(q.Get("after")), Before: rbac.UserID(q.Get("before")), Limit: c.opts.PageSize}
	if !req.rights.Reader() {
		req.rights.coveredBy(&query)
	}
	if query.After != "" {
		query.Before = ""
	}
	page := req.snap.Users(query)
	// Links to the neighbouring pages. Reading forwards, "More" means a
	// next page and a cursor means a previous one; backwards, the reverse.
	var prev, next string
	if n := len(page.Users); n > 0 {
		first, last := string(page.Users[0].ID), string(page.Users[n-1].ID)
		forwards := query.Before == ""
		if forwards && page.More || !forwards {
			next = last
		}
		if forwards && query.After != "" || !forwards && page.More {
			prev = first
		}
	}
	return c.render(req, 200, "users", "Users", "users", struct {
		Query       string
		Page        rbac.UserPage
		Prev, Next  string
		First, Last int
	}{query.Contains, page, prev, next, 0, 0})
}

type userView struct {
	User        rbac.User
	Roles       []rbac.RoleSource
	Direct      []rbac.RoleID
	Permissions []permSection
	Workgroups  []rbac.Workgroup
	Groups      []rbac.Group
	Assignable  []rbac.Role
	Joinable    []rbac.Group
	TypeRole    bool // too many roles for a list: type the id
	TypeGroup   bool // too many groups for a list: type the id
	MayChange   bool // offer assign, unassign and joining groups
}

// maxOffer bounds a drop-down list; past it the page asks for an id.
const maxOffer = 200

type permSection struct {
	Name  string
	Perms []rbac.ScopedPermission
}

func (c *console) user(req *request) error {
	id := rbac.UserID(req.r.URL.Query().Get("id"))
	if !req.rights.mayReadUser(req.snap, id) {
		return errForbidden
	}
	u, ok := req.snap.User(id)
	if !ok {
		return notFound("There is no user with the id " + quote(string(id)) + ".")
	}
	v := userView{User: u, Roles: req.snap.RolesOf(id), Direct: u.Roles, MayChange: req.rights.mayChangeUser(req.snap, id)}
	cat := req.c.catalogue(req.snap)
	for _, sp := range req.snap.PermissionsOf(id) {
		sec := cat.sectionOfGrant(sp.Permission)
		i := slices.IndexFunc(v.Permissions, func(s permSection) bool { return s.Name == sec })
		if i < 0 {
			v.Permissions = append(v.Permissions, permSection{Name: sec})
			i = len(v.Permissions) - 1
		}
		v.Permissions[i].Perms = append(v.Permissions[i].Perms, sp)
	}
	slices.SortFunc(v.Permissions, func(a, b permSection) int { return strings.Compare(a.Name, b.Name) })
	wgs := map[rbac.WorkgroupID]rbac.Workgroup{}
	for _, w := range req.snap.Workgroups() {
		wgs[w.ID] = w
	}
	for _, w := range u.Workgroups {
		wg, ok := wgs[w]
		if !ok {
			wg = rbac.Workgroup{ID: w}
		}
		v.Workgroups = append(v.Workgroups, wg)
	}
	for _, g := range req.snap.Groups() {
		if slices.Contains(u.Groups, g.ID) {
			v.Groups = append(v.Groups, g)
		} else if v.MayChange && (g.AccountType == "" || g.AccountType == u.AccountType) && len(v.Joinable) <= maxOffer {
			v.Joinable = append(v.Joinable, g)
		}
	}
	v.TypeGroup = len(v.Joinable) > maxOffer
	if v.TypeGroup {
		v.Joinable = nil
	}
	if v.MayChange {
		for _, r := range req.snap.Roles() {
			if roleOpenTo(r, u.AccountType) && !slices.Contains(u.Roles, r.ID) {
				v.Assignable = append(v.Assignable, r)
				if len(v.Assignable) > maxOffer {
					break
				}
			}
		}
		v.TypeRole = len(v.Assignable) > maxOffer
		if v.TypeRole {
			v.Assignable = nil
		}
	}
	return c.render(req, 200, "user", "User "+string(u.ID), "users", v)
}
