package rbac_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// failingLoad is a store whose Load fails.
type failingLoad struct{ rbac.Store }

func (failingLoad) Load(context.Context) (*rbac.Policy, rbac.Revision, error) {
	return nil, 0, &rbac.Error{Op: "load", Msg: "the database is down", Err: rbac.ErrUnavailable}
}

// TestImportInvalid: Import validates the policy while it reads the store;
// an invalid policy writes nothing, and its error is the one returned even
// when nothing differs or the store cannot be read.
func TestImportInvalid(t *testing.T) {
	ctx := context.Background()
	invalid := &rbac.Policy{Users: []rbac.User{{ID: "alice", Roles: []rbac.RoleID{"no-such-role"}}}}
	wantErr := invalid.Validate()
	if wantErr == nil {
		t.Fatal("the invalid policy validates")
	}
	isValidation := func(err error) bool { return err != nil && err.Error() == wantErr.Error() }

	s := memstore.New()
	if _, err := rbac.Import(ctx, s, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy: %v, want %v", err, wantErr)
	}
	if _, rev, err := s.Load(ctx); err != nil || rev != 0 {
		t.Errorf("after the invalid import: revision %d, %v; want 0: nothing written", rev, err)
	}

	// The store holds what the invalid policy holds: nothing differs, and
	// still the policy is refused.
	if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(invalid.Users[0])}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.Import(ctx, s, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy the store already holds: %v, want %v", err, wantErr)
	}

	if _, err := rbac.Import(ctx, failingLoad{memstore.New()}, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy into a store that cannot load: %v, want %v", err, wantErr)
	}
	valid := &rbac.Policy{Users: []rbac.User{{ID: "alice"}}}
	if _, err := rbac.Import(ctx, failingLoad{memstore.New()}, valid); !errors.Is(err, rbac.ErrUnavailable) {
		t.Errorf("Import of a valid policy into a store that cannot load: %v, want ErrUnavailable", err)
	}
}

// TestPolicyManages: manages names known sections, each once, and a policy
// that manages some sections holds entities only in those; errors name
// the nearest section.
func TestPolicyManages(t *testing.T) {
	tests := []struct {
		reason, yaml string
		want         []string // the error's lines; none: valid
	}{
		{"every section named once", "manages: [permissions, roles]\nroles: [{id: r}]\n", nil},
		{"no manages: every section", "roles: [{id: r}]\nusers: [{id: u}]\n", nil},
		{"a misspelt section is named with the nearest",
			"manages: [roles, users, rols]\nroles: [{id: r}]\n",
			[]string{`validate: manages: unknown section "rols"; did you mean "roles"? (invalid)`}},
		{"a name far from every section lists them",
			"manages: [roles, anything]\nroles: [{id: r}]\n",
			[]string{`validate: manages: unknown section "anything" (sections: permissions, roles, account_types, workgroups, groups, users, constraints, approvals, campaigns, kinds, ownership, owners, elevations) (invalid)`}},
		{"a section listed twice", "manages: [roles, roles]\nroles: [{id: r}]\n",
			[]string{`validate: manages: section "roles" is listed twice (invalid)`}},
		{"an empty list would manage nothing, unlike no list", "manages: []\nroles: [{id: r}]\n",
			[]string{`validate: manages lists no section; leave manages out to manage every section (invalid)`}},
		{"users in a file that does not manage them would be ignored",
			"manages: [roles]\nroles: [{id: r}]\nusers: [{id: u, roles: [r]}, {id: v}]\n",
			[]string{`policy:3: validate user "u": section users holds 2 entities but is not in manages, so import would ignore them; add users to manages or move them out (invalid)`}},
	}
	for _, tt := range tests {
		p, err := rbac.DecodePolicy(strings.NewReader(tt.yaml), "policy")
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		var got []string
		if err := p.Validate(); err != nil {
			got = strings.Split(err.Error(), "\n")
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Errorf("%s: %v does not wrap ErrInvalid", tt.reason, err)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
		}
	}
}

// TestPolicyDigest: the digest is of the managed entities, in any order.
func TestPolicyDigest(t *testing.T) {
	load := func(yaml string) *rbac.Policy {
		t.Helper()
		p, err := rbac.DecodePolicy(strings.NewReader(yaml), "policy")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := load("roles: [{id: a}, {id: b, grants: [x.read]}]\n")
	tests := []struct {
		reason string
		other  *rbac.Policy
		same   bool
	}{
		{"the same entities in another order", load("roles: [{id: b, grants: [x.read]}, {id: a}]\n"), true},
		{"an empty list as none", load("roles: [{id: a, grants: []}, {id: b, grants: [x.read]}]\n"), true},
		{"a grant more", load("roles: [{id: a, grants: [x.read]}, {id: b, grants: [x.read]}]\n"), false},
		{"a role fewer", load("roles: [{id: b, grants: [x.read]}]\n"), false},
		{"a user in a section the policy does not manage is left out",
			&rbac.Policy{Manages: []rbac.Section{rbac.SectionRoles}, Roles: base.Roles, Users: []rbac.User{{ID: "u"}}}, true},
		{"a user in a managed section counts", &rbac.Policy{Roles: base.Roles, Users: []rbac.User{{ID: "u"}}}, false},
		{"principals are not content", &rbac.Policy{Principals: true, Roles: base.Roles}, true},
	}
	for _, tt := range tests {
		if got := base.Digest() == tt.other.Digest(); got != tt.same {
			t.Errorf("%s: digests equal %v, want %v", tt.reason, got, tt.same)
		}
	}
}

// TestImportManagesMergedFiles: files loaded together manage the sections
// any of them declares; a file of tests alone adds none.
func TestImportManagesMergedFiles(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.yaml")
	more := filepath.Join(dir, "more.yaml")
	tests := filepath.Join(dir, "tests.yaml")
	for path, text := range map[string]string{
		model: "manages: [roles, permissions]\nprincipals: true\nroles: [{id: r, grants: [x.read]}]\n",
		more:  "manages: [roles, kinds]\nroles: [{id: s}]\n",
		tests: "tests:\n  - {name: t, request: {principal: {id: p, roles: [r]}, permission: x.read}, expect: {allowed: true, scope: global}}\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := rbac.LoadPolicyFiles(model, more, tests)
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.Section{rbac.SectionRoles, rbac.SectionPermissions, rbac.SectionKinds}
	if diff := cmp.Diff(want, p.Manages); diff != "" || !p.Principals {
		t.Errorf("merged manages (-want +got):\n%s\nprincipals %v, want true", diff, p.Principals)
	}
}

// TestLintPrincipals: with users from tokens, roles and groups that no
// stored user holds are expected, and stored users are not.
func TestLintPrincipals(t *testing.T) {
	const model = "principals: true\nroles: [{id: clerk, grants: [case.read]}]\ngroups: [{id: team, name: Team, roles: [clerk]}]\n"
	tests := []struct {
		reason, yaml string
		want         []string
	}{
		{"no stored users: nothing to say", model, nil},
		{"stored users are said to be unexpected, once",
			model + "users: [{id: admin}, {id: other}]\n",
			[]string{`policy:4: user "admin": the policy says users come from tokens (principals: true), yet it holds 2 stored users (principals-with-users)`}},
		{"without principals the same users leave the role unheld",
			strings.TrimPrefix(model, "principals: true\n") + "users: [{id: admin}]\n",
			[]string{
				`policy:1: role "clerk": no enabled user holds it (directly, through a group, an account type's defaults or containment) (unheld-role)`,
				`policy:2: group "team": has no members (empty-group)`,
			}},
	}
	for _, tt := range tests {
		p, err := rbac.LoadPolicy(strings.NewReader(tt.yaml))
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		var got []string
		for _, f := range p.Lint() {
			got = append(got, f.String())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
		}
	}
}

// TestImportAfterAdminEdit: an administrator's change through the
// Authorizer (the console's path) is an edit the next start's import
// refuses to undo, naming the administrator and the reason; a file that
// does not manage users leaves it be.
func TestImportAfterAdminEdit(t *testing.T) {
	ctx := context.Background()
	file := func(manages ...rbac.Section) *rbac.Policy {
		return &rbac.Policy{
			Manages: manages,
			Roles: []rbac.Role{
				{ID: "security_admin", Grants: []rbac.Grant{{Permission: rbac.PermUsersManage, Scope: rbac.ScopeGlobal}, {Permission: "*", Scope: rbac.ScopeAll}}},
				{ID: "clerk", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeMine}}},
			},
			Users: []rbac.User{{ID: "sam", Roles: []rbac.RoleID{"security_admin"}}, {ID: "dan"}},
		}
	}
	s := memstore.New()
	if _, err := rbac.Import(ctx, s, file()); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rev, err := a.Admin("sam").AssignRole(ctx, "dan covers the front desk", "dan", "clerk")
	if err != nil {
		t.Fatal(err)
	}

	_, err = rbac.Import(ctx, s, file())
	var conflict *rbac.ImportConflict
	if !errors.Is(err, rbac.ErrConflict) || !errors.As(err, &conflict) {
		t.Fatalf("Import after the console's edit: %v, want an *ImportConflict wrapping ErrConflict", err)
	}
	got := conflict.Edits
	if len(got) == 1 && got[0].Time.IsZero() {
		t.Errorf("the edit has no time: %+v", got[0])
	}
	want := []rbac.Edit{{Kind: rbac.EntityUser, Key: "dan", Revision: rev, Actor: "sam", Reason: "dan covers the front desk"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(rbac.Edit{}, "Time")); diff != "" {
		t.Errorf("the refused edits (-want +got):\n%s", diff)
	}

	// The model in git, the users in the console: the same file, managing
	// only the model, imports without touching dan.
	model := file(rbac.SectionPermissions, rbac.SectionRoles)
	model.Users = nil
	model.Roles[1].Title = "Clerk"
	if _, err := rbac.Import(ctx, s, model); err != nil {
		t.Fatalf("Import of the model alone: %v", err)
	}
	p, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []rbac.User{{ID: "dan", Roles: []rbac.RoleID{"clerk"}}, {ID: "sam", Roles: []rbac.RoleID{"security_admin"}}}
	if diff := cmp.Diff(wantUsers, p.Users, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the console's users after importing the model (-want +got):\n%s", diff)
	}
}
