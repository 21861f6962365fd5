package adminui_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A form over the limit is answered 413 with a page that says the limit,
// not as an expired form, and changes nothing; the console's own largest
// form is well within it.
func TestFormSizeLimit(t *testing.T) {
	f := newFixture(t, "iyss")
	const limit = 2 << 20
	before := f.authz.Snapshot().Revision()
	for _, tc := range []struct {
		reason string
		size   int
		want   int
	}{
		{"10 MB, which net/http refuses by itself", 10 << 20, 413},
		{"just over the limit", limit + 1, 413},
		{"just under the limit: read, judged and applied", limit - 200, 303},
	} {
		form := url.Values{"op": {"user.assign"}, "id": {"yara_sysadmin_yj"}, "role": {"youth_worker"}, "rev": {"1"}, "csrf": {f.token("iris_admin", "/admin/user?id=yara_sysadmin_yj")}}
		form.Set("padding", strings.Repeat("x", tc.size-len(form.Encode())-len("&padding=")))
		if n := len(form.Encode()); n != tc.size {
			t.Fatalf("%s: the form is %d bytes, want %d", tc.reason, n, tc.size)
		}
		r := f.do("iris_admin", "POST", "/admin/apply", form)
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d\n%.2000s", tc.reason, r.status, tc.want, r.body)
		}
		if tc.want == 413 {
			if !strings.Contains(r.body, "at most 2 MB") || strings.Contains(r.body, "expired") {
				t.Errorf("%s: the page does not say the limit:\n%s", tc.reason, r.body)
			}
			if got := f.authz.Snapshot().Revision(); got != before {
				t.Errorf("%s: the model moved to revision %d", tc.reason, got)
			}
		}
	}
	// The largest form a seed's console sends: a page of the grants
	// editor of the IYSS catalogue with every box ticked.
	page := f.get("iris_admin", "/admin/role-grants?id=youth_worker").body
	form := url.Values{"op": {"role.grants"}, "id": {"youth_worker"}}
	for _, m := range regexp.MustCompile(`<input type="(?:checkbox|hidden)"(?: id="[^"]*")? name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Add(m[1], m[2])
	}
	for _, m := range regexp.MustCompile(`<select id="[^"]*" name="([^"]+)">`).FindAllStringSubmatch(page, -1) {
		form.Add(m[1], "workgroup")
	}
	var other []string // every permission of the catalogue, as "other" grants
	for _, d := range f.authz.Snapshot().Permissions() {
		other = append(other, string(d.Name)+"@workgroup")
	}
	form.Set("other", strings.Join(other, "\n"))
	t.Logf("a page of the IYSS grants editor sends %d bytes with every box ticked", len(form.Encode()))
	if n := len(form.Encode()); n < 1000 || n > limit/20 {
		t.Errorf("the grants editor sends %d bytes; the limit (%d) should be far above it", n, limit)
	}
}
