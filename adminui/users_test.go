package adminui_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// usersPolicy: an administrator, and users whose permissions come by every
// route: a group, a direct role, containment, a wildcard grant, and one
// permission held at two scopes through two roles.
const usersPolicy = `
account_types:
  - {id: internal}
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read]}
  - {id: case_reader_mine, grants: ["case.read@mine"]}
  - {id: case_reader_wg, grants: ["case.read@workgroup"]}
  - {id: case_writer, contains: [case_reader_mine], grants: [case.write]}
  - {id: client_all, grants: ["client.*"]}
  - {id: spare}
  - {id: other}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer]}
users:
  - {id: sam, name: Sam Admin, account_type: internal, roles: [admin]}
  - {id: sven, name: Sven Larsen, email: sven.larsen@example.org, account_type: internal, groups: [writers], roles: [case_reader_wg, client_all]}
  - {id: petra, name: Petra Olsen, email: POLSEN@Example.GOV, account_type: internal}
  - {id: larsen.k, account_type: internal}
`

func usersFixture(t *testing.T) *fixture {
	return yamlFixture(t, usersPolicy)
}

var userLink = regexp.MustCompile(`<td><a href="user\?id=([^"]+)">`)

// The users screen finds people by name and email as well as by id and
// organisation, ignoring case, and shows their names.
func TestUserSearchByNameAndEmail(t *testing.T) {
	f := usersFixture(t)
	for _, tc := range []struct {
		q      string
		want   []string
		reason string
	}{
		{"larsen", []string{"larsen.k", "sven"}, "a surname finds the named user and an id"},
		{"sven larsen", []string{"sven"}, "a whole name"},
		{"EXAMPLE.org", []string{"sven"}, "an email domain, ignoring case"},
		{"polsen@example.gov", []string{"petra"}, "a whole email, ignoring case"},
		{"nobody", nil, "no match"},
	} {
		r := f.get("sam", "/admin/users?q="+strings.ReplaceAll(tc.q, " ", "+"))
		if r.status != 200 {
			t.Fatalf("%s: status %d\n%s", tc.reason, r.status, r.body)
		}
		var got []string
		for _, m := range userLink.FindAllStringSubmatch(r.body, -1) {
			got = append(got, m[1])
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: users for %q (-want +got):\n%s", tc.reason, tc.q, d)
		}
	}
	r := f.get("sam", "/admin/users?q=sven")
	if !strings.Contains(r.body, "<td>Sven Larsen<br><span class=\"hint\">sven.larsen@example.org</span></td>") {
		t.Errorf("the list does not show the name and email:\n%s", r.body)
	}
	r = f.get("sam", "/admin/user?id=sven")
	if !strings.Contains(r.body, "<dt>Name</dt><dd>Sven Larsen</dd>") || !strings.Contains(r.body, `<a href="mailto:sven.larsen@example.org">`) {
		t.Errorf("the user's page does not show the name and email:\n%s", r.body)
	}
}

var permRow = regexp.MustCompile(`(?s)<tr><td>(?:<a href="([^"]*)"[^>]*>)?<code>([^<]+)</code>(?:</a>)?</td><td>([^<]*)</td>\s*<td class="route">(.*?)</td></tr>`)
var tags = regexp.MustCompile(`<[^>]+>`)

// A user's page lists each permission once, with every scope it is held
// at, the route Explain gives, and a link to its holders.
func TestUserPermissionRows(t *testing.T) {
	f := usersFixture(t)
	r := f.get("sam", "/admin/user?id=sven")
	if r.status != 200 {
		t.Fatalf("status %d\n%s", r.status, r.body)
	}
	type row struct{ Holders, Permission, Scopes, Route string }
	var got []row
	for _, m := range permRow.FindAllStringSubmatch(r.body, -1) {
		got = append(got, row{htmlUnescape(m[1]), m[2], m[3], htmlUnescape(tags.ReplaceAllString(m[4], ""))})
	}
	want := []row{
		{"review?permission=case.read#who-can", "case.read", "mine, workgroup", "role case_reader_wg → grant case.read@workgroup"},
		{"review?permission=case.write#who-can", "case.write", "global", "group writers → role case_writer → grant case.write@global"},
		{"", "client.*", "global", "role client_all → grant client.*@global"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("permission rows (-want +got):\n%s", d)
	}
	if !strings.Contains(r.body, `<a href="role?id=case_writer">role case_writer</a>`) || !strings.Contains(r.body, `<a href="group?id=writers">group writers</a>`) {
		t.Errorf("the route does not link its roles and groups:\n%s", r.body)
	}
	// The holders link leads to the holders.
	who := f.get("sam", "/admin/review?permission=case.write")
	if !strings.Contains(who.body, `<a href="user?id=sven">sven</a>`) {
		t.Errorf("the holders of case.write do not include sven:\n%s", who.body)
	}
}

var roleOption = regexp.MustCompile(`<option value="([^"]+)">`)

// The role picker offers only roles the user does not hold by any route.
func TestRolePickerLeavesOutHeldRoles(t *testing.T) {
	f := usersFixture(t)
	r := f.get("sam", "/admin/user?id=sven")
	i := strings.Index(r.body, `id="assign-role"`)
	j := strings.Index(r.body[i:], "</select>")
	if i < 0 || j < 0 {
		t.Fatalf("no role picker:\n%s", r.body)
	}
	var offered []string
	for _, m := range roleOption.FindAllStringSubmatch(r.body[i:i+j], -1) {
		offered = append(offered, m[1])
	}
	// sven holds case_reader_wg and client_all directly, case_writer
	// through writers and case_reader_mine through case_writer.
	if d := cmp.Diff([]string{"admin", "other", "spare"}, offered); d != "" {
		t.Errorf("roles offered (-want +got):\n%s", d)
	}
}

// The count above the list is English: "1 user matches", "2 users match".
func TestUserSearchCountSaysSingular(t *testing.T) {
	f := usersFixture(t)
	for _, tc := range []struct {
		q      string
		want   string
		reason string
	}{
		{"petra", "1 user matches “petra”.", "one match"},
		{"larsen", "2 users match “larsen”.", "two matches"},
		{"nobody", "0 users match “nobody”.", "none"},
		{"", "4 users.", "no search: every user"},
	} {
		r := f.get("sam", "/admin/users?q="+tc.q)
		if r.status != 200 {
			t.Fatalf("%s: status %d\n%s", tc.reason, r.status, r.body)
		}
		if !strings.Contains(r.body, "<p>"+tc.want+"</p>") {
			t.Errorf("%s: the users page does not say %q:\n%s", tc.reason, tc.want, r.body)
		}
	}
}
