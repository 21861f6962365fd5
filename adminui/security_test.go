package adminui_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// TestAccess: who sees what, page by page.
func TestAccess(t *testing.T) {
	f := newFixture(t, "nviro")
	for _, tc := range []struct {
		actor, page string
		status      int
		reason      string
	}{
		{"", "/admin/", 401, "the host named nobody"},
		{"paula", "/admin/", 403, "no administration rights, manages no group"},
		{"paula", "/admin/roles", 403, "no administration rights"},
		{"ghost", "/admin/users", 403, "unknown user"},
		{"sven", "/admin/", 200, "a delegate gets their groups"},
		{"sven", "/admin/roles", 403, "a delegate does not read roles"},
		{"sven", "/admin/users", 403, "a delegate does not list users"},
		{"sven", "/admin/user?id=paula", 403, "a delegate does not read users"},
		{"sven", "/admin/group?id=permitting_staff", 403, "a delegate does not see another group"},
		{"sven", "/admin/group?id=north_permit_writers", 200, "a delegate sees their group"},
		{"sven", "/admin/history", 403, "a delegate does not read the history"},
		{"sven", "/admin/review.csv", 403, "a delegate does not read the review"},
		{"rolf", "/admin/role-grants?id=permitting", 200, "a role editor edits grants"},
		{"rolf", "/admin/group-new", 403, "a role editor does not create groups"},
		{"sam", "/admin/role?id=nope", 404, "unknown role"},
	} {
		r := f.get(tc.actor, tc.page)
		if r.status != tc.status {
			t.Errorf("%s: %s as %q: status %d, want %d", tc.reason, tc.page, tc.actor, r.status, tc.status)
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", tc.reason, csp)
		}
	}
	// A delegate's group list holds only their group.
	r := f.get("sven", "/admin/groups")
	if !strings.Contains(r.body, "North Permit Writers") || strings.Contains(r.body, "Permitting Staff<") {
		t.Errorf("a delegate's groups:\n%s", r.body)
	}
	if strings.Contains(f.get("sven", "/admin/group?id=north_permit_writers").body, "group.copy") {
		t.Error("a delegate is offered a copy")
	}
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<script>|\sstyle="|\son[a-z]+="`)

// TestNoInlineScriptOrStyle: every page keeps to the CSP.
func TestNoInlineScriptOrStyle(t *testing.T) {
	f := newFixture(t, "iyss")
	for _, p := range []string{"/admin/", "/admin/role?id=team_manager", "/admin/role-grants?id=team_manager", "/admin/group?id=youth_workers", "/admin/user?id=tariq_manager", "/admin/permissions", "/admin/history", "/admin/review"} {
		if m := inlineScript.FindString(f.get("iris_admin", p).body); m != "" {
			t.Errorf("%s: inline script or style %q", p, m)
		}
	}
}

// TestCSRF: a change without the actor's own fresh token, or from another
// site, is refused before anything is evaluated.
func TestCSRF(t *testing.T) {
	f := newFixture(t, "nviro")
	rev := f.authz.Snapshot().Revision()
	form := func() url.Values {
		return url.Values{"op": {"group.delete"}, "id": {"permitting_staff"}, "rev": {"1"}, "reason": {"x"}}
	}
	for _, tc := range []struct {
		token  string
		header [2]string
		reason string
	}{
		{"", [2]string{}, "no token"},
		{"123.abc", [2]string{}, "a forged token"},
		{f.token("rolf", "/admin/roles"), [2]string{}, "another actor's token"},
		{f.token("sam", "/admin/roles"), [2]string{"Sec-Fetch-Site", "cross-site"}, "a cross-site post"},
		{f.token("sam", "/admin/roles"), [2]string{"Origin", "https://evil.example"}, "another origin"},
	} {
		for _, target := range []string{"/admin/preview", "/admin/apply"} {
			v := form()
			if tc.token != "" {
				v.Set("csrf", tc.token)
			}
			r := f.doWith("sam", "POST", target, v, tc.header)
			if r.status != 403 || !strings.Contains(r.body, "form") {
				t.Errorf("%s to %s: status %d", tc.reason, target, r.status)
			}
		}
	}
	if f.authz.Snapshot().Revision() != rev {
		t.Fatal("a refused post wrote")
	}
	if r := f.get("sam", "/admin/preview"); r.status != 405 {
		t.Errorf("GET preview: %d, want 405", r.status)
	}
}

// TestHostileInput: ids and names made to break out of HTML, or to look
// like SQL, show as text and change nothing the Admin API refuses.
func TestHostileInput(t *testing.T) {
	f := newFixture(t, "nviro")
	rev := f.authz.Snapshot().Revision()
	evil := `<script>alert("x")</script>`
	p := f.post("sam", "/admin/roles", "/admin/preview", url.Values{"op": {"role.create"}, "id": {evil}, "title": {evil}, "grants": {"permit.read@global"}})
	if strings.Contains(p.body, evil) || !strings.Contains(p.body, "&lt;script&gt;") {
		t.Fatalf("preview echoes the id unescaped or not at all:\n%s", p.body)
	}
	if p.status == 200 {
		r := f.confirm("sam", p, "evil")
		if r.status == 303 || strings.Contains(r.body, evil) {
			t.Fatalf("a role with a hostile id was created: %d", r.status)
		}
	}
	if f.authz.Snapshot().Revision() != rev {
		t.Fatal("an invalid id was written")
	}
	for _, page := range []string{"/admin/roles?q=" + url.QueryEscape(`' OR 1=1 --`+evil), "/admin/users?q=" + url.QueryEscape(evil), "/admin/role?id=" + url.QueryEscape(evil), "/admin/users?after=" + url.QueryEscape(evil), "/admin/history?actor=" + url.QueryEscape(evil)} {
		r := f.get("sam", page)
		if strings.Contains(r.body, evil) {
			t.Errorf("%s echoes the input unescaped", page)
		}
	}
	// A hostile name is a valid name: stored, then shown as text.
	name := `"><img src=x onerror=alert(1)> Robert'); DROP TABLE groups;--`
	p = f.post("sam", "/admin/groups", "/admin/preview", url.Values{"op": {"group.copy"}, "id": {"permitting_staff"}, "new_id": {"evil_copy"}, "new_name": {name}})
	if r := f.confirm("sam", p, "test"); r.status != 303 {
		t.Fatalf("copy with a strange name: %d\n%s", r.status, r.body)
	}
	for _, page := range []string{"/admin/group?id=evil_copy", "/admin/groups", "/admin/history"} {
		if body := f.get("sam", page).body; strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders the name as HTML", page)
		}
	}
}

// TestRefusalsShowTheRule: what the Admin API refuses is shown with its
// message, and nothing is written.
func TestRefusalsShowTheRule(t *testing.T) {
	f := newFixture(t, "nviro")
	// A narrow role editor may not confer what he lacks.
	rev := f.authz.Snapshot().Revision()
	p := f.post("rolf", "/admin/roles", "/admin/preview", url.Values{"op": {"role.grants"}, "id": {"permitting"}, "other": {"permit.read@global\npermit.update@global\npermit.issue@global\nevaluation.delete@all"}})
	if p.status != 200 {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	r := f.confirm("rolf", p, "more")
	if r.status != 403 || !strings.Contains(r.body, "evaluation.delete") || !strings.Contains(r.body, "refused") {
		t.Fatalf("confer what one lacks: %d\n%s", r.status, r.body)
	}
	// A delegate may not add a user of another account type.
	p = f.post("sven", "/admin/groups", "/admin/preview", url.Values{"op": {"member.add"}, "id": {"north_permit_writers"}, "user": {"xavier"}})
	if p.status == 200 {
		r = f.confirm("sven", p, "")
		if r.status == 303 {
			t.Fatal("an external user joined an internal group")
		}
	}
	// A delegate may not change his group otherwise, nor touch another's.
	for _, v := range []url.Values{
		{"op": {"group.copy"}, "id": {"north_permit_writers"}, "new_id": {"mine"}, "new_name": {"Mine"}},
		{"op": {"group.addrole"}, "id": {"north_permit_writers"}, "role": {"security_admin"}},
		{"op": {"member.add"}, "id": {"permitting_staff"}, "user": {"nina"}},
		{"op": {"user.assign"}, "id": {"nina"}, "role": {"security_admin"}},
		{"op": {"revert"}, "rev_to_revert": {"1"}},
	} {
		if r := f.post("sven", "/admin/groups", "/admin/preview", v); r.status != 403 {
			t.Errorf("delegate %s: %d", v.Get("op"), r.status)
		}
		v.Set("rev", "1")
		if r := f.post("sven", "/admin/groups", "/admin/apply", v); r.status != 403 {
			t.Errorf("delegate apply %s: %d", v.Get("op"), r.status)
		}
	}
	if f.authz.Snapshot().Revision() != rev {
		t.Fatal("a refused change was written")
	}
	// Adding what is there is a plain message, not an error.
	p = f.post("sam", "/admin/groups", "/admin/preview", url.Values{"op": {"group.addrole"}, "id": {"permitting_staff"}, "role": {"permitting"}})
	if p.status != 200 || !strings.Contains(p.body, "already has role") || strings.Contains(p.body, `action="apply"`) {
		t.Fatalf("add an existing role: %d\n%s", p.status, p.body)
	}
	// A stale preview is shown again, not applied.
	p = f.post("sam", "/admin/groups", "/admin/preview", url.Values{"op": {"group.addrole"}, "id": {"permitting_staff"}, "role": {"compliance"}})
	if _, err := f.authz.Admin(rbac.System).AssignRole(t.Context(), "meanwhile", "nina", "permitting"); err != nil {
		t.Fatal(err)
	}
	if r := f.confirm("sam", p, "x"); r.status != 409 || !strings.Contains(r.body, "changed while you were reading") {
		t.Fatalf("stale preview: %d", r.status)
	}
}

// TestGrantsEditorSelectAll: the "select all" box grants the section's
// wildcard without JavaScript, and the sensitive warning asks for a reason.
func TestGrantsEditorSelectAll(t *testing.T) {
	f := newFixture(t, "iyss")
	page := f.get("iris_admin", "/admin/role-grants?id=youth_worker").body
	m := regexp.MustCompile(`data-section="(\d+)">\s*<legend><h2>Client Bulk Updates</h2>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Client Bulk Updates section")
	}
	form := url.Values{"op": {"role.grants"}, "id": {"youth_worker"}, "all." + m[1]: {"1"}, "allscope." + m[1]: {"global"}}
	for _, k := range regexp.MustCompile(`name="shown" value="(\d+)"`).FindAllStringSubmatch(page, -1) {
		form.Add("shown", k[1])
	}
	// Keep what the role grants today.
	form.Set("other", "client.*@global\nclient_functionality.client_view@global\nclient_functionality.client_search@global\nclient_search.basic@global\nclient_view.client_sections.visible@global")
	p := f.post("iris_admin", "/admin/roles", "/admin/preview", form)
	if !strings.Contains(p.body, "There is no undo function") || !strings.Contains(p.body, "required") || !strings.Contains(p.body, "bulk_update.*@global") {
		t.Fatalf("preview:\n%s", p.body)
	}
	if strings.Contains(p.body, "client.*@global</code>") && strings.Contains(p.body, `class="loss"`) {
		t.Fatal("keeping the section wildcard shows as a loss")
	}
	if r := f.confirm("iris_admin", p, "team needs bulk updates"); r.status != 303 {
		t.Fatalf("apply: %d\n%s", r.status, r.body)
	}
	role, _ := f.authz.Snapshot().Role("youth_worker")
	if !slicesContains(role.Grants, rbac.Grant{Permission: "bulk_update.*", Scope: rbac.ScopeGlobal}) || len(role.Grants) != 6 {
		t.Fatalf("grants: %v", role.Grants)
	}
}

func slicesContains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestGrantsEditorPages: a section not on the page keeps its grants.
func TestGrantsEditorPages(t *testing.T) {
	f := newFixture(t, "iyss")
	// Only the first section is on the form, with nothing ticked.
	form := url.Values{"op": {"role.grants"}, "id": {"team_manager"}, "shown": {"0"}}
	p := f.post("iris_admin", "/admin/roles", "/admin/preview", form)
	r := f.confirm("iris_admin", p, "drop admin / manager")
	if r.status != 303 {
		t.Fatalf("apply: %d\n%s", r.status, r.body)
	}
	role, _ := f.authz.Snapshot().Role("team_manager")
	want := []rbac.Grant{{Permission: "bulk_update.*", Scope: rbac.ScopeGlobal}}
	if len(role.Grants) != 1 || role.Grants[0] != want[0] {
		t.Fatalf("grants %v, want %v (Admin / Manager, the first section, emptied; the rest kept)", role.Grants, want)
	}
}

// TestAgencyUserManager: rbac.users.manage at scope workgroup (nVIRO's
// workgroups, ServiceNow's agencies) sees and administers only the users
// of the workgroups under her own.
func TestAgencyUserManager(t *testing.T) {
	f := newFixture(t, "nviro")
	home := f.get("wendy", "/admin/")
	if home.status != 200 {
		t.Fatalf("home: %d", home.status)
	}
	for _, u := range []string{"paula", "pete", "sven", "nina"} {
		if !strings.Contains(home.body, `user?id=`+u+`"`) {
			t.Errorf("%s, of a water workgroup, is not listed", u)
		}
	}
	for _, u := range []string{"carla", "greta", "sam"} {
		if strings.Contains(home.body, `user?id=`+u+`"`) {
			t.Errorf("%s, outside the water division, is listed", u)
		}
	}
	for page, want := range map[string]int{
		"/admin/user?id=paula": 200, "/admin/user?id=carla": 403, "/admin/roles": 403, "/admin/groups": 200,
		"/admin/group?id=permitting_staff": 403, "/admin/history": 403,
	} {
		if r := f.get("wendy", page); r.status != want {
			t.Errorf("%s: %d, want %d", page, r.status, want)
		}
	}
	// She gives a covered user a role she holds.
	p := f.post("wendy", "/admin/user?id=nina", "/admin/preview", url.Values{"op": {"user.assign"}, "id": {"nina"}, "role": {"permitting"}})
	if r := f.confirm("wendy", p, "new permit writer"); r.status != 303 {
		t.Fatalf("assign to a covered user: %d\n%s", r.status, r.body)
	}
	if u, _ := f.authz.Snapshot().User("nina"); !slicesContains(u.Roles, rbac.RoleID("permitting")) {
		t.Fatalf("nina's roles %v", u.Roles)
	}
	rev := f.authz.Snapshot().Revision()
	// Not a user outside her workgroups.
	if r := f.post("wendy", "/admin/user?id=nina", "/admin/preview", url.Values{"op": {"user.assign"}, "id": {"carla"}, "role": {"permitting"}}); r.status != 403 {
		t.Fatalf("assign outside her workgroups: %d", r.status)
	}
	// Not a role she does not hold: the Admin API's message.
	p = f.post("wendy", "/admin/user?id=paula", "/admin/preview", url.Values{"op": {"user.assign"}, "id": {"paula"}, "role": {"security_admin"}})
	if p.status == 200 {
		if r := f.confirm("wendy", p, "promote"); r.status != 403 || !strings.Contains(r.body, "refused") {
			t.Fatalf("confer what she lacks: %d\n%s", r.status, r.body)
		}
	} else if p.status != 403 {
		t.Fatalf("confer what she lacks, preview: %d", p.status)
	}
	if f.authz.Snapshot().Revision() != rev {
		t.Fatal("a refused change was written")
	}
}

// TestDelegatePreviewShowsOnlyHisGroups: a group's manager previewing a
// new member sees the member's place in his groups, never the member's
// org, other groups or roles (DESIGN.md, "Delegation").
func TestDelegatePreviewShowsOnlyHisGroups(t *testing.T) {
	f := newFixture(t, "nviro")
	paula, ok := f.authz.Snapshot().User("paula")
	if !ok {
		t.Fatal("no paula")
	}
	paula.Org = "secret-agency"
	paula.Roles = append(paula.Roles, "compliance")
	if _, err := f.authz.Admin(rbac.System).Apply(t.Context(), "setup", rbac.PutUser(paula)); err != nil {
		t.Fatal(err)
	}
	p := f.post("sven", "/admin/groups", "/admin/preview", url.Values{"op": {"member.add"}, "id": {"north_permit_writers"}, "user": {"paula"}})
	if p.status != 200 {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	for _, secret := range []string{"secret-agency", "permitting_staff", "compliance"} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the delegate's preview shows %q", secret)
		}
	}
	if !strings.Contains(p.body, "north_permit_writers") {
		t.Errorf("the delegate's preview does not show the membership:\n%s", p.body)
	}
	// Whoever manages users sees the change unredacted: the user's other
	// groups (a preview lists only the fields a change sets, so the
	// unchanged org is shown to no one).
	p = f.post("sam", "/admin/groups", "/admin/preview", url.Values{"op": {"member.add"}, "id": {"north_permit_writers"}, "user": {"paula"}})
	if !strings.Contains(p.body, "permitting_staff") {
		t.Errorf("a user manager's preview hides the user:\n%s", p.body)
	}
}
