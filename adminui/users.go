package adminui

import (
	"net/url"
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
	Temporary   []timedRow // timed assignments with their windows
	Assignable  []rbac.Role
	Joinable    []rbac.Group
	TypeRole    bool // too many roles for a list: type the id
	TypeGroup   bool // too many groups for a list: type the id
	MayChange   bool // offer assign, unassign and joining groups
}

// maxOffer bounds a drop-down list; past it the page asks for an id.
const maxOffer = 200

type permSection struct {
	Name string
	Rows []permRow
}

// permRow is one permission the user holds (or a wildcard pattern a role
// grants), the scopes held, and the route that grants it.
type permRow struct {
	Permission rbac.Permission
	Scopes     []string
	Route      []routeStep
	Holders    string // link to who else holds it; "" when not offered
}

// routeStep is one hop of a route, with a link to its page when the actor
// may read it.
type routeStep struct{ Text, Link string }

// permissionRows lists u's permissions one row each, with the route
// Explain gives. A wildcard pattern cannot be asked of Explain (a checked
// permission is never a wildcard): its route is the role that grants the
// pattern and where that role comes from.
func permissionRows(req *request, u rbac.User) []permRow {
	var rows []permRow
	for _, sp := range req.snap.PermissionsOf(u.ID) {
		if n := len(rows); n > 0 && rows[n-1].Permission == sp.Permission {
			rows[n-1].Scopes = append(rows[n-1].Scopes, sp.Scope.String())
			continue
		}
		row := permRow{Permission: sp.Permission, Scopes: []string{sp.Scope.String()}}
		if sp.Permission.IsWildcard() {
			row.Route = wildcardRoute(req, u.ID, sp.Permission)
		} else {
			d := req.snap.Explain(rbac.Request{User: u.ID, Permission: sp.Permission})
			for _, st := range d.Path {
				if st.Kind != rbac.StepUser {
					row.Route = append(row.Route, req.routeStep(st))
				}
			}
			if req.rights.Audit {
				row.Holders = "review?permission=" + url.QueryEscape(string(sp.Permission)) + "#who-can"
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func wildcardRoute(req *request, u rbac.UserID, pattern rbac.Permission) []routeStep {
	for _, src := range req.snap.RolesOf(u) {
		r, ok := req.snap.Role(src.Role)
		if !ok {
			continue
		}
		for _, g := range r.Grants {
			if g.Permission != pattern {
				continue
			}
			var route []routeStep
			switch src.From {
			case "group":
				route = append(route, req.routeStep(rbac.Step{Kind: rbac.StepGroup, ID: src.Via}))
			case "account_type":
				route = append(route, req.routeStep(rbac.Step{Kind: rbac.StepAccountType, ID: src.Via}))
			case "contains":
				route = append(route, req.routeStep(rbac.Step{Kind: rbac.StepRole, ID: src.Via}))
			}
			return append(route, req.routeStep(rbac.Step{Kind: rbac.StepRole, ID: string(r.ID)}), req.routeStep(rbac.Step{Kind: rbac.StepGrant, ID: g.String()}))
		}
	}
	return nil
}

func (req *request) routeStep(st rbac.Step) routeStep {
	rs := routeStep{Text: st.String()}
	switch {
	case st.Kind == rbac.StepRole && req.rights.Reader():
		rs.Link = link("role", st.ID)
	case st.Kind == rbac.StepGroup && req.rights.mayReadGroup(rbac.GroupID(st.ID)):
		rs.Link = link("group", st.ID)
	}
	return rs
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
	v := userView{User: u, Roles: req.snap.RolesOf(id), Direct: u.Roles, Temporary: timedRows(req, u, c.now()), MayChange: req.rights.mayChangeUser(req.snap, id)}
	cat := req.c.catalogue(req.snap)
	for _, row := range permissionRows(req, u) {
		sec := cat.sectionOfGrant(row.Permission)
		i := slices.IndexFunc(v.Permissions, func(s permSection) bool { return s.Name == sec })
		if i < 0 {
			v.Permissions = append(v.Permissions, permSection{Name: sec})
			i = len(v.Permissions) - 1
		}
		v.Permissions[i].Rows = append(v.Permissions[i].Rows, row)
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
		// Roles the user holds already, however (directly, through a
		// group, by account type or containment), are not offered.
		held := map[rbac.RoleID]bool{}
		for _, src := range v.Roles {
			held[src.Role] = true
		}
		for _, r := range req.snap.Roles() {
			if roleOpenTo(r, u.AccountType) && !held[r.ID] && !slices.Contains(u.Roles, r.ID) {
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
