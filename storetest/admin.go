package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rolegraph/rbac"
)

// Writers and changes per writer of RunAdminConcurrency.
const (
	adminWriters          = 8
	adminChangesPerWriter = 25
)

// RunAdminConcurrency checks that the read-modify-write methods of
// rbac.Admin lose no update on a store: 8 goroutines, on two authorizers
// (replicas) of one store, each make 25 changes to the same user —
// AssignRole and AddMember alternately, every change different — and at
// the end the user has every role and every group.
func RunAdminConcurrency(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	ctx := context.Background()
	store := newStore(t)
	total := adminWriters * adminChangesPerWriter
	p := &rbac.Policy{
		Roles: []rbac.Role{{ID: "security_admin", Grants: []rbac.Grant{
			{Permission: rbac.PermUsersManage, Scope: rbac.ScopeGlobal},
			{Permission: rbac.PermGroupsManage, Scope: rbac.ScopeGlobal},
			{Permission: rbac.PermRolesManage, Scope: rbac.ScopeGlobal},
		}}},
		Users: []rbac.User{{ID: "sam", Roles: []rbac.RoleID{"security_admin"}}, {ID: "target"}},
	}
	var wantRoles []rbac.RoleID
	var wantGroups []rbac.GroupID
	for k := range total {
		if k%2 == 0 {
			id := rbac.RoleID(fmt.Sprintf("role%03d", k))
			p.Roles = append(p.Roles, rbac.Role{ID: id, Grants: []rbac.Grant{{Permission: rbac.Permission(fmt.Sprintf("thing%03d.read", k)), Scope: rbac.ScopeMine}}})
			wantRoles = append(wantRoles, id)
		} else {
			id := rbac.GroupID(fmt.Sprintf("group%03d", k))
			p.Groups = append(p.Groups, rbac.Group{ID: id, Name: string(id)})
			wantGroups = append(wantGroups, id)
		}
	}
	// sam must be able to exercise what he confers.
	p.Roles[0].Grants = append(p.Roles[0].Grants, rbac.Grant{Permission: "*", Scope: rbac.ScopeAll})
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	var replicas [2]*rbac.Authorizer
	for i := range replicas {
		a, err := rbac.New(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		replicas[i] = a
	}
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for w := range adminWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ad := replicas[w%2].Admin("sam")
			for i := range adminChangesPerWriter {
				k := w*adminChangesPerWriter + i
				var err error
				if k%2 == 0 {
					_, err = ad.AssignRole(ctx, "concurrent", "target", rbac.RoleID(fmt.Sprintf("role%03d", k)))
				} else {
					_, err = ad.AddMember(ctx, "concurrent", rbac.GroupID(fmt.Sprintf("group%03d", k)), "target")
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, change %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	a := replicas[0]
	if _, err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	pol, _ := a.Policy()
	var got rbac.User
	for _, u := range pol.Users {
		if u.ID == "target" {
			got = u
		}
	}
	roles, groups := slices.Sorted(slices.Values(got.Roles)), slices.Sorted(slices.Values(got.Groups))
	if !slices.Equal(roles, wantRoles) || !slices.Equal(groups, wantGroups) {
		t.Errorf("lost updates: the user has %d of %d roles and %d of %d groups", len(roles), len(wantRoles), len(groups), len(wantGroups))
	}
}
