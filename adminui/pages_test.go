package adminui_test

import (
	"strings"
	"testing"
)

// TestEveryPageRenders reads every page as a security administrator.
func TestEveryPageRenders(t *testing.T) {
	for _, seed := range []string{"nviro", "iyss"} {
		f := newFixture(t, seed)
		actor := map[string]string{"nviro": "sam", "iyss": "iris_admin"}[seed]
		pages := []string{"/admin/", "/admin/roles", "/admin/roles?q=eval", "/admin/groups", "/admin/users", "/admin/users?q=a",
			"/admin/permissions", "/admin/history", "/admin/review", "/admin/review?permission=permit.read", "/admin/review.csv",
			"/admin/role-new", "/admin/group-new"}
		switch seed {
		case "nviro":
			pages = append(pages, "/admin/role?id=permitting", "/admin/role-edit?id=permitting", "/admin/role-grants?id=permitting",
				"/admin/group?id=permitting_staff", "/admin/user?id=paula")
		case "iyss":
			pages = append(pages, "/admin/role?id=team_manager", "/admin/role-grants?id=team_manager", "/admin/group?id=youth_workers", "/admin/user?id=yara_sysadmin_yj")
		}
		for _, p := range pages {
			r := f.get(actor, p)
			if r.status != 200 {
				t.Errorf("%s %s: status %d\n%s", seed, p, r.status, r.body)
				continue
			}
			if !strings.HasSuffix(p, ".csv") && !strings.Contains(r.body, "<h1>") {
				t.Errorf("%s %s: no heading", seed, p)
			}
		}
	}
}
