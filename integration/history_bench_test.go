package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/sqlstore"
)

// consolePolicy is the 100,000-user shape of adminui's BenchmarkPages:
// 10,000 roles, each held by ten users directly, 1,000 groups of 100
// members, and a security administrator. Its import is one change set of
// 111,002 changes.
func consolePolicy() *rbac.Policy {
	p := &rbac.Policy{}
	for i := range 10000 {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprintf("role%d", i)), Grants: []rbac.Grant{{Permission: rbac.Permission(fmt.Sprintf("data%d.read", i)), Scope: rbac.ScopeGlobal}}}
		if i%10 != 0 && i+1 < 10000 {
			r.Contains = []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i+1))}
		}
		p.Roles = append(p.Roles, r)
	}
	p.Roles = append(p.Roles, rbac.Role{ID: "secadmin", Grants: []rbac.Grant{{Permission: "*", Scope: rbac.ScopeAll}}})
	for i := range 1000 {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("group%d", i)), Name: fmt.Sprintf("Group %d", i), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i))}})
	}
	for i := range 100000 {
		p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("user%d", i)), Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role%d", i/10))}, Groups: []rbac.GroupID{rbac.GroupID(fmt.Sprintf("group%d", i%1000))}})
	}
	p.Users = append(p.Users, rbac.User{ID: "admin", Roles: []rbac.RoleID{"secadmin"}})
	return p
}

// BenchmarkHistoryPage: the console's History page on sqlstore, over the
// 100,000-user import followed by 60 small change sets, on every
// configured database; filtered by kind (which counts the import's users),
// by entity, by actor; and, for comparison, reading the whole log with
// Changes, which is what a store without rbac.HistoryReader costs.
// RBAC_BENCH_ANALYZE=1 gathers the databases' statistics after the import.
// Importing takes a while per database:
//
//	go test ./integration -run '^$' -bench HistoryPage -benchtime 10x -benchmem -timeout 30m
func BenchmarkHistoryPage(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			if !db.available() {
				b.Skip("database not configured")
			}
			ctx := context.Background()
			h, _, _ := db.open(b)
			s, err := sqlstore.New(ctx, h, db.dialect)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := rbac.Import(ctx, s, consolePolicy()); err != nil {
				b.Fatal(err)
			}
			if os.Getenv("RBAC_BENCH_ANALYZE") != "" {
				// Statistics, as autoanalyze gathers them soon after an
				// import: without them PostgreSQL sorts a kind's 100,000
				// changes to find its first 25.
				analyze := map[sqlstore.Dialect]string{sqlstore.SQLite: "ANALYZE", sqlstore.Postgres: "ANALYZE", sqlstore.MySQL: "ANALYZE TABLE rbac_changes, rbac_change_items, rbac_change_kinds"}[db.dialect]
				if _, err := h.ExecContext(ctx, analyze); err != nil {
					b.Fatal(err)
				}
			}
			a, err := rbac.New(ctx, s)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			ad := a.Admin(rbac.System)
			for i := range 60 {
				role := rbac.RoleID(fmt.Sprintf("role%d", 20+i%2))
				if _, err := ad.AssignRole(ctx, "churn", "user5", role); err != nil && !errors.Is(err, rbac.ErrExists) {
					b.Fatal(err)
				}
			}
			if _, err := a.Sync(ctx); err != nil {
				b.Fatal(err)
			}
			console := adminui.New(a, adminui.Options{Actor: func(*http.Request) (rbac.UserID, error) { return "admin", nil }})
			for _, page := range []string{"/history", "/history?before=2", "/history?kind=user", "/history?entity=user5", "/history?actor=nobody"} {
				b.Run(page[1:], func(b *testing.B) {
					for b.Loop() {
						w := httptest.NewRecorder()
						console.ServeHTTP(w, httptest.NewRequest("GET", page, nil))
						if w.Code != 200 {
							b.Fatalf("%s: %d\n%s", page, w.Code, w.Body)
						}
					}
				})
			}
			b.Run("changes-whole-log", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Changes(ctx, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

var _ rbac.HistoryReader = (*sqlstore.Store)(nil)
