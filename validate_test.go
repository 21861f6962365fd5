package rbac_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// TestValidateRules gives each rule a broken policy; the error must wrap
// the sentinel and name the entity and its line.
func TestValidateRules(t *testing.T) {
	tests := []struct {
		reason string
		policy string
		want   error
		says   []string // substrings of the message
	}{
		{"unknown contained role", "roles:\n  - {id: a, contains: [ghost]}\n", rbac.ErrNotFound, []string{`role "a"`, "policy:2", `"ghost"`}},
		{"self containment", "roles:\n  - {id: a, contains: [a]}\n", rbac.ErrCycle, []string{"contains itself"}},
		{"containment cycle", "roles:\n  - {id: a, contains: [b]}\n  - {id: b, contains: [c]}\n  - {id: c, contains: [a]}\n", rbac.ErrCycle, []string{"a → b → c → a"}},
		{"duplicate role", "roles:\n  - {id: a}\n  - {id: a}\n", rbac.ErrExists, []string{"policy:2 and policy:3", "more than once"}},
		{"group names compare case-insensitively", "groups:\n  - {id: g1, name: Permitting}\n  - {id: g2, name: PERMITTING}\n", rbac.ErrExists, []string{"case-insensitively"}},
		{"workgroup cycle", "workgroups:\n  - {id: a, parent: b}\n  - {id: b, parent: a}\n", rbac.ErrCycle, []string{"parent cycle"}},
		{"unknown workgroup parent", "workgroups:\n  - {id: a, parent: z}\n", rbac.ErrNotFound, []string{`parent "z"`}},
		{"account type without declarations", "roles:\n  - {id: a, account_types: [x]}\n", rbac.ErrInvalid, []string{"declares no account types"}},
		{"user's role closed to their type", "account_types: [{id: nomis}, {id: external}]\nroles:\n  - {id: a, account_types: [nomis]}\nusers:\n  - {id: u, account_type: external, roles: [a]}\n", rbac.ErrInvalid, []string{`user "u"`, "closed to the user's account type"}},
		{"member of another type's group", "account_types: [{id: internal}, {id: external}]\ngroups:\n  - {id: g, name: G, account_type: external}\nusers:\n  - {id: u, account_type: internal, groups: [g]}\n", rbac.ErrInvalid, []string{"may not join group"}},
		{"group role closed to the group's type", "account_types: [{id: internal}, {id: external}]\nroles:\n  - {id: a, account_types: [internal]}\ngroups:\n  - {id: g, name: G, account_type: external, roles: [a]}\n", rbac.ErrInvalid, []string{"closed to the group's account type"}},
		{"contained role closed to a type its container allows", "account_types: [{id: internal}, {id: external}]\nroles:\n  - {id: outer, contains: [inner]}\n  - {id: inner, account_types: [internal]}\n", rbac.ErrInvalid, []string{`closed to account type "external"`}},
		{"default role closed to the type", "account_types:\n  - {id: delius, default_roles: [p]}\n  - {id: nomis}\nroles:\n  - {id: p, account_types: [nomis]}\n", rbac.ErrInvalid, []string{"default role"}},
		{"uncatalogued grant", "permissions: [{name: a.read}]\nroles:\n  - {id: r, grants: [b.read]}\n", rbac.ErrNotFound, []string{"not in the permission catalogue"}},
		{"wildcard matching nothing catalogued", "permissions: [{name: a.read}]\nroles:\n  - {id: r, grants: [\"b.*\"]}\n", rbac.ErrNotFound, []string{"matches no catalogued permission"}},
		{"unknown prerequisite", "permissions: [{name: a.read, requires: [b.read]}]\n", rbac.ErrNotFound, []string{"requires"}},
		{"wildcard in the catalogue", "permissions: [{name: \"a.*\"}]\n", rbac.ErrInvalid, []string{"wildcard"}},
		{"malformed grant", "roles:\n  - {id: r, grants: [\"a.read@everywhere\"]}\n", rbac.ErrInvalid, []string{"everywhere"}},
		{"SQL-looking id", "users:\n  - {id: \"x'; DROP TABLE users;--\"}\n", rbac.ErrInvalid, []string{"DROP TABLE"}},
		{"overlong id", "users:\n  - {id: " + strings.Repeat("u", 129) + "}\n", rbac.ErrInvalid, []string{"more than 128"}},
		{"constraint max too large", "roles: [{id: a}, {id: b}]\nconstraints:\n  - {name: c, max: 2, roles: [a, b]}\n", rbac.ErrInvalid, []string{"max is 2"}},
		{"static separation of duty", "roles: [{id: suggest}, {id: approve}, {id: both, contains: [suggest, approve]}]\nusers:\n  - {id: u, roles: [both]}\nconstraints:\n  - {name: sod, max: 1, roles: [suggest, approve]}\n", rbac.ErrSeparationOfDuty, []string{`user "u"`, "suggest, approve"}},
		{"unknown group manager", "groups:\n  - {id: g, name: G, managers: [nobody]}\n", rbac.ErrNotFound, []string{"manager"}},
		{"bypass not catalogued", "permissions: [{name: a.read}]\nownership:\n  - {kind: service, bypass: gds.editor}\n", rbac.ErrNotFound, []string{"bypass"}},
		{"ownership kind with a slash", "ownership:\n  - {kind: a/b, bypass: x.y}\n", rbac.ErrInvalid, []string{"contains '/'"}},
	}
	for _, tt := range tests {
		_, err := rbac.LoadPolicy(strings.NewReader(tt.policy))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
			continue
		}
		for _, s := range tt.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tt.reason, err, s)
			}
		}
	}
}

func TestValidateReportsEveryViolation(t *testing.T) {
	policy := `
roles:
  - {id: a, contains: [ghost]}
  - {id: b, contains: [b]}
groups:
  - {id: g, name: ""}
users:
  - {id: u, groups: [nope]}
workgroups:
  - {id: w, parent: missing}
`
	_, err := rbac.LoadPolicy(strings.NewReader(policy))
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("want joined errors, got %v", err)
	}
	if n := len(joined.Unwrap()); n != 5 {
		t.Errorf("got %d violations, want 5:\n%v", n, err)
	}
	for _, want := range []error{rbac.ErrNotFound, rbac.ErrCycle, rbac.ErrInvalid} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
}

func TestValidateDeepGraphs(t *testing.T) {
	var b strings.Builder
	b.WriteString("roles:\n  - {id: r0}\n")
	for i := 1; i < 10000; i++ {
		b.WriteString("  - {id: r" + itoa(i) + ", contains: [r" + itoa(i-1) + "]}\n")
	}
	b.WriteString("workgroups:\n  - {id: w0}\n")
	for i := 1; i < 10000; i++ {
		b.WriteString("  - {id: w" + itoa(i) + ", parent: w" + itoa(i-1) + "}\n")
	}
	if _, err := rbac.LoadPolicy(strings.NewReader(b.String())); err != nil {
		t.Fatalf("10,000-deep chains: %v", err)
	}
	// Close the chain into a cycle: reported once, without recursion.
	cyclic := strings.Replace(b.String(), "- {id: r0}", "- {id: r0, contains: [r9999]}", 1)
	_, err := rbac.LoadPolicy(strings.NewReader(cyclic))
	if !errors.Is(err, rbac.ErrCycle) || strings.Count(err.Error(), "containment cycle") != 1 {
		t.Fatalf("10,000-role cycle: %.300v", err)
	}
	// A dense diamond of 40 layers of 4 roles, each containing the whole
	// next layer.
	var d strings.Builder
	d.WriteString("roles:\n")
	for layer := 0; layer < 40; layer++ {
		for k := 0; k < 4; k++ {
			d.WriteString("  - {id: d" + itoa(layer) + "_" + itoa(k))
			if layer < 39 {
				d.WriteString(", contains: [")
				for j := 0; j < 4; j++ {
					if j > 0 {
						d.WriteString(", ")
					}
					d.WriteString("d" + itoa(layer+1) + "_" + itoa(j))
				}
				d.WriteString("]")
			}
			d.WriteString("}\n")
		}
	}
	if _, err := rbac.LoadPolicy(strings.NewReader(d.String())); err != nil {
		t.Fatalf("diamond: %v", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// Validate only reads the policy (it indexes it in place), so goroutines
// may validate one policy at once and each gets the whole report; run
// with -race, a write anywhere in validation fails this.
func TestValidateConcurrently(t *testing.T) {
	p := &rbac.Policy{
		AccountTypes: []rbac.AccountTypeDef{{ID: "staff", Title: "Staff", DefaultRoles: []rbac.RoleID{"reader"}}},
		Permissions:  []rbac.PermissionDef{{Name: "case.read"}, {Name: "case.write", Requires: []rbac.Permission{"case.read"}}},
		Roles: []rbac.Role{
			{ID: "reader", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}}},
			{ID: "writer", Contains: []rbac.RoleID{"reader", "ghost"}, Grants: []rbac.Grant{{Permission: "case.write", Scope: rbac.ScopeMine}}},
			{ID: "loop", Contains: []rbac.RoleID{"loop"}},
			{ID: "reader"}, // defined twice
		},
		Users: []rbac.User{
			{ID: "ann", AccountType: "staff", Roles: []rbac.RoleID{"writer"}},
			{ID: "bob", AccountType: "contractor", Roles: []rbac.RoleID{"nope"}},
		},
		Constraints: []rbac.Constraint{{Name: "sod", Max: 1, Roles: []rbac.RoleID{"reader", "writer"}}},
	}
	before := p.Clone()
	want := p.Validate()
	if want == nil {
		t.Fatal("the policy has violations; Validate found none")
	}
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Validate()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if diff := cmp.Diff(want.Error(), err.Error()); diff != "" {
			t.Errorf("goroutine %d's report differs (-alone +concurrent):\n%s", i, diff)
		}
	}
	if diff := cmp.Diff(before, p, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); diff != "" {
		t.Errorf("Validate changed the policy (-before +after):\n%s", diff)
	}
}
