package adminui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// Every change is a form posted to "preview", which shows who gains and
// loses what; the preview's own form posts the same fields to "apply",
// which makes the change through the Admin API. The console never writes
// anything itself, and builds the preview's changes only to show them: the
// Admin API judges the change when it is applied.

// plan is one proposed change.
type plan struct {
	Title   string        // "Add role x to group y"
	Changes []rbac.Change // what Preview evaluates
	Back    string        // the page to return to
	// Nothing, when set, says the change would change nothing (adding what
	// is there): a plain message, nothing to confirm.
	Nothing string
	// Losing lists the members who lose a group that is deleted.
	Losing []rbac.UserID
	// NeedsReason, when set, says why this change always needs a reason.
	NeedsReason string
	do          func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error)
}

type formValues = url.Values

// planners maps each form's op to what it does and who may be offered it.
var planners = map[string]func(*request, formValues) (*plan, error){
	"role.create":         planRoleCreate,
	"role.update":         planRoleUpdate,
	"role.grants":         planRoleGrants,
	"role.delete":         planRoleDelete,
	"group.create":        planGroupCreate,
	"group.copy":          planGroupCopy,
	"group.delete":        planGroupDelete,
	"group.addrole":       planGroupAddRole,
	"group.removerole":    planGroupRemoveRole,
	"group.addmanager":    planGroupManager(true),
	"group.removemanager": planGroupManager(false),
	"member.add":          planMember(true),
	"member.remove":       planMember(false),
	"user.assign":         planUserRole(true),
	"user.unassign":       planUserRole(false),
	"revert":              planRevert,
	"owners.set":          planOwners(false),
	"owners.create":       planOwners(true),
}

func (c *console) planFor(req *request) (*plan, error) {
	form := req.r.PostForm
	f, ok := planners[form.Get("op")]
	if !ok {
		return nil, badRequest("The form asked for a change the console does not know.")
	}
	return f(req, form)
}

type previewView struct {
	Plan      *plan
	Fields    []field
	Revision  rbac.Revision
	Impacts   []rbac.UserImpact
	Affected  int
	Sensitive []sensitiveGain
	Changes   []historyChange
	More      int
	Reason    string
	// ReasonNeed says why the change needs a reason; "" when it may go
	// without one.
	ReasonNeed string
	Refused    bool
}

type field struct{ Name, Value string }

type sensitiveGain struct {
	Def   rbac.PermissionDef
	Users []rbac.UserID
	More  int
}

func (c *console) preview(req *request) error {
	p, err := c.planFor(req)
	if err != nil {
		return err
	}
	return c.showPreview(req, p, http.StatusOK, "", "")
}

// showPreview renders the preview of p with an optional error (a refusal)
// or notice.
func (c *console) showPreview(req *request, p *plan, status int, errMsg, notice string) error {
	v := previewView{Plan: p, Revision: req.snap.Revision(), Reason: req.r.PostForm.Get("reason")}
	keys := make([]string, 0, len(req.r.PostForm))
	for k := range req.r.PostForm {
		if k != "csrf" && k != "reason" && k != "rev" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, val := range req.r.PostForm[k] {
			v.Fields = append(v.Fields, field{k, val})
		}
	}
	if p.Nothing == "" {
		impacts, err := req.admin().Preview(req.r.Context(), p.Changes...)
		if err != nil {
			status, msg := refusal(err)
			if errMsg == "" {
				errMsg = msg
			}
			v.Refused = true
			if status > 0 {
				return c.renderPreview(req, status, v, errMsg, notice)
			}
		}
		v.Affected = len(impacts)
		cat := req.c.catalogue(req.snap)
		byName := map[rbac.Permission]int{}
		for _, ui := range impacts {
			for _, sp := range ui.Gained {
				for _, d := range cat.sensitiveIn(sp.Permission) {
					i, ok := byName[d.Name]
					if !ok {
						i = len(v.Sensitive)
						byName[d.Name] = i
						v.Sensitive = append(v.Sensitive, sensitiveGain{Def: d})
					}
					sg := &v.Sensitive[i]
					if slices.Contains(sg.Users, ui.User) {
						continue
					}
					if len(sg.Users) < c.opts.PageSize {
						sg.Users = append(sg.Users, ui.User)
					} else {
						sg.More++
					}
				}
			}
		}
		v.ReasonNeed = c.reasonNeed(p, len(v.Sensitive) > 0)
		if len(impacts) > c.opts.PageSize {
			impacts = impacts[:c.opts.PageSize]
		}
		v.Impacts = impacts
		for i, ch := range p.Changes {
			if i == maxChangesShown {
				v.More = len(p.Changes) - i
				break
			}
			v.Changes = append(v.Changes, req.rights.redact(describeChange(req.snap, ch), req.snap, ch))
		}
	}
	return c.renderPreview(req, status, v, errMsg, notice)
}

func (c *console) renderPreview(req *request, status int, v previewView, errMsg, notice string) error {
	vw := view{Console: c.opts.Title, Banner: c.opts.Banner, Title: "Check the change: " + v.Plan.Title, Nav: "", Actor: req.rights.actor, Rights: req.rights, CSRF: req.csrf, Error: errMsg, Notice: notice, Data: v}
	req.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	req.w.WriteHeader(status)
	return c.pages["preview"].Execute(req.w, vw)
}

// describeChange shows a proposed change as History shows a recorded one.
func describeChange(s *rbac.Snapshot, ch rbac.Change) historyChange {
	var before rbac.Entity
	switch ch.Kind {
	case rbac.EntityRole:
		if r, ok := s.Role(rbac.RoleID(ch.Key)); ok {
			before = r
		}
	case rbac.EntityGroup:
		if g, ok := s.Group(rbac.GroupID(ch.Key)); ok {
			before = g
		}
	case rbac.EntityUser:
		if u, ok := s.User(rbac.UserID(ch.Key)); ok {
			before = u
		}
	case rbac.EntityOwnership:
		if o, ok := ch.After.(rbac.Ownership); ok {
			for _, have := range s.Ownerships(o.Kind) {
				if have.ID == o.ID {
					before = have
				}
			}
		}
	}
	op := "change"
	switch {
	case ch.After == nil:
		op = "delete"
	case before == nil && ch.Kind != rbac.EntityPermission:
		op = "create"
	}
	if before == nil && ch.Before != nil {
		before = ch.Before
	}
	return historyChange{Kind: ch.Kind, Key: ch.Key, Op: op, Fields: fieldChanges(before, ch.After)}
}

// redact hides from a delegate (who manages groups but not users) what a
// user change says beyond his own groups: the user's org, other groups and
// roles are not his to see.
func (rt rights) redact(hc historyChange, s *rbac.Snapshot, ch rbac.Change) historyChange {
	if ch.Kind != rbac.EntityUser || rt.Users || rt.Agency && s.CoversUser(rt.actor, rbac.UserID(ch.Key)) {
		return hc
	}
	only := func(e rbac.Entity) rbac.Entity {
		u, ok := e.(rbac.User)
		if !ok {
			return nil
		}
		mine := rbac.User{ID: u.ID}
		for _, g := range u.Groups {
			if rt.manages(g) {
				mine.Groups = append(mine.Groups, g)
			}
		}
		return mine
	}
	var before rbac.Entity
	if u, ok := s.User(rbac.UserID(ch.Key)); ok {
		before = u
	}
	hc.Fields = fieldChanges(only(before), only(ch.After))
	return hc
}

// refusal maps an Admin API error to a status and the rule's message.
// Adding what is there is not a failure: status 0, a plain message.
func refusal(err error) (int, string) {
	msg := err.Error()
	switch {
	case errors.Is(err, rbac.ErrExists):
		return 0, msg
	case errors.Is(err, rbac.ErrForbidden):
		return http.StatusForbidden, msg
	case errors.Is(err, rbac.ErrConflict):
		return http.StatusConflict, msg
	case errors.Is(err, rbac.ErrNotFound):
		return http.StatusNotFound, msg
	case errors.Is(err, rbac.ErrInvalid), errors.Is(err, rbac.ErrCycle), errors.Is(err, rbac.ErrSeparationOfDuty):
		return http.StatusUnprocessableEntity, msg
	}
	return http.StatusInternalServerError, msg
}

func (c *console) apply(req *request) error {
	p, err := c.planFor(req)
	if err != nil {
		return err
	}
	if p.Nothing != "" {
		return c.showPreview(req, p, http.StatusOK, "", "")
	}
	// What the actor confirmed is what the preview showed at that
	// revision; if the model has moved, show the preview again.
	if rev, _ := strconv.ParseUint(req.r.PostForm.Get("rev"), 10, 64); rbac.Revision(rev) != req.snap.Revision() {
		return c.showPreview(req, p, http.StatusConflict, "", "The access model changed while you were reading the preview. Check the change again, then confirm.")
	}
	reason := strings.TrimSpace(req.r.PostForm.Get("reason"))
	if reason == "" {
		if need := c.reasonNeed(p, c.givesSensitive(req, p)); need != "" {
			return c.showPreview(req, p, http.StatusUnprocessableEntity, "Give a reason for the change: "+need+".", "")
		}
	}
	rev, err := p.do(req.r.Context(), req.admin(), reason)
	if err != nil {
		status, msg := refusal(err)
		if status == 0 {
			return c.showPreview(req, &plan{Title: p.Title, Back: p.Back, Nothing: msg}, http.StatusOK, "", "")
		}
		return c.showPreview(req, p, status, "The change was refused: "+msg, "")
	}
	back := p.Back
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	req.seeOther(back + sep + "done=applied-" + strconv.FormatUint(uint64(rev), 10))
	return nil
}

// reasonNeed says why change p needs a reason, or "" when it may go
// without: a change that gives a sensitive permission, and a revert,
// always need one; with Options.RequireReason, every change does.
func (c *console) reasonNeed(p *plan, sensitive bool) string {
	switch {
	case sensitive:
		return "a sensitive permission is involved"
	case p.NeedsReason != "":
		return p.NeedsReason
	case c.opts.RequireReason:
		return "every change is recorded with its reason"
	}
	return ""
}

// givesSensitive reports whether p would give anyone a sensitive
// permission, as its preview shows. A preview that fails says nothing:
// the Admin API then refuses the change itself.
func (c *console) givesSensitive(req *request, p *plan) bool {
	impacts, err := req.admin().Preview(req.r.Context(), p.Changes...)
	if err != nil {
		return false
	}
	cat := c.catalogue(req.snap)
	for _, ui := range impacts {
		for _, sp := range ui.Gained {
			if len(cat.sensitiveIn(sp.Permission)) > 0 {
				return true
			}
		}
	}
	return false
}

// The planners. Each reads the current entity from the snapshot only to
// show the change; the Admin method named in do makes it.

func need(ok bool) error {
	if !ok {
		return errForbidden
	}
	return nil
}

func link(page string, id string) string { return page + "?id=" + url.QueryEscape(id) }

func roleFromForm(f formValues) (rbac.Role, error) {
	r := rbac.Role{ID: rbac.RoleID(strings.TrimSpace(f.Get("id"))), Title: strings.TrimSpace(f.Get("title")), Description: strings.TrimSpace(f.Get("description"))}
	for _, at := range f["account_type"] {
		r.AccountTypes = append(r.AccountTypes, rbac.AccountType(at))
	}
	for _, line := range strings.Split(f.Get("contains"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			r.Contains = append(r.Contains, rbac.RoleID(line))
		}
	}
	return r, nil
}

func planRoleCreate(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Roles); err != nil {
		return nil, err
	}
	r, _ := roleFromForm(f)
	grants, err := parseGrants(f.Get("grants"))
	if err != nil {
		return nil, err
	}
	r.Grants = grants
	return &plan{Title: "Create role " + string(r.ID), Changes: []rbac.Change{rbac.PutRole(r)}, Back: link("role", string(r.ID)),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.CreateRole(ctx, reason, r)
		}}, nil
}

func existingRole(req *request, id string) (rbac.Role, error) {
	r, ok := req.snap.Role(rbac.RoleID(id))
	if !ok {
		return r, notFound("There is no role with the id " + quote(id) + ".")
	}
	return r, nil
}

func planRoleUpdate(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Roles); err != nil {
		return nil, err
	}
	cur, err := existingRole(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	r, _ := roleFromForm(f)
	r.Grants = cur.Grants
	return &plan{Title: "Change role " + string(r.ID), Changes: []rbac.Change{rbac.PutRole(r)}, Back: link("role", string(r.ID)),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.UpdateRole(ctx, reason, r)
		}}, nil
}

func planRoleGrants(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Roles); err != nil {
		return nil, err
	}
	r, err := existingRole(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	grants, err := grantsFromEditor(req.c.catalogue(req.snap), f, r)
	if err != nil {
		return nil, err
	}
	p := &plan{Title: "Change the permissions of role " + string(r.ID), Back: link("role", string(r.ID))}
	if slices.Equal(grants, r.Grants) || sameGrants(grants, r.Grants) {
		p.Nothing = "Role " + quote(string(r.ID)) + " already grants exactly these permissions: nothing to change."
		return p, nil
	}
	r.Grants = grants
	p.Changes = []rbac.Change{rbac.PutRole(r)}
	p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
		return ad.UpdateRole(ctx, reason, r)
	}
	return p, nil
}

func sameGrants(a, b []rbac.Grant) bool {
	if len(a) != len(b) {
		return false
	}
	for _, g := range a {
		if !slices.Contains(b, g) {
			return false
		}
	}
	return true
}

func planRoleDelete(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Roles); err != nil {
		return nil, err
	}
	r, err := existingRole(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	return &plan{Title: "Delete role " + string(r.ID), Changes: []rbac.Change{rbac.DeleteRole(r.ID)}, Back: "roles?",
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.DeleteRole(ctx, reason, r.ID)
		}}, nil
}

func existingGroup(req *request, id string) (rbac.Group, error) {
	if !req.rights.mayReadGroup(rbac.GroupID(id)) {
		return rbac.Group{}, errForbidden
	}
	g, ok := req.snap.Group(rbac.GroupID(id))
	if !ok {
		return g, notFound("There is no group with the id " + quote(id) + ".")
	}
	return g, nil
}

func planGroupCreate(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Groups); err != nil {
		return nil, err
	}
	g := rbac.Group{ID: rbac.GroupID(strings.TrimSpace(f.Get("id"))), Name: strings.TrimSpace(f.Get("name")), Description: strings.TrimSpace(f.Get("description")), AccountType: rbac.AccountType(f.Get("account_type"))}
	return &plan{Title: "Create group " + g.Name, Changes: []rbac.Change{rbac.PutGroup(g)}, Back: link("group", string(g.ID)),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.CreateGroup(ctx, reason, g)
		}}, nil
}

func planGroupCopy(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Groups); err != nil {
		return nil, err
	}
	src, err := existingGroup(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	newID, newName := rbac.GroupID(strings.TrimSpace(f.Get("new_id"))), strings.TrimSpace(f.Get("new_name"))
	if newID == "" || newName == "" {
		return nil, badRequest("Give the copy an id and a name.")
	}
	cp := src.Copy(newID, newName)
	return &plan{Title: "Copy group " + src.Name + " as " + newName, Changes: []rbac.Change{rbac.PutGroup(cp)}, Back: link("group", string(newID)),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.CopyGroup(ctx, reason, src.ID, newID, newName)
		}}, nil
}

func planGroupDelete(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Groups); err != nil {
		return nil, err
	}
	g, err := existingGroup(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	return &plan{Title: "Delete group " + g.Name, Changes: []rbac.Change{rbac.DeleteGroup(g.ID)}, Back: "groups?", Losing: req.snap.MembersOf(g.ID),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.DeleteGroup(ctx, reason, g.ID)
		}}, nil
}

func planGroupAddRole(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Groups); err != nil {
		return nil, err
	}
	g, err := existingGroup(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	r := rbac.RoleID(strings.TrimSpace(f.Get("role")))
	p := &plan{Title: "Add role " + string(r) + " to group " + g.Name, Back: link("group", string(g.ID))}
	if slices.Contains(g.Roles, r) {
		p.Nothing = "Group " + quote(g.Name) + " already has role " + quote(string(r)) + ": nothing to change."
		return p, nil
	}
	after := g.Clone()
	after.Roles = append(after.Roles, r)
	p.Changes = []rbac.Change{rbac.PutGroup(after)}
	p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
		return ad.AddGroupRole(ctx, reason, g.ID, r)
	}
	return p, nil
}

func planGroupRemoveRole(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Groups); err != nil {
		return nil, err
	}
	g, err := existingGroup(req, f.Get("id"))
	if err != nil {
		return nil, err
	}
	r := rbac.RoleID(f.Get("role"))
	after := g.Clone()
	after.Roles = slices.DeleteFunc(after.Roles, func(x rbac.RoleID) bool { return x == r })
	return &plan{Title: "Remove role " + string(r) + " from group " + g.Name, Changes: []rbac.Change{rbac.PutGroup(after)}, Back: link("group", string(g.ID)),
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.RemoveGroupRole(ctx, reason, g.ID, r)
		}}, nil
}

func planGroupManager(add bool) func(*request, formValues) (*plan, error) {
	return func(req *request, f formValues) (*plan, error) {
		if err := need(req.rights.Groups); err != nil {
			return nil, err
		}
		g, err := existingGroup(req, f.Get("id"))
		if err != nil {
			return nil, err
		}
		u := rbac.UserID(strings.TrimSpace(f.Get("user")))
		after := g.Clone()
		title := "Make " + string(u) + " a manager of group " + g.Name
		if add {
			after.Managers = append(after.Managers, u)
		} else {
			title = "Stop " + string(u) + " managing group " + g.Name
			after.Managers = slices.DeleteFunc(after.Managers, func(x rbac.UserID) bool { return x == u })
		}
		return &plan{Title: title, Changes: []rbac.Change{rbac.PutGroup(after)}, Back: link("group", string(g.ID)),
			do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
				if add {
					return ad.AddGroupManager(ctx, reason, g.ID, u)
				}
				return ad.RemoveGroupManager(ctx, reason, g.ID, u)
			}}, nil
	}
}

func planMember(add bool) func(*request, formValues) (*plan, error) {
	return func(req *request, f formValues) (*plan, error) {
		uid := rbac.UserID(strings.TrimSpace(f.Get("user")))
		agency := req.rights.Agency && req.rights.covers(req.snap, uid)
		gid := rbac.GroupID(f.Get("id"))
		if !req.rights.mayReadGroup(gid) && !agency {
			return nil, errForbidden
		}
		g, ok := req.snap.Group(gid)
		if !ok {
			return nil, notFound("There is no group with the id " + quote(string(gid)) + ".")
		}
		if err := need(req.rights.Users || agency || req.rights.manages(g.ID)); err != nil {
			return nil, err
		}
		p := &plan{Back: link("group", string(g.ID))}
		if f.Get("back") == "user" && req.rights.mayReadUser(req.snap, uid) {
			p.Back = link("user", string(uid))
		}
		u, ok := req.snap.User(uid)
		if !ok || !req.rights.Users && !add && !slices.Contains(u.Groups, g.ID) {
			// A delegate learns only about the group's own members.
			return nil, badRequest("There is no user " + quote(string(uid)) + " to add; check the id.")
		}
		after := u.Clone()
		if add {
			p.Title = "Add " + string(uid) + " to group " + g.Name
			if slices.Contains(u.Groups, g.ID) {
				p.Nothing = quote(string(uid)) + " is already a member of " + quote(g.Name) + ": nothing to change."
				return p, nil
			}
			after.Groups = append(after.Groups, g.ID)
		} else {
			p.Title = "Remove " + string(uid) + " from group " + g.Name
			after.Groups = slices.DeleteFunc(after.Groups, func(x rbac.GroupID) bool { return x == g.ID })
		}
		p.Changes = []rbac.Change{rbac.PutUser(after)}
		p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			if add {
				return ad.AddMember(ctx, reason, g.ID, uid)
			}
			return ad.RemoveMember(ctx, reason, g.ID, uid)
		}
		return p, nil
	}
}

func planUserRole(add bool) func(*request, formValues) (*plan, error) {
	return func(req *request, f formValues) (*plan, error) {
		uid := rbac.UserID(f.Get("id"))
		if err := need(req.rights.mayChangeUser(req.snap, uid)); err != nil {
			return nil, err
		}
		u, ok := req.snap.User(uid)
		if !ok {
			return nil, notFound("There is no user with the id " + quote(string(uid)) + ".")
		}
		r := rbac.RoleID(strings.TrimSpace(f.Get("role")))
		p := &plan{Back: link("user", string(uid))}
		after := u.Clone()
		if add {
			p.Title = "Give " + string(uid) + " role " + string(r)
			if slices.Contains(u.Roles, r) {
				p.Nothing = quote(string(uid)) + " already holds role " + quote(string(r)) + " directly: nothing to change."
				return p, nil
			}
			after.Roles = append(after.Roles, r)
		} else {
			p.Title = "Take role " + string(r) + " from " + string(uid)
			after.Roles = slices.DeleteFunc(after.Roles, func(x rbac.RoleID) bool { return x == r })
		}
		p.Changes = []rbac.Change{rbac.PutUser(after)}
		p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			if add {
				return ad.AssignRole(ctx, reason, uid, r)
			}
			return ad.UnassignRole(ctx, reason, uid, r)
		}
		return p, nil
	}
}

// planRevert previews the inverse of a recorded change set: each entity it
// touched put back as it was before. Admin.Revert makes it (and refuses it
// if anything touched has changed since).
func planRevert(req *request, f formValues) (*plan, error) {
	if err := need(req.rights.Audit); err != nil {
		return nil, err
	}
	rev, err := strconv.ParseUint(f.Get("rev_to_revert"), 10, 64)
	if err != nil || rev == 0 {
		return nil, badRequest("Choose a change to revert from the history.")
	}
	logged, err := req.admin().HistoryPage(req.r.Context(), rbac.HistoryQuery{After: rbac.Revision(rev - 1), Before: rbac.Revision(rev + 1)}, -1)
	if errors.Is(err, rbac.ErrForbidden) {
		return nil, errForbidden
	}
	if err != nil {
		return nil, err
	}
	if len(logged.Sets) == 0 || logged.Sets[0].Revision != rbac.Revision(rev) {
		return nil, notFound("Revision " + strconv.FormatUint(rev, 10) + " is not in the history.")
	}
	sets := logged.Sets[0]
	var changes []rbac.Change
	seen := map[string]bool{}
	for _, ch := range sets.Changes {
		k := string(ch.Kind) + "\x00" + ch.Key
		if seen[k] {
			continue
		}
		seen[k] = true
		if ch.Before == nil {
			changes = append(changes, rbac.Change{Kind: ch.Kind, Key: ch.Key})
		} else {
			changes = append(changes, putEntity(ch.Before))
		}
	}
	r := rbac.Revision(rev)
	return &plan{Title: "Revert revision " + strconv.FormatUint(rev, 10), Changes: changes, Back: "history?", NeedsReason: "a revert says why the change is undone",
		do: func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.Revert(ctx, r, reason)
		}}, nil
}

func putEntity(e rbac.Entity) rbac.Change {
	return rbac.Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e}
}
