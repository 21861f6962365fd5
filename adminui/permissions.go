package adminui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// catalogue is the permission catalogue arranged in sections. A policy
// without a catalogue gets one made of the permission names its roles
// grant, sectioned by their first segment.
type catalogue struct {
	defs     map[rbac.Permission]rbac.PermissionDef
	Sections []section
	declared bool     // the policy has a catalogue
	names    []string // every name, sorted
}

type section struct {
	Name  string
	Perms []rbac.PermissionDef
	// Wildcard is the section's "select all" grant, "prefix.*", when every
	// permission of the section, and no other, lies under one prefix.
	Wildcard rbac.Permission
}

// catalogue returns the catalogue of snapshot s, built once per snapshot:
// pages read it often and the model changes rarely.
func (c *console) catalogue(s *rbac.Snapshot) *catalogue {
	c.catMu.Lock()
	defer c.catMu.Unlock()
	if c.catSnap != s {
		c.cat, c.catSnap = catalogueOf(s), s
	}
	return c.cat
}

func catalogueOf(s *rbac.Snapshot) *catalogue {
	cat := &catalogue{defs: map[rbac.Permission]rbac.PermissionDef{}}
	defs := s.Permissions()
	cat.declared = len(defs) > 0
	if !cat.declared {
		seen := map[rbac.Permission]bool{}
		for _, r := range s.Roles() {
			for _, g := range r.Grants {
				if !g.Permission.IsWildcard() && !seen[g.Permission] {
					seen[g.Permission] = true
					defs = append(defs, rbac.PermissionDef{Name: g.Permission})
				}
			}
		}
		slices.SortFunc(defs, func(a, b rbac.PermissionDef) int { return strings.Compare(string(a.Name), string(b.Name)) })
	}
	bySection := map[string]int{}
	for _, d := range defs {
		if d.Section == "" {
			d.Section = firstSegment(d.Name)
		}
		cat.defs[d.Name] = d
		i, ok := bySection[d.Section]
		if !ok {
			i = len(cat.Sections)
			bySection[d.Section] = i
			cat.Sections = append(cat.Sections, section{Name: d.Section})
		}
		cat.Sections[i].Perms = append(cat.Sections[i].Perms, d)
	}
	for name := range cat.defs {
		cat.names = append(cat.names, string(name))
	}
	slices.Sort(cat.names)
	for i := range cat.Sections {
		cat.Sections[i].Wildcard = cat.wildcardOf(cat.Sections[i])
	}
	slices.SortFunc(cat.Sections, func(a, b section) int { return strings.Compare(a.Name, b.Name) })
	return cat
}

func firstSegment(p rbac.Permission) string {
	first, _, _ := strings.Cut(string(p), ".")
	return first
}

// wildcardOf finds the longest dotted prefix shared by the section's
// permissions that reaches no permission outside the section.
func (cat *catalogue) wildcardOf(sec section) rbac.Permission {
	if len(sec.Perms) == 0 {
		return ""
	}
	first := strings.Split(string(sec.Perms[0].Name), ".")
	common := len(first) - 1 // a wildcard's prefix leaves a last segment
	for _, d := range sec.Perms[1:] {
		segs := strings.Split(string(d.Name), ".")
		n := 0
		for n < common && n < len(segs)-1 && segs[n] == first[n] {
			n++
		}
		common = n
	}
	if common == 0 {
		return ""
	}
	prefix := strings.Join(first[:common], ".")
	// The catalogued names under the prefix are contiguous in sorted order:
	// the wildcard is the section's if they are exactly its own.
	lo, _ := slices.BinarySearch(cat.names, prefix+".")
	hi, _ := slices.BinarySearch(cat.names, prefix+"/") // '/' sorts right after '.'
	if hi-lo != len(sec.Perms) {
		return ""
	}
	for _, name := range cat.names[lo:hi] {
		if cat.defs[rbac.Permission(name)].Section != sec.Name {
			return ""
		}
	}
	return rbac.Permission(prefix + ".*")
}

// sectionOfGrant names the section a grant belongs to: its permission's,
// the section whose wildcard it is, or its first segment.
func (cat *catalogue) sectionOfGrant(p rbac.Permission) string {
	if d, ok := cat.defs[p]; ok {
		return d.Section
	}
	for _, s := range cat.Sections {
		if s.Wildcard == p {
			return s.Name
		}
	}
	if p == "*" {
		return "Everything"
	}
	return firstSegment(p)
}

// sensitiveIn lists the sensitive catalogued permissions a grant pattern
// reaches.
func (cat *catalogue) sensitiveIn(p rbac.Permission) []rbac.PermissionDef {
	var out []rbac.PermissionDef
	for _, s := range cat.Sections {
		for _, d := range s.Perms {
			if d.Sensitive != "" && p.Matches(d.Name) {
				out = append(out, d)
			}
		}
	}
	return out
}

func (c *console) permissions(req *request) error {
	if !req.rights.Reader() {
		return errForbidden
	}
	cat := req.c.catalogue(req.snap)
	sections, pg := pageOf(cat.Sections, req.r.URL.Query().Get("page"), sectionsPerPage)
	return c.render(req, 200, "permissions", "Permissions", "permissions", struct {
		Sections []section
		First    int // index of the first section shown, for anchors
		Pager    pagerLinks
	}{sections, (pg.Page - 1) * sectionsPerPage, pagerFor("permissions", pg, "", "")})
}

// editor is the grants editor of one role: every catalogued permission with
// a box and a scope, a "select all in section" box per section, and the
// grants that fit no box as text.
type editor struct {
	Role     rbac.Role
	Sections []editorSection
	Other    string
	Scopes   []rbac.Scope
	Pager    pagerLinks
}

type editorSection struct {
	Name     string
	Key      string // form-safe index of the section
	Wildcard rbac.Permission
	All      bool       // the role grants the wildcard
	AllScope rbac.Scope // at this scope
	Rows     []editorRow
}

type editorRow struct {
	Def     rbac.PermissionDef
	Checked bool
	Scope   rbac.Scope
}

var scopes = []rbac.Scope{rbac.ScopeMine, rbac.ScopeWorkgroup, rbac.ScopeGlobal, rbac.ScopeAll}

func (c *console) roleGrants(req *request) error {
	if !req.rights.Roles {
		return errForbidden
	}
	id := rbac.RoleID(req.r.URL.Query().Get("id"))
	r, ok := req.snap.Role(id)
	if !ok {
		return notFound("There is no role with the id " + quote(string(id)) + ".")
	}
	page, _ := strconv.Atoi(req.r.URL.Query().Get("page"))
	return c.render(req, 200, "grants", "Permissions of "+roleName(r), "roles", editorFor(req.c.catalogue(req.snap), r, page))
}

// sectionsPerPage bounds the editor: a catalogue of thousands of sections
// is edited a page of sections at a time, and the sections not on the page
// keep their grants.
const sectionsPerPage = 25

func editorFor(cat *catalogue, r rbac.Role, page int) editor {
	ed := editor{Role: r, Scopes: scopes}
	keys := make([]int, len(cat.Sections))
	for i := range keys {
		keys[i] = i
	}
	shown, pg := pageOf(keys, itoa(page), sectionsPerPage)
	ed.Pager = pagerFor("role-grants", pg, "id", string(r.ID))
	used := map[rbac.Grant]bool{}
	for i, s := range cat.Sections {
		onPage := len(shown) > 0 && i >= shown[0] && i <= shown[len(shown)-1]
		es := editorSection{Name: s.Name, Key: itoa(i), Wildcard: s.Wildcard, AllScope: rbac.ScopeGlobal}
		for _, g := range r.Grants {
			if s.Wildcard != "" && g.Permission == s.Wildcard && !es.All {
				es.All, es.AllScope, used[g] = true, g.Scope, true
			}
		}
		for _, d := range s.Perms {
			row := editorRow{Def: d, Scope: rbac.ScopeGlobal}
			for _, g := range r.Grants {
				if g.Permission == d.Name && !row.Checked {
					row.Checked, row.Scope, used[g] = true, g.Scope, true
				}
			}
			es.Rows = append(es.Rows, row)
		}
		if onPage {
			ed.Sections = append(ed.Sections, es)
		}
	}
	var other []rbac.Grant
	for _, g := range r.Grants {
		if !used[g] {
			other = append(other, g)
		}
	}
	ed.Other = joinGrants(other)
	return ed
}

// grantsFromEditor reads the editor's form back into grants. A ticked
// "select all" box grants the section's wildcard where it has one, and
// otherwise every permission of the section that is not deprecated.
func grantsFromEditor(cat *catalogue, form map[string][]string, cur rbac.Role) ([]rbac.Grant, error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var out []rbac.Grant
	add := func(g rbac.Grant) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	ticked := map[string]bool{}
	for _, p := range form["grant"] {
		ticked[p] = true
	}
	shown := map[string]bool{}
	for _, k := range form["shown"] {
		shown[k] = true
	}
	for i, s := range cat.Sections {
		key := itoa(i)
		if !shown[key] {
			// Not on the form: the section keeps what the role grants.
			for _, g := range cur.Grants {
				if s.Wildcard != "" && g.Permission == s.Wildcard || g.Permission != s.Wildcard && cat.defs[g.Permission].Section == s.Name && cat.defs[g.Permission].Name != "" {
					add(g)
				}
			}
			continue
		}
		if get("all."+key) != "" {
			scope, err := rbac.ParseScope(get("allscope." + key))
			if err != nil {
				return nil, badRequest("Choose a scope for every ticked permission.")
			}
			if s.Wildcard != "" {
				add(rbac.Grant{Permission: s.Wildcard, Scope: scope})
				// Ticked rows the wildcard covers add nothing; a row at a
				// scope the wildcard's does not cover is kept.
				for _, d := range s.Perms {
					if row, err := rbac.ParseScope(get("scope." + string(d.Name))); err == nil && ticked[string(d.Name)] && !scope.Covers(row) {
						add(rbac.Grant{Permission: d.Name, Scope: row})
					}
				}
				continue
			}
			for _, d := range s.Perms {
				if d.Deprecated == "" {
					add(rbac.Grant{Permission: d.Name, Scope: scope})
				}
			}
		}
		for _, d := range s.Perms {
			if !ticked[string(d.Name)] {
				continue
			}
			scope, err := rbac.ParseScope(get("scope." + string(d.Name)))
			if err != nil {
				return nil, badRequest("Choose a scope for every ticked permission.")
			}
			add(rbac.Grant{Permission: d.Name, Scope: scope})
		}
	}
	other, err := parseGrants(get("other"))
	if err != nil {
		return nil, err
	}
	for _, g := range other {
		add(g)
	}
	return out, nil
}

// parseGrants reads grants written one a line ("evaluation.read@mine").
func parseGrants(text string) ([]rbac.Grant, error) {
	var out []rbac.Grant
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		g, err := rbac.ParseGrant(line)
		if err != nil {
			return nil, badRequest("The grant " + quote(line) + " is not valid: " + err.Error())
		}
		out = append(out, g)
	}
	return out, nil
}
