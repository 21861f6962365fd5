package rbac_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

func TestLintRules(t *testing.T) {
	const policy = `permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: case.export}
  - {name: case.old, deprecated: replaced by case.export}
  - {name: client.merge, sensitive: administrators only}
  - {name: client.view, description: None}
roles:
  - {id: empty}
  - {id: reader, grants: [case.read@mine]}
  - id: writer
    contains: [reader]
    grants:
      - case.write
      - case.read@mine
  - {id: orphan, grants: [case.write]}
  - {id: merger, grants: ["client.*", case.old]}
groups:
  - {id: g1, name: G1, roles: []}
  - {id: g2, name: G2, roles: [writer]}
users:
  - {id: alice, roles: [writer, merger, empty]}
ownership:
  - {kind: case, bypass: case.write}
`
	p, err := rbac.LoadPolicy(strings.NewReader(policy))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Lint() {
		got = append(got, f.String())
	}
	want := []string{
		`policy:4: permission "case.export": no role grants it (unused-permission)`,
		`policy:7: permission "client.view": description is "None", a placeholder; write one or leave it out (placeholder-text)`,
		`policy:9: role "empty": grants nothing and contains nothing (empty-role)`,
		`policy:15: role "writer": grant case.read@mine is already implied through contained role "reader" (grant case.read@mine) (redundant-grant)`,
		`policy:16: role "orphan": no enabled user holds it (directly, through a group, an account type's defaults or containment) (unheld-role)`,
		`policy:17: role "merger": grants deprecated permission case.old (replaced by case.export) (deprecated-granted)`,
		`policy:17: role "merger": wildcard grant client.*@global reaches sensitive permission client.merge (administrators only); grant it by name so that a review sees it (sensitive-wildcard)`,
		`policy:19: group "g1": has no roles: its members get nothing from it (empty-group)`,
		`policy:20: group "g2": has no members (empty-group)`,
		`policy:24: ownership_rule "case": the policy declares no kinds, so a request that misspells "case" is not checked for ownership; declare the kinds under kinds: (ownership-kind-undeclared)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lint (-want +got):\n%s", diff)
	}
}

// TestLintElevationRoles: a role given only by an elevation is held by
// whoever invokes it, so it is not unheld; without the elevation it is.
func TestLintElevationRoles(t *testing.T) {
	const policy = `roles:
  - {id: support, grants: [case.break_glass]}
  - {id: records_admin, grants: [case.restore]}
users:
  - {id: ian, roles: [support]}
elevations:
  - {id: incident, roles: [records_admin], max_duration: 2h, invoke: case.break_glass}
`
	for _, tc := range []struct {
		reason string
		policy string
		want   []string
	}{
		{"the elevation gives the role", policy, nil},
		{"nothing gives the role", policy[:strings.Index(policy, "elevations:")], []string{
			`policy:3: role "records_admin": no enabled user holds it (directly, through a group, an account type's defaults or containment) (unheld-role)`,
		}},
	} {
		p, err := rbac.LoadPolicy(strings.NewReader(tc.policy))
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		var got []string
		for _, f := range p.Lint() {
			got = append(got, f.String())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Lint (-want +got):\n%s", tc.reason, diff)
		}
	}
}

// TestLintServiceNowAsPublished: the published catalogue's faults that no
// validation can see — "None" descriptions and titles shifted one row —
// are warnings.
func TestLintServiceNowAsPublished(t *testing.T) {
	const path = "examples/servicenow/as_published.yaml"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := rbac.DecodePolicy(f, path)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string][]string{}
	for _, f := range p.Lint() {
		if !strings.HasPrefix(f.Where, path+":") {
			t.Errorf("finding without a position: %s", f)
		}
		rules[f.Rule] = append(rules[f.Rule], f.ID)
	}
	for _, id := range []string{"sn_gsm.service_offered_admin"} {
		if !contains(rules[rbac.LintPlaceholderText], id) {
			t.Errorf("no placeholder-text finding for %s; got %v", id, rules[rbac.LintPlaceholderText])
		}
	}
	for _, id := range []string{"sn_svc_appl_pgm_mg.grant_program_manager", "sn_svc_appl_pgm_mg.grant_program_writer", "sn_svc_appl_pgm_mg.planning_item_writer"} {
		if !contains(rules[rbac.LintTitleNamesAnother], id) {
			t.Errorf("no title-names-another finding for %s; got %v", id, rules[rbac.LintTitleNamesAnother])
		}
	}
	// The corrected catalogue has none of these.
	q, err := rbac.LoadPolicyFile("testdata/seeds/servicenow_psds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range q.Lint() {
		if f.Rule == rbac.LintPlaceholderText || f.Rule == rbac.LintTitleNamesAnother {
			t.Errorf("corrected catalogue: %s", f)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLintOwnershipKinds: an ownership rule is only worth a warning when no
// kinds are declared (a misspelt kind then skips the rule silently).
func TestLintOwnershipKinds(t *testing.T) {
	tests := []struct {
		name, policy string
		want         bool
	}{
		{"no kinds declared", "ownership:\n  - {kind: case, bypass: case.all}\n", true},
		{"kinds declared", "kinds:\n  - {name: case}\nownership:\n  - {kind: case, bypass: case.all}\n", false},
		{"no ownership rules", "kinds:\n  - {name: case}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := rbac.DecodePolicy(strings.NewReader(tt.policy), "policy")
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, f := range p.Lint() {
				got = got || f.Rule == rbac.LintOwnershipUndeclare
			}
			if got != tt.want {
				t.Errorf("ownership-kind-undeclared reported: %v, want %v (%v)", got, tt.want, p.Lint())
			}
		})
	}
}
