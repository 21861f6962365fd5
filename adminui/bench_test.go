package adminui_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/rolegraph/rbac"
)

// largeFixture is the 100,000-user shape: 10,000 roles, each held by ten
// users directly, 1,000 groups of 100 members, and a security
// administrator.
func largeFixture(b *testing.B) *fixture {
	b.Helper()
	p := &rbac.Policy{}
	for i := 0; i < 10000; i++ {
		p.Roles = append(p.Roles, rbac.Role{ID: rbac.RoleID(fmt.Sprintf("role%d", i)), Contains: containsFor(i), Grants: []rbac.Grant{{Permission: rbac.Permission(fmt.Sprintf("data%d.read", i)), Scope: rbac.ScopeGlobal}}})
	}
	p.Roles = append(p.Roles, rbac.Role{ID: "secadmin", Grants: []rbac.Grant{{Permission: "*", Scope: rbac.ScopeAll}}})
	for i := 0; i < 1000; i++ {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("group%d", i)), Name: fmt.Sprintf("Group %d", i), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i))}})
	}
	for i := 0; i < 100000; i++ {
		p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i/10))}, Groups: []rbac.GroupID{rbac.GroupID(fmt.Sprintf("group%d", i%1000))}})
	}
	p.Users = append(p.Users, rbac.User{ID: "admin", Roles: []rbac.RoleID{"secadmin"}})
	return policyFixture(b, p)
}

func containsFor(i int) []rbac.RoleID {
	if i%10 == 0 || i+1 >= 10000 {
		return nil
	}
	return []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i+1))}
}

// BenchmarkPages renders each heavy page on the 100,000-user shape.
func BenchmarkPages(b *testing.B) {
	f := largeFixture(b)
	for _, page := range []string{
		"/admin/",
		"/admin/users",
		"/admin/users?q=user9999",
		"/admin/users?after=user50000",
		"/admin/user?id=user5001",
		"/admin/roles",
		"/admin/role?id=role501",
		"/admin/groups",
		"/admin/group?id=group7",
		"/admin/permissions",
		"/admin/review?permission=data5.read",
		"/admin/role-grants?id=role501",
		"/admin/history",
		"/admin/records",
	} {
		b.Run(page[len("/admin/"):], func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", page, nil)
				req.Header.Set("X-Test-User", "admin")
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%s: %d", page, w.Code)
				}
			}
		})
	}
}
