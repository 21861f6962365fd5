package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// scalePolicy builds users users, roles roles (each containing the one
// before it in its block of ten, with two grants) and perUser role
// memberships per user.
func scalePolicy(users, roles, perUser int) *rbac.Policy {
	p := &rbac.Policy{}
	for i := range roles {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprintf("role-%05d", i)), Title: fmt.Sprintf("Role %d", i), Grants: []rbac.Grant{
			{Permission: rbac.Permission(fmt.Sprintf("app%d.read", i%100)), Scope: rbac.ScopeGlobal},
			{Permission: rbac.Permission(fmt.Sprintf("app%d.write", i%100)), Scope: rbac.ScopeMine},
		}}
		if i%10 != 0 {
			r.Contains = []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role-%05d", i-1))}
		}
		p.Roles = append(p.Roles, r)
	}
	for i := range users {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("user-%06d", i)), Org: "org"}
		for j := range perUser {
			u.Roles = append(u.Roles, rbac.RoleID(fmt.Sprintf("role-%05d", (i*7+j*997)%roles)))
		}
		p.Users = append(p.Users, u)
	}
	return p
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkScale imports 100,000 users, 10,000 roles and 1,000,000
// memberships (RBAC_SCALE_USERS scales the users), then measures Load and
// Load plus compile (rbac.New). Run it alone:
//
//	go test ./integration -run - -bench Scale -benchtime 1x -timeout 30m
func BenchmarkScale(b *testing.B) {
	users, roles, perUser := envInt("RBAC_SCALE_USERS", 100_000), 10_000, 10
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
			p := scalePolicy(users, roles, perUser)
			start := time.Now()
			if _, err := rbac.Import(ctx, s, p); err != nil {
				b.Fatal(err)
			}
			imported := time.Since(start)
			var load, full time.Duration
			for b.Loop() {
				t0 := time.Now()
				got, _, err := s.Load(ctx)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if len(got.Users) != users {
					b.Fatalf("Load: %d users, want %d", len(got.Users), users)
				}
				a, err := rbac.New(ctx, s, rbac.WithoutFollow())
				if err != nil {
					b.Fatal(err)
				}
				full += time.Since(t1)
				load += t1.Sub(t0)
				a.Close()
			}
			b.ReportMetric(imported.Seconds(), "s/import")
			b.ReportMetric(load.Seconds()/float64(b.N), "s/load")
			b.ReportMetric(full.Seconds()/float64(b.N), "s/load+compile")
		})
	}
}
