package adminui_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// pictureNode reads a node of the containment picture: its box's width
// and its label.
var pictureNode = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)" height="40"[^>]*/><text[^>]*>([^<]+)</text>(?:<title>([^<]+)</title>)?`)

// The containment picture draws each id whole, in a box as wide as the
// widest label needs; only an id longer than a label may be is cut short,
// and then named whole in its tooltip.
func TestPictureLabelsWhole(t *testing.T) {
	long := "sn_customerservice.case_manager_supervisor_admin"                   // 48 characters: whole
	tooLong := "sn_gsm.constituent_viewer_with_a_very_long_name_indeed_and_more" // cut short
	p := &rbac.Policy{
		Roles: []rbac.Role{
			{ID: "admin", Grants: []rbac.Grant{{Permission: rbac.PermRolesManage, Scope: rbac.ScopeGlobal}}},
			{ID: rbac.RoleID(long), Contains: []rbac.RoleID{"writer"}},
			{ID: "writer", Contains: []rbac.RoleID{rbac.RoleID(tooLong), "x"}},
			{ID: rbac.RoleID(tooLong)}, {ID: "x"},
		},
		Users: []rbac.User{{ID: "ada", Roles: []rbac.RoleID{"admin"}}},
	}
	f := policyFixture(t, p)
	r := f.get("ada", "/admin/role?id=writer")
	if r.status != 200 {
		t.Fatalf("status %d\n%s", r.status, r.body)
	}
	type node struct{ Label, Tooltip string }
	var got []node
	widths := map[int]bool{}
	for _, m := range pictureNode.FindAllStringSubmatch(r.body, -1) {
		got = append(got, node{m[2], m[3]})
		w, _ := strconv.Atoi(m[1])
		widths[w] = true
		// 14px bold: no id character is drawn wider than 15px.
		if n := len([]rune(m[2])); w < 8*n {
			t.Errorf("label %q (%d characters) is in a box %dpx wide", m[2], n, w)
		}
	}
	want := []node{{long, long}, {"writer", ""}, {tooLong[:47] + "…", tooLong}, {"x", "x"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("picture nodes (-want +got):\n%s", d)
	}
	if len(widths) != 1 {
		t.Errorf("boxes of different widths %v: a picture's boxes are alike", widths)
	}
	if !strings.Contains(r.body, `<a href="role?id=`+long+`">`) {
		t.Errorf("the long role is not a link")
	}
}
