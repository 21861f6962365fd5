package adminui_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var fieldRow = regexp.MustCompile(`(?s)<tr><th scope="row"><code>([^<]+)</code></th><td>(.*?)</td>\s*<td>(.*?)</td></tr>`)

// writtenFields reads the field-by-field tables of a page as text:
// "name: before → after".
func writtenFields(body string) []string {
	var out []string
	for _, m := range fieldRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+": "+htmlUnescape(tags.ReplaceAllString(m[2], ""))+" → "+htmlUnescape(tags.ReplaceAllString(m[3], "")))
	}
	return out
}

// "What is written" in a preview, and each change in History, show the
// fields a change sets under their policy-file names, never Go's JSON.
func TestWhatIsWrittenFieldByField(t *testing.T) {
	f := usersFixture(t)
	for _, tc := range []struct {
		reason string
		page   string
		form   url.Values
		want   []string
	}{
		{"a role given to a user: the list, with what it adds", "/admin/user?id=petra",
			url.Values{"op": {"user.assign"}, "id": {"petra"}, "role": {"spare"}},
			[]string{"roles: (none) → spareadds spare"}},
		{"a role taken: what it removes", "/admin/user?id=sven",
			url.Values{"op": {"user.unassign"}, "id": {"sven"}, "role": {"client_all"}},
			[]string{"roles: case_reader_wg, client_all → case_reader_wgremoves client_all"}},
		{"a new role: every field it has, grants as text", "/admin/role-new",
			url.Values{"op": {"role.create"}, "id": {"auditor"}, "title": {"Auditor"}, "grants": {"case.read@mine\nclient.view"}},
			[]string{"id: (none) → auditor", "title: (none) → Auditor", "grants: (none) → case.read@mine, client.view@globaladds case.read@mine, client.view@global"}},
		{"a group deleted: every field it had", "/admin/group?id=writers",
			url.Values{"op": {"group.delete"}, "id": {"writers"}},
			[]string{"id: writers → (none)", "name: Writers → (none)", "account_type: internal → (none)", "roles: case_writer → (none)removes case_writer"}},
	} {
		p := f.post("sam", tc.page, "/admin/preview", tc.form)
		if p.status != 200 {
			t.Fatalf("%s: preview %d\n%s", tc.reason, p.status, p.body)
		}
		written := p.body[strings.Index(p.body, "What is written"):]
		if d := cmp.Diff(tc.want, writtenFields(written)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.reason, d)
		}
		for _, goJSON := range []string{`"Roles"`, "null", `"ID"`, "<pre>"} {
			if strings.Contains(written, goJSON) {
				t.Errorf("%s: the preview shows Go's JSON (%s):\n%s", tc.reason, goJSON, written)
			}
		}
	}
	// History shows an applied change the same way.
	p := f.post("sam", "/admin/user?id=petra", "/admin/preview", url.Values{"op": {"user.assign"}, "id": {"petra"}, "role": {"spare"}})
	if r := f.confirm("sam", p, "needs it"); r.status != 303 {
		t.Fatalf("apply: %d\n%s", r.status, r.body)
	}
	h := f.get("sam", "/admin/history?entity=petra")
	newest := h.body[:strings.Index(h.body, `id="rev-1"`)] // revision 1 is the import that created petra
	if d := cmp.Diff([]string{"roles: (none) → spareadds spare"}, writtenFields(newest)); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}
