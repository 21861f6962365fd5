package rbac_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// TestPolicyFileHardening feeds hostile input to the loader: every case
// must fail fast with ErrInvalid and a message that says what and where.
func TestPolicyFileHardening(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		prev := string(i - 1)
		bomb += string(i) + ": &" + string(i) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
	}
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	tests := []struct {
		reason string
		input  string
		says   []string
	}{
		{"unknown top-level key", "rolez: []\n", []string{"policy:1", "rolez"}},
		{"unknown field of a role", "roles:\n  - {id: a, grant: [x]}\n", []string{"policy:2", "grant"}},
		{"alias bomb", bomb, []string{"anchors and aliases are not allowed"}},
		{"deep nesting", "roles: " + deep + "\n", []string{"policy:1"}},
		{"two documents", "roles: []\n---\nusers: []\n", []string{"policy:2", "second YAML document", "its own file"}},
		{"a scalar where a list belongs", "roles: admin\n", []string{"policy:1"}},
		{"SQL-looking id", "users:\n  - {id: \"alice'); DROP TABLE users;--\"}\n", []string{"policy:2", "DROP TABLE", "allowed are"}},
		{"NUL byte in an id", "users:\n  - {id: \"al\\0ice\"}\n", []string{"policy:2", `'\x00'`}},
		{"10 KB id", "users:\n  - {id: " + strings.Repeat("x", 10000) + "}\n", []string{"more than 128", "…(10000 bytes)"}},
		{"unicode id", "users:\n  - {id: \"zoë\"}\n", []string{"policy:2", "allowed are"}},
		{"malformed YAML", "roles:\n  - {id: a\n", []string{"policy:"}},
		{"grant with a bad scope", "roles:\n  - {id: a, grants: [x.read@planet]}\n", []string{"policy:2", "planet"}},
	}
	for _, tt := range tests {
		start := time.Now()
		_, err := rbac.LoadPolicy(strings.NewReader(tt.input))
		if took := time.Since(start); took > 5*time.Second {
			// Not a speed assertion: a loader that takes this long on a
			// few kilobytes is expanding something it should not.
			t.Errorf("%s: took %v", tt.reason, took)
		}
		if !errors.Is(err, rbac.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", tt.reason, err)
			continue
		}
		for _, s := range tt.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tt.reason, err, s)
			}
		}
	}
}

func TestPolicyTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MB: run without -short")
	}
	huge := strings.NewReader("roles: []\n" + strings.Repeat("# padding\n", rbac.MaxPolicyBytes/10+1))
	if _, err := rbac.LoadPolicy(huge); !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized input: %v", err)
	}
}

func TestLoadPolicyFilesMergesAndNamesFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "roles.yaml")
	b := filepath.Join(dir, "users.yaml")
	os.WriteFile(a, []byte("roles:\n  - {id: viewer, grants: [doc.read]}\n"), 0o600)
	os.WriteFile(b, []byte("users:\n  - {id: alice, roles: [viewer]}\n  - {id: bob, roles: [ghost]}\n"), 0o600)
	_, err := rbac.LoadPolicyFiles(a, b)
	if !errors.Is(err, rbac.ErrNotFound) || !strings.Contains(err.Error(), "users.yaml:3") {
		t.Fatalf("merged files: %v", err)
	}
	// A later file may not redefine an id of an earlier one.
	os.WriteFile(b, []byte("roles:\n  - {id: viewer}\n"), 0o600)
	_, err = rbac.LoadPolicyFiles(a, b)
	if !errors.Is(err, rbac.ErrExists) || !strings.Contains(err.Error(), "roles.yaml:2 and "+b+":2") {
		t.Fatalf("redefinition across files: %v", err)
	}
}

var policyCmp = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{}), cmpopts.IgnoreFields(rbac.PolicyTest{}, "Where")}

// FuzzPolicyRoundTrip: the loader never panics, and whatever it accepts
// marshals to a file that loads back to the same policy.
func FuzzPolicyRoundTrip(f *testing.F) {
	// Small seeds, one per section: Go minimizes every new interesting
	// input for up to a minute, so 44 KB seed files stall the fuzzer
	// (5,000 inputs in 5 minutes against 10,000 a second with these).
	for _, seed := range []string{
		"account_types:\n  - {id: delius, default_roles: [probation]}\nroles:\n  - {id: probation, grants: [case.read@mine]}\n",
		"permissions:\n  - {name: client.merge, sensitive: admins, requires: [yj.view]}\n  - {name: yj.view, deprecated: old}\n",
		"groups:\n  - {id: g, name: G, roles: [r], managers: [m]}\nroles: [{id: r}]\nusers: [{id: m, groups: [g]}]\n",
		"workgroups:\n  - {id: north, name: North}\n  - {id: leeds, name: Leeds, parent: north}\nusers: [{id: a, workgroups: [leeds], org: defra}]\n",
		"constraints:\n  - {name: c, dynamic: true, max: 1, roles: [a, b]}\nroles: [{id: a}, {id: b}]\n",
		"roles: [{id: r, grants: [x.read]}]\nusers: [{id: u, roles: [r]}]\ntests:\n  - {name: t, request: {user: u, permission: x.read, resource: {kind: k, id: \"1\"}}, expect: {allowed: true, scope: global}}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Add([]byte("roles:\n  - {id: a, contains: [b], grants: [\"x.*@mine\"]}\n  - {id: b}\nusers:\n  - {id: u, roles: [a], disabled: true}\n"))
	f.Add([]byte("users:\n  - {id: sven, name: \"Sven Larsen \", email: sven@example.org}\n  - {id: ase, name: \"Åse\\tØ\"}\n"))
	f.Add([]byte("ownership: [{kind: service, bypass: x.y}]\nowners: [{kind: service, id: \"1\", owners: [a, b]}]\n"))
	f.Add([]byte("manages: [roles, permissions]\nprincipals: true\nroles: [{id: r, grants: [x.read]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := rbac.LoadPolicy(bytes.NewReader(data))
		if err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		q, err := rbac.LoadPolicy(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("reload of\n%s\nfailed: %v", out, err)
		}
		if diff := cmp.Diff(p, q, policyCmp...); diff != "" {
			t.Fatalf("round trip (-loaded +reloaded):\n%s", diff)
		}
	})
}

// TestPolicyAddInvertsEntities: putting back every entity Entities lists,
// one by one with Add, rebuilds the same policy, for a policy holding every
// kind of entity.
func TestPolicyAddInvertsEntities(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader(`
permissions: [{name: case.read}, {name: case.break_glass}]
roles: [{id: reader, grants: [case.read]}, {id: admin, grants: ["rbac.users.manage@all"]}, {id: case_admin}]
account_types: [{id: staff, default_roles: [reader]}]
workgroups: [{id: north}]
groups: [{id: readers, name: Readers, account_type: staff, roles: [reader]}]
users:
  - {id: ann, account_type: staff, groups: [readers], workgroups: [north], org: dfe, temporary: [{role: admin, until: 2027-01-01T00:00:00Z}]}
constraints: [{name: no-two, max: 1, roles: [admin, case_admin]}]
approvals: [{name: admins, roles: [admin]}]
campaigns: [{id: q1, roles: [reader], due: 2027-03-31T00:00:00Z}]
kinds: [{name: case}]
ownership: [{kind: case, bypass: case.break_glass}]
owners: [{kind: case, id: "7", owners: [dfe]}]
elevations: [{id: incident, roles: [admin], max_duration: 1h, invoke: case.break_glass}]
`))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[rbac.EntityKind]bool{}
	var q rbac.Policy
	for _, e := range p.Entities() {
		kinds[e.EntityKind()] = true
		q.Add(e)
	}
	for _, k := range rbac.EntityKinds() {
		if !kinds[k] {
			t.Errorf("the policy holds no %s: the test does not cover it", k)
		}
	}
	if diff := cmp.Diff(p.Entities(), q.Entities()); diff != "" {
		t.Errorf("rebuilt with Add (-want +got):\n%s", diff)
	}
}
