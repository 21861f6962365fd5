package rbac_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// tokenAdminPolicy: a service whose users, administrators included, come
// from tokens: nobody is stored.
const tokenAdminPolicy = `
account_types:
  - {id: staff}
  - {id: partner}
  - {id: ops, default_roles: [ops_default]}
permissions:
  - {name: case.read}
  - {name: case.write}
roles:
  - {id: console_admin, account_types: [staff], grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, case.read]}
  - {id: spare_roles_admin, grants: [rbac.roles.manage]}
  - {id: grouped_roles_admin, grants: [rbac.roles.manage]}
  - {id: ops_default, grants: [case.read]}
  - {id: caseworker, grants: [case.read, case.write]}
  - {id: partner_only, account_types: [partner], grants: ["case.read@mine"]}
groups:
  - {id: admins, name: Admins, account_type: staff, roles: [grouped_roles_admin]}
`

func tokenAdminSetup(t *testing.T) (*rbac.Authorizer, *memstore.Store) {
	t.Helper()
	return newAuthorizer(t, tokenAdminPolicy, rbac.WithoutFollow())
}

var tokenAdmin = rbac.User{ID: "ada", AccountType: "staff", Roles: []rbac.RoleID{"console_admin"}}

func TestAdminAsRefusesAnInvalidPrincipalFirst(t *testing.T) {
	ctx := context.Background()
	a, store := tokenAdminSetup(t)
	with := func(edit func(u *rbac.User)) *rbac.User {
		u := tokenAdmin.Clone()
		edit(&u)
		return &u
	}
	for _, tt := range []struct {
		reason    string
		principal *rbac.User
		want      error
	}{
		{"no principal at all", nil, rbac.ErrInvalid},
		{"an id that is not an identifier", with(func(u *rbac.User) { u.ID = "ada lovelace" }), rbac.ErrInvalid},
		{"the system's id would skip every rule", with(func(u *rbac.User) { u.ID = rbac.System }), rbac.ErrInvalid},
		{"ids starting rbac. are reserved", with(func(u *rbac.User) { u.ID = "rbac.ada" }), rbac.ErrInvalid},
		{"an org that is not an identifier", with(func(u *rbac.User) { u.Org = "d f e" }), rbac.ErrInvalid},
		{"an unknown role", with(func(u *rbac.User) { u.Roles = append(u.Roles, "console_admn") }), rbac.ErrForbidden},
		{"a role closed to the account type", with(func(u *rbac.User) { u.Roles = append(u.Roles, "partner_only") }), rbac.ErrForbidden},
		{"the administrator's role is closed to partners", with(func(u *rbac.User) { u.AccountType = "partner" }), rbac.ErrForbidden},
		{"an unknown group", with(func(u *rbac.User) { u.Groups = []rbac.GroupID{"admns"} }), rbac.ErrForbidden},
		{"an unknown workgroup", with(func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"north"} }), rbac.ErrForbidden},
		{"a disabled principal", with(func(u *rbac.User) { u.Disabled = true }), rbac.ErrForbidden},
		{"a principal without rights", with(func(u *rbac.User) { u.Roles = []rbac.RoleID{"caseworker"} }), rbac.ErrForbidden},
	} {
		rev := store.Revision()
		ad := a.AdminAs(tt.principal)
		_, err := ad.DeleteRole(ctx, "", "caseworker")
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: DeleteRole: got %v, want %v", tt.reason, err, tt.want)
		}
		// Nothing about the model is revealed: no suggestion of a role name.
		if err != nil && strings.Contains(err.Error(), "console_admin") {
			t.Errorf("%s: the refusal reveals a role: %v", tt.reason, err)
		}
		if _, err := ad.Preview(ctx, rbac.DeleteRole("caseworker")); !errors.Is(err, tt.want) {
			t.Errorf("%s: Preview: got %v, want %v", tt.reason, err, tt.want)
		}
		if _, err := ad.History(ctx, rbac.HistoryQuery{}); !errors.Is(err, tt.want) {
			t.Errorf("%s: History: got %v, want %v", tt.reason, err, tt.want)
		}
		if store.Revision() != rev {
			t.Errorf("%s: refused but written", tt.reason)
		}
	}
}

func TestAdminAsIsAuditedUnderThePrincipalsID(t *testing.T) {
	ctx := context.Background()
	a, _ := tokenAdminSetup(t)
	ad := a.AdminAs(&tokenAdmin)
	rev, err := ad.AddGrant(ctx, "ticket 7", "caseworker", rbac.Grant{Permission: "case.read", Scope: rbac.ScopeGlobal})
	if err == nil {
		t.Fatalf("adding a grant the role has: want ErrExists, got revision %d", rev)
	}
	rev, err = ad.CreateRole(ctx, "ticket 7", rbac.Role{ID: "reader", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}}})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := ad.History(ctx, rbac.HistoryQuery{Actor: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || sets[0].Revision != rev || sets[0].Actor != "ada" || sets[0].Reason != "ticket 7" {
		t.Fatalf("history of ada: %+v", sets)
	}
	// The principal's fields, not a stored user's, are what is judged: a
	// stored ada without rights changes nothing.
	if _, err := a.Admin(rbac.System).PutUser(ctx, "", rbac.User{ID: "ada", AccountType: "staff"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ad.DeleteRole(ctx, "", "reader"); err != nil {
		t.Errorf("the principal with a stored namesake without rights: %v", err)
	}
	if _, err := a.Admin("ada").CreateRole(ctx, "", rbac.Role{ID: "reader2"}); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("the stored ada has no rights: %v", err)
	}
}

func TestAdminAsLockoutCountsRolesAndGroups(t *testing.T) {
	ctx := context.Background()
	withoutRolesManage := rbac.PutRole(rbac.Role{ID: "console_admin", AccountTypes: []rbac.AccountType{"staff"}, Grants: grants(rbac.PermGroupsManage, rbac.PermUsersManage, rbac.PermAuditRead, rbac.PermRolesManage+"@mine")})
	for _, tt := range []struct {
		reason string
		before []rbac.Change // by rbac.System
		change rbac.Change   // by the principal administrator
		want   error         // nil: accepted
	}{
		{"the administrators' role gives up rbac.roles.manage, which unheld roles still confer", nil,
			withoutRolesManage, nil},
		{"the administrators' role gives up rbac.roles.manage, which no other role confers",
			[]rbac.Change{rbac.DeleteRole("spare_roles_admin"), rbac.DeleteRole("grouped_roles_admin")},
			withoutRolesManage, rbac.ErrForbidden},
		{"a role conferring rbac.roles.manage at mine only does not count",
			[]rbac.Change{rbac.DeleteRole("grouped_roles_admin"), rbac.PutRole(rbac.Role{ID: "spare_roles_admin", Grants: grants(rbac.PermRolesManage + "@mine")})},
			withoutRolesManage, rbac.ErrForbidden},
		{"an account type's default role, held by nobody, still confers rbac.roles.manage",
			[]rbac.Change{rbac.DeleteRole("spare_roles_admin"), rbac.DeleteRole("grouped_roles_admin"), rbac.PutRole(rbac.Role{ID: "ops_default", Grants: grants("case.read", rbac.PermRolesManage)})},
			withoutRolesManage, nil},
		{"a role for partners only counts: a partner's token may carry it",
			[]rbac.Change{rbac.DeleteRole("grouped_roles_admin"), rbac.PutRole(rbac.Role{ID: "spare_roles_admin", AccountTypes: []rbac.AccountType{"partner"}, Grants: grants(rbac.PermRolesManage)})},
			withoutRolesManage, nil},
		{"deleting the administrators' own role, while nothing else confers groups and users manage", nil,
			rbac.DeleteRole("console_admin"), rbac.ErrForbidden},
		{"deleting the administrators' own role, while an unheld role confers every manage permission",
			[]rbac.Change{rbac.PutRole(rbac.Role{ID: "spare_roles_admin", Grants: grants(rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage)})},
			rbac.DeleteRole("console_admin"), nil},
	} {
		a, store := tokenAdminSetup(t)
		if len(tt.before) > 0 {
			if _, err := a.Admin(rbac.System).Apply(ctx, "setup", tt.before...); err != nil {
				t.Fatalf("%s: setup: %v", tt.reason, err)
			}
		}
		rev := store.Revision()
		_, err := a.AdminAs(&tokenAdmin).Apply(ctx, "", tt.change)
		if !errors.Is(err, tt.want) || tt.want != nil && !strings.Contains(err.Error(), "(lockout)") {
			t.Errorf("%s: got %v, want %v (lockout)", tt.reason, err, tt.want)
		}
		if err != nil && store.Revision() != rev {
			t.Errorf("%s: refused but written", tt.reason)
		}
	}
}

func grants(ps ...rbac.Permission) []rbac.Grant {
	out := make([]rbac.Grant, len(ps))
	for i, p := range ps {
		g, err := rbac.ParseGrant(string(p))
		if err != nil {
			panic(err)
		}
		out[i] = g
	}
	return out
}

// TestAdminAsIsJudgedAsTheStoredUser: random change sets by random actors
// of the attack policy, each applied twice on two copies of the model: by
// the stored user (Admin) and by a principal with the same fields
// (AdminAs). The outcome must be the same, error for error, except for
// the lockout rule, which counts roles and groups for principals: where
// the two disagree, one refusal must be a lockout that a naive reference
// (capability checks of a principal holding each role, group or account
// type alone, and of every stored user) confirms.
func TestAdminAsIsJudgedAsTheStoredUser(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	stats := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		p, err := rbac.LoadPolicy(strings.NewReader(attackPolicy))
		if err != nil {
			t.Fatal(err)
		}
		var authorizers [2]*rbac.Authorizer
		for i := range authorizers {
			store := memstore.New()
			if _, err := rbac.Import(ctx, store, p); err != nil {
				t.Fatal(err)
			}
			if authorizers[i], err = rbac.New(ctx, store, rbac.WithoutFollow()); err != nil {
				t.Fatal(err)
			}
			defer authorizers[i].Close()
		}
		stored, token := authorizers[0], authorizers[1]
		for step := 0; step < 6; step++ {
			before, _ := stored.Policy()
			actor := rapid.SampledFrom([]rbac.UserID{"sam", "ursula", "rita", "gina", "grace", "nora", "mallory", "mike", "mona", "ed", "gwen", "ext1"}).Draw(t, "actor")
			principal := userIn(before, actor)
			if principal == nil {
				return // deleted by an earlier step
			}
			changes := rapid.SliceOfN(changeGen(before), 1, 2).Draw(t, "changes")
			reason := rapid.SampledFrom([]string{"", "ticket 1"}).Draw(t, "reason")
			_, errStored := stored.Admin(actor).Apply(ctx, reason, changes...)
			_, errToken := token.AdminAs(principal).Apply(ctx, reason, changes...)
			if diff := cmp.Diff(errorText(errStored), errorText(errToken)); diff == "" {
				if errStored == nil {
					stats["both accepted"]++
				} else {
					stats["both refused"]++
				}
				continue
			}
			stats["lockout differs"]++
			switch {
			case errToken == nil && isLockout(errStored):
				after, _ := token.Policy()
				for _, q := range []rbac.Permission{rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage} {
					if !conferredNaively(t, after, q) {
						t.Fatalf("the principal's change was accepted, but afterwards nothing confers %s", q)
					}
				}
			case errStored == nil && isLockout(errToken):
				after, _ := stored.Policy()
				locked := false
				for _, q := range []rbac.Permission{rbac.PermRolesManage, rbac.PermGroupsManage, rbac.PermUsersManage} {
					locked = locked || conferredNaively(t, before, q) && !conferredNaively(t, after, q)
				}
				if !locked {
					t.Fatalf("the principal was refused a lockout (%v), but the change leaves every manage permission conferred", errToken)
				}
			default:
				t.Fatalf("stored user and principal judged differently:\n%s", cmp.Diff(errorText(errStored), errorText(errToken)))
			}
			return // the two models differ from here on
		}
	})
	if stats["both accepted"] < 20 || stats["both refused"] < 20 {
		t.Errorf("too few cases compared: %v", stats)
	}
	t.Logf("%v", stats)
}

func errorText(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}

func isLockout(err error) bool {
	return errors.Is(err, rbac.ErrForbidden) && strings.Contains(err.Error(), "(lockout)")
}

// conferredNaively reports whether, in policy p, a principal holding one
// role (of an account type it allows), one group, or only an account
// type's defaults, or an enabled stored user, holds q at scope global or
// all — asked of Snapshot.Check, one request at a time.
func conferredNaively(t *rapid.T, p *rbac.Policy, q rbac.Permission) bool {
	snap, err := snapshotOf(p)
	if err != nil {
		t.Fatal(err)
	}
	wide := func(req rbac.Request) bool {
		req.Permission = q
		d := snap.Check(req)
		return d.Allowed && (d.Scope == rbac.ScopeGlobal || d.Scope == rbac.ScopeAll)
	}
	types := []rbac.AccountType{""}
	for _, at := range p.AccountTypes {
		types = append(types, at.ID)
		if wide(rbac.Request{Principal: &rbac.User{ID: "probe", AccountType: at.ID}}) {
			return true
		}
	}
	for _, r := range p.Roles {
		for _, at := range types {
			if wide(rbac.Request{Principal: &rbac.User{ID: "probe", AccountType: at, Roles: []rbac.RoleID{r.ID}}}) {
				return true
			}
		}
	}
	for _, g := range p.Groups {
		if wide(rbac.Request{Principal: &rbac.User{ID: "probe", AccountType: g.AccountType, Groups: []rbac.GroupID{g.ID}}}) {
			return true
		}
	}
	for _, u := range p.Users {
		if wide(rbac.Request{User: u.ID}) {
			return true
		}
	}
	return false
}

// TestAdminAsCreatesOwnedRecordsInItsOrg: a principal holding an ownership
// rule's create permission records a new record under its own org, as a
// stored user would (places-manager), and asking for another org is
// refused.
func TestAdminAsCreatesOwnedRecordsInItsOrg(t *testing.T) {
	ctx := context.Background()
	a, _ := newAuthorizer(t, attackPolicy, rbac.WithoutFollow())
	editor := &rbac.User{ID: "eve", AccountType: "internal", Org: "dfe", Roles: []rbac.RoleID{"editor"}}
	owners, _, err := a.AdminAs(editor).CreateOwned(ctx, "new service", "service", "s9", nil)
	if err != nil || !cmp.Equal(owners, []rbac.OrgSlug{"dfe"}) {
		t.Fatalf("CreateOwned: %v %v", owners, err)
	}
	if _, _, err := a.AdminAs(editor).CreateOwned(ctx, "", "service", "s10", []rbac.OrgSlug{"hmrc"}); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("another org's record: %v", err)
	}
	if got := a.Snapshot().Ownerships("service"); len(got) != 2 {
		t.Errorf("stored owners: %+v", got)
	}
}
