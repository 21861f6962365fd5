package rbac_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// TestExplainSuggests: a misspelt user or permission is explained with
// the nearest known name.
func TestExplainSuggests(t *testing.T) {
	catalogued, err := rbac.LoadPolicy(strings.NewReader(`
permissions: [{name: case.read}]
roles: [{id: clerk, grants: [case.read]}]
users: [{id: alice, roles: [clerk]}, {id: bob}]
`))
	if err != nil {
		t.Fatal(err)
	}
	free, err := rbac.LoadPolicy(strings.NewReader(`
roles: [{id: clerk, grants: [case.read]}]
users: [{id: alice, roles: [clerk]}, {id: bob}]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy *rbac.Policy
		req    rbac.Request
		reason string
		want   string
	}{
		{"user", catalogued, rbac.Request{User: "alcie", Permission: "case.read"}, "an unknown user near a known one", `denied (unknown_user): no user "alcie" (did you mean "alice"?)`},
		{"far user", catalogued, rbac.Request{User: "zed", Permission: "case.read"}, "no suggestion when no user is near", `denied (unknown_user): no user "zed"`},
		{"catalogue", catalogued, rbac.Request{User: "alice", Permission: "case.raed"}, "a name outside the catalogue", `denied (invalid_request): permission "case.raed" is not in the catalogue (did you mean "case.read"?)`},
		{"no catalogue", free, rbac.Request{User: "bob", Permission: "service.delete"}, "without a catalogue, a name no role grants may be meant (nobody deletes): Snapshot.Permission says whether it is known", `denied (no_grant): user bob: no active role of bob grants service.delete: no role grants it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustSnapshot(t, tt.policy).Explain(tt.req).String(); got != tt.want {
				t.Errorf("%s:\n got %s\nwant %s", tt.reason, got, tt.want)
			}
		})
	}
}

// TestValidateSuggests: every unknown id a policy file refers to is
// reported with the nearest id of its kind.
func TestValidateSuggests(t *testing.T) {
	const base = `
account_types: [{id: staff}, {id: partner}]
permissions: [{name: case.read}, {name: case.write}, {name: client.merge}]
roles:
  - {id: reader, grants: [case.read]}
  - {id: writer, grants: [case.write]}
groups: [{id: desk, name: Desk}]
workgroups: [{id: north}, {id: leeds, parent: north}]
users: [{id: alice}]
kinds: [{name: service}]
`
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	add := func(section string) func(string) string {
		return func(s string) string { return s + section }
	}
	tests := []struct {
		reason string
		edit   func(string) string
		want   string
	}{
		{"a role's account type", replace("groups:", "  - {id: x, account_types: [staf]}\ngroups:"), `unknown account type "staf" (did you mean "staff"?)`},
		{"a contained role", replace("[case.write]}", "[case.write], contains: [raeder]}"), `contains "raeder", which does not exist (did you mean "reader"?)`},
		{"a granted permission", replace("grants: [case.read]", "grants: [case.raed]"), `grant "case.raed" is not in the permission catalogue (did you mean "case.read"?)`},
		{"a wildcard grant", replace("grants: [case.read]", `grants: ["clinet.*"]`), `grant "clinet.*" matches no catalogued permission (did you mean "client.*"?)`},
		{"a prerequisite", replace("{name: case.write}", "{name: case.write, requires: [case.raed]}"), `requires "case.raed", which is not in the catalogue (did you mean "case.read"?)`},
		{"a group's role", replace("name: Desk}", "name: Desk, roles: [wrtier]}"), `role "wrtier" does not exist (did you mean "writer"?)`},
		{"a group's manager", replace("name: Desk}", "name: Desk, managers: [alcie]}"), `manager "alcie" is not a user (did you mean "alice"?)`},
		{"a workgroup's parent", replace("parent: north", "parent: nroth"), `parent "nroth" does not exist (did you mean "north"?)`},
		{"a user's role", replace("{id: alice}", "{id: alice, roles: [reder]}"), `role "reder" does not exist (did you mean "reader"?)`},
		{"a user's group", replace("{id: alice}", "{id: alice, groups: [dsek]}"), `group "dsek" does not exist (did you mean "desk"?)`},
		{"a user's workgroup", replace("{id: alice}", "{id: alice, workgroups: [leds]}"), `workgroup "leds" does not exist (did you mean "leeds"?)`},
		{"a user's account type", replace("{id: alice}", "{id: alice, account_type: partnr}"), `unknown account type "partnr" (did you mean "partner"?)`},
		{"a constraint's role", add("constraints: [{name: c, max: 1, roles: [reader, writr]}]\n"), `role "writr" does not exist (did you mean "writer"?)`},
		{"an ownership rule's bypass", add("ownership: [{kind: service, bypass: client.merg}]\n"), `bypass "client.merg" is not in the permission catalogue (did you mean "client.merge"?)`},
		{"an ownership rule's kind", add("ownership: [{kind: servcie, bypass: client.merge}]\n"), `resource kind "servcie" is not declared under kinds (did you mean "service"?)`},
		{"an account type's default role", replace("{id: partner}", "{id: partner, default_roles: [readr]}"), `default role "readr" does not exist (did you mean "reader"?)`},
		{"nothing near", replace("{id: alice}", "{id: alice, roles: [zzzzzzzz]}"), `role "zzzzzzzz" does not exist (not found)`},
	}
	for _, tt := range tests {
		_, err := rbac.LoadPolicy(strings.NewReader(tt.edit(base)))
		if err == nil {
			t.Errorf("%s: no error", tt.reason)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error\n%v\nwant it to contain\n%s", tt.reason, err, tt.want)
		}
	}
}

// TestValidateSuggestsEveryUnknownID: each of many unknown ids gets its
// suggestion, the same however often it is misspelt.
func TestValidateSuggestsEveryUnknownID(t *testing.T) {
	var b strings.Builder
	b.WriteString("roles: [{id: reader}, {id: writer}]\nusers:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "  - {id: u%02d, roles: [reder, writr]}\n", i)
	}
	_, err := rbac.LoadPolicy(strings.NewReader(b.String()))
	if got := strings.Count(fmt.Sprint(err), `does not exist`); got != 60 {
		t.Errorf("%d unknown roles reported, want 60", got)
	}
	for _, want := range []string{`"reder" does not exist (did you mean "reader"?)`, `"writr" does not exist (did you mean "writer"?)`} {
		if got := strings.Count(fmt.Sprint(err), want); got != 30 {
			t.Errorf("%q %d times, want 30", want, got)
		}
	}
}
