package adminui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/memstore"
)

// Mount the console under /admin/ behind the host's own sign-in (here, a
// header set by a trusted proxy).
func Example() {
	ctx := context.Background()
	p, _ := rbac.LoadPolicy(strings.NewReader(`
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read]}
users:
  - {id: alice, roles: [admin]}
`))
	store := memstore.New()
	rbac.Import(ctx, store, p)
	authz, _ := rbac.New(ctx, store)
	defer authz.Close()

	console := adminui.New(authz, adminui.Options{Actor: func(r *http.Request) (rbac.UserID, error) {
		return rbac.UserID(r.Header.Get("X-Signed-In-User")), nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", console))

	req := httptest.NewRequest("GET", "/admin/roles", nil)
	req.Header.Set("X-Signed-In-User", "alice")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `href="role?id=admin"`))

	req.Header.Set("X-Signed-In-User", "mallory")
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// 200 true
	// 403
}
