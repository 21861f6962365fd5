package rbac_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// TestPolicyErrorsSpeakYAML: a loader error names the place once, speaks of
// the policy file (never of Go types) and says how to fix it.
func TestPolicyErrorsSpeakYAML(t *testing.T) {
	tests := []struct {
		reason string
		input  string
		want   string // the whole message
	}{
		{"a misspelt key names the nearest known one",
			"roles:\n  - id: a\n    contians: [b]\n",
			`policy:3: load policy: unknown key "contians" in a role; did you mean "contains"? (known keys: id, title, description, account_types, contains, grants) (invalid)`},
		{"a misspelt section",
			"rolez: []\n",
			`policy:1: load policy: unknown key "rolez" in the top level (keys are manages, principals, account_types, permissions, roles, groups, workgroups, users, constraints, approvals, campaigns, kinds, ownership, owners, elevations, tests); did you mean "roles"? (known keys: manages, principals, account_types, permissions, roles, groups, workgroups, users, constraints, approvals, campaigns, kinds, ownership, owners, elevations, tests) (invalid)`},
		{"a misspelt key of a test's request",
			"tests:\n  - {name: x, request: {user: a, permision: b}}\n",
			`policy:2: load policy: unknown key "permision" in a test's request; did you mean "permission"? (known keys: user, principal, active_roles, permission, resource) (invalid)`},
		{"a tab that breaks indentation",
			"roles:\n\t- id: a\n",
			"policy:2: load policy: a tab character: YAML indents with spaces only; replace the tab with spaces (invalid)"},
		{"a tab inside a mapping",
			"roles:\n  - id: a\n\tcontains: [b]\n",
			"policy:3: load policy: a tab character: YAML indents with spaces only; replace the tab with spaces (invalid)"},
		{"a scalar where a list belongs",
			"roles: admin\n",
			`policy:1: load policy: expected a list, found the text "admin" (invalid)`},
		{"a word where a boolean belongs",
			"users:\n  - {id: a, disabled: maybe}\n",
			`policy:2: load policy: expected true or false, found the text "maybe" (invalid)`},
		{"a list at the top",
			"- a\n",
			`policy:1: load policy: expected a mapping of sections (roles:, users:, ...), found a list (invalid)`},
		{"a second document",
			"roles: []\n---\nusers: []\n",
			"policy:2: load policy: a second YAML document (after ---): a policy file holds one document; put each part in its own file and load them together (LoadPolicyFiles, or several files given to the rbac command) (invalid)"},
		{"an empty file",
			"",
			`policy: load policy: the file is empty: a policy needs at least one section (roles:, users:, ...); write "roles: []" for a policy that is meant to be empty (invalid)`},
		{"a file of comments only",
			"# nothing yet\n",
			`policy: load policy: the file is empty: a policy needs at least one section (roles:, users:, ...); write "roles: []" for a policy that is meant to be empty (invalid)`},
		{"an unknown role in contains: the entry's line",
			"roles:\n  - id: a\n    title: A\n    contains:\n      - b\n      - ghost\n  - id: b\n",
			`policy:6: validate role "a": contains "ghost", which does not exist (not found)`},
	}
	for _, tt := range tests {
		_, err := rbac.LoadPolicy(strings.NewReader(tt.input))
		if err == nil {
			t.Errorf("%s: loaded", tt.reason)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.reason, got, tt.want)
		}
		if strings.Contains(err.Error(), "rbac.") {
			t.Errorf("%s: %q names a Go type", tt.reason, err)
		}
		if !errors.Is(err, rbac.ErrInvalid) && !errors.Is(err, rbac.ErrNotFound) {
			t.Errorf("%s: %v wraps no sentinel", tt.reason, err)
		}
	}
}

func TestLoadPolicyFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := rbac.LoadPolicyFile(path)
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, rbac.ErrNotFound) {
		t.Fatalf("LoadPolicyFile(missing) = %v; want fs.ErrNotExist and rbac.ErrNotFound", err)
	}
	if want := path + ": load policy: the file does not exist (not found)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if _, err := rbac.LoadPolicyFiles(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadPolicyFiles(missing) = %v; want fs.ErrNotExist", err)
	}
}

// TestPolicyTestsAreValidated: a test that names what the policy does not
// have proves nothing, so it is an error at load time, with the test's line.
func TestPolicyTestsAreValidated(t *testing.T) {
	const base = `
account_types: [{id: staff}]
permissions:
  - {name: case.read}
  - {name: case.write}
roles:
  - {id: reader, grants: [case.read@workgroup]}
workgroups: [{id: leeds}]
users:
  - {id: alice, account_type: staff, roles: [reader], workgroups: [leeds]}
tests:
`
	tests := []struct {
		reason string
		test   string
		want   string // "" = valid
	}{
		{"a good test", `{name: t, request: {user: alice, permission: case.read}, expect: {allowed: true}}`, ""},
		{"a misspelt user", `{name: t, request: {user: alcie, permission: case.read}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": unknown user "alcie"; did you mean "alice"? (a test of an unknown user expects reason unknown_user) (invalid)`},
		{"an unknown user on purpose", `{name: t, request: {user: nobody, permission: case.read}, expect: {allowed: false, reason: unknown_user}}`, ""},
		{"a misspelt permission", `{name: t, request: {user: alice, permission: case.raed}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": permission "case.raed" is not in the catalogue; did you mean "case.read"? (invalid)`},
		{"an uncatalogued permission on purpose", `{name: t, request: {user: alice, permission: case.raed}, expect: {allowed: false, reason: invalid_request}}`, ""},
		{"a wildcard permission", `{name: t, request: {user: alice, permission: "case.*"}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": permission "case.*" is a wildcard; a request names one permission (a test of that expects reason invalid_request) (invalid)`},
		{"an unknown active role", `{name: t, request: {user: alice, active_roles: [raeder], permission: case.read}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": unknown active role "raeder"; did you mean "reader"? (invalid)`},
		{"an unknown workgroup", `{name: t, request: {user: alice, permission: case.read, resource: {kind: case, id: "1", workgroups: [leds]}}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": unknown workgroup "leds" in the resource; did you mean "leeds"? (invalid)`},
		{"an unknown reason", `{name: t, request: {user: alice, permission: case.read}, expect: {allowed: false, reason: nope}}`,
			`policy:12: validate: test "t": expects unknown reason "nope" (invalid)`},
		{"a denial with a scope", `{name: t, request: {user: alice, permission: case.write}, expect: {allowed: false, scope: mine}}`,
			`policy:12: validate: test "t": expects a denial with scope mine; a denial has no scope (invalid)`},
		{"no user", `{name: t, request: {permission: case.read}, expect: {allowed: false}}`,
			`policy:12: validate: test "t": the request names no user (invalid)`},
	}
	for _, tt := range tests {
		_, err := rbac.LoadPolicy(strings.NewReader(base + "  - " + tt.test + "\n"))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.reason, got, tt.want)
		}
	}
	// Without a catalogue, a permission is known when some role grants it.
	const free = "roles: [{id: r, grants: [case.read]}]\nusers: [{id: alice, roles: [r]}]\ntests:\n  - "
	_, err := rbac.LoadPolicy(strings.NewReader(free + "{name: t, request: {user: alice, permission: case.raed}, expect: {allowed: false}}\n"))
	if want := `policy:4: validate: test "t": permission "case.raed" is granted by no role; did you mean "case.read"? (a test that nobody holds it expects reason no_grant) (invalid)`; err == nil || err.Error() != want {
		t.Errorf("free-form misspelt permission:\n got %v\nwant %s", err, want)
	}
	if _, err := rbac.LoadPolicy(strings.NewReader(free + "{name: t, request: {user: alice, permission: case.delete}, expect: {allowed: false, reason: no_grant}}\n")); err != nil {
		t.Errorf("a deliberate no_grant test: %v", err)
	}
}
