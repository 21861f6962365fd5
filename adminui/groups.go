package adminui

import (
	"strings"

	"github.com/rolegraph/rbac"
)

func (c *console) groups(req *request) error {
	q := strings.TrimSpace(req.r.URL.Query().Get("q"))
	var rows []rbac.Group
	for _, g := range req.snap.Groups() {
		if !req.rights.mayReadGroup(g.ID) {
			continue
		}
		if q != "" && !containsFold(string(g.ID), q) && !containsFold(g.Name, q) {
			continue
		}
		rows = append(rows, g)
	}
	title := "Groups"
	if req.rights.Delegate() {
		title = "Your groups"
	}
	total := len(rows)
	page, pg := pageOf(rows, req.r.URL.Query().Get("page"), 100)
	return c.render(req, 200, "groups", title, "groups", struct {
		Query string
		Rows  []rbac.Group
		Total int
		Pager pager
	}{q, page, total, pg})
}

type groupView struct {
	Group       rbac.Group
	Roles       []rbac.Role
	Members     []rbac.UserID
	MemberCount int
	Pager       pager
	// Offered: what the actor may be offered on this page.
	MayEdit, MayMembers bool
	Addable             []rbac.Role // roles open to the group's account type, not yet in it
	RoleCount           int
	TypeRole            bool
}

func (c *console) group(req *request) error {
	id := rbac.GroupID(req.r.URL.Query().Get("id"))
	if !req.rights.mayReadGroup(id) {
		// A delegate learns nothing about groups they do not manage, not
		// even whether they exist.
		return errForbidden
	}
	g, ok := req.snap.Group(id)
	if !ok {
		return notFound("There is no group with the id " + quote(string(id)) + ".")
	}
	v := groupView{Group: g, MayEdit: req.rights.Groups, MayMembers: req.rights.Users || req.rights.manages(id)}
	for _, r := range g.Roles {
		role, _ := req.snap.Role(r)
		if role.ID == "" {
			role.ID = r
		}
		v.Roles = append(v.Roles, role)
	}
	members := req.snap.MembersOf(id)
	v.MemberCount = len(members)
	v.Members, v.Pager = pageOf(members, req.r.URL.Query().Get("page"), c.opts.PageSize)
	if v.MayEdit {
		all := req.snap.Roles()
		v.RoleCount = len(all)
		for _, r := range all {
			if roleOpenTo(r, g.AccountType) && !containsID(g.Roles, r.ID) {
				v.Addable = append(v.Addable, r)
				if len(v.Addable) > maxOffer {
					break
				}
			}
		}
		v.TypeRole = len(v.Addable) > maxOffer
		if v.TypeRole {
			v.Addable = nil
		}
	}
	return c.render(req, 200, "group", "Group "+g.Name, "groups", v)
}

// roleOpenTo: the offer list leaves out roles the group's account type may
// not hold, so the list is short; the Admin API decides anyway.
func roleOpenTo(r rbac.Role, t rbac.AccountType) bool {
	if len(r.AccountTypes) == 0 {
		return true
	}
	return t != "" && containsID(r.AccountTypes, t)
}

func containsID[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (c *console) groupNew(req *request) error {
	if !req.rights.Groups {
		return errForbidden
	}
	return c.render(req, 200, "groupnew", "Create a group", "groups", req.snap.AccountTypes())
}
