package rbac_test

import (
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
		{"no catalogue", free, rbac.Request{User: "bob", Permission: "case.raed"}, "without a catalogue, a name no role grants", `denied (no_grant): user bob: no active role of bob grants case.raed: no role grants it (did you mean "case.read"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustSnapshot(t, tt.policy).Explain(tt.req).String(); got != tt.want {
				t.Errorf("%s:\n got %s\nwant %s", tt.reason, got, tt.want)
			}
		})
	}
}
