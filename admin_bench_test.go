package rbac_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// largeAdminPolicy is the 100,000-user shape (10,000 roles in chains of
// ten, ten roles per user, as in integration's BenchmarkScale) with what
// administration needs: a security administrator, 1,000 groups of 100
// members each with a manager, and a role "common" held by every tenth
// user (10,000 users).
func largeAdminPolicy() *rbac.Policy {
	const users, roles, perUser, groups = 100_000, 10_000, 10, 1_000
	p := &rbac.Policy{}
	for i := range roles {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprintf("role-%05d", i)), Grants: []rbac.Grant{
			{Permission: rbac.Permission(fmt.Sprintf("app%d.read", i%100)), Scope: rbac.ScopeGlobal},
			{Permission: rbac.Permission(fmt.Sprintf("app%d.write", i%100)), Scope: rbac.ScopeMine},
		}}
		if i%10 != 0 {
			r.Contains = []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role-%05d", i-1))}
		}
		p.Roles = append(p.Roles, r)
	}
	p.Roles = append(p.Roles,
		rbac.Role{ID: "security_admin", Grants: []rbac.Grant{
			{Permission: rbac.PermRolesManage, Scope: rbac.ScopeGlobal}, {Permission: rbac.PermGroupsManage, Scope: rbac.ScopeGlobal},
			{Permission: rbac.PermUsersManage, Scope: rbac.ScopeGlobal}, {Permission: "*", Scope: rbac.ScopeAll}}},
		rbac.Role{ID: "common", Grants: []rbac.Grant{{Permission: "common.read", Scope: rbac.ScopeGlobal}}})
	for g := range groups {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("group-%04d", g)), Name: fmt.Sprintf("Group %d", g),
			Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role-%05d", g*10+9))}, Managers: []rbac.UserID{rbac.UserID(fmt.Sprintf("manager-%04d", g))}})
		p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("manager-%04d", g))})
	}
	for i := range users {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("user-%06d", i)), Org: "org"}
		for j := range perUser {
			u.Roles = append(u.Roles, rbac.RoleID(fmt.Sprintf("role-%05d", (i*7+j*997)%roles)))
		}
		if i%10 == 0 {
			u.Roles = append(u.Roles, "common")
		}
		if i%2 == 0 {
			u.Groups = []rbac.GroupID{rbac.GroupID(fmt.Sprintf("group-%04d", i%groups))}
		}
		p.Users = append(p.Users, u)
	}
	p.Users = append(p.Users, rbac.User{ID: "sam", Roles: []rbac.RoleID{"security_admin"}})
	return p
}

func largeAdminAuthorizer(b *testing.B) *rbac.Authorizer {
	b.Helper()
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, largeAdminPolicy()); err != nil {
		b.Fatal(err)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// BenchmarkAdmin measures administrative writes on the 100,000-user shape,
// from Admin's call until the change is visible in Snapshot (Apply returns
// then), judgement by full effect included.
//
//	go test -run - -bench Admin -benchtime 20x .
func BenchmarkAdmin(b *testing.B) {
	ctx := context.Background()
	b.Run("DelegatedManagerAddsMember", func(b *testing.B) {
		a := largeAdminAuthorizer(b)
		manager := a.Admin("manager-0001")
		n := 0
		for b.Loop() {
			// Odd users are in no group; group-0001's members are even.
			user := rbac.UserID(fmt.Sprintf("user-%06d", 2*n+1))
			if _, err := manager.AddMember(ctx, "new starter", "group-0001", user); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if !a.Snapshot().Check(rbac.Request{User: "user-000001", Permission: "app19.read"}).Allowed {
			b.Fatal("the member did not get the group's role")
		}
	})
	b.Run("RoleChangeReaching10000Users", func(b *testing.B) {
		a := largeAdminAuthorizer(b)
		sam := a.Admin("sam")
		if got := len(a.Snapshot().UsersWithRole("common")); got != 10_000 {
			b.Fatalf("common is held by %d users", got)
		}
		n := 0
		for b.Loop() {
			g := rbac.Grant{Permission: rbac.Permission(fmt.Sprintf("common.action%d", n)), Scope: rbac.ScopeGlobal}
			if _, err := sam.AddGrant(ctx, "more for everyone", "common", g); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if !a.Snapshot().Check(rbac.Request{User: "user-000010", Permission: "common.action0"}).Allowed {
			b.Fatal("the role change did not reach its holders")
		}
	})
}
