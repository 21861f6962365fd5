package rbac

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// policyDocSections maps each struct type of a policy file to the heading
// of its section in docs/policy.md. A new type (a new section, or a new
// nested entry) must be documented there and named here.
var policyDocSections = map[string]string{
	"rbac.Policy":          "## Top level",
	"rbac.AccountTypeDef":  "## `account_types`",
	"rbac.PermissionDef":   "## `permissions`",
	"rbac.Role":            "## `roles`",
	"rbac.Group":           "## `groups`",
	"rbac.Workgroup":       "## `workgroups`",
	"rbac.User":            "## `users`",
	"rbac.Constraint":      "## `constraints`",
	"rbac.Approval":        "## `approvals`",
	"rbac.Campaign":        "## `campaigns`",
	"rbac.Kind":            "## `kinds`",
	"rbac.OwnershipRule":   "## `ownership`",
	"rbac.Ownership":       "## `owners`",
	"rbac.PolicyTest":      "## `tests`",
	"rbac.Request":         "### `tests` request",
	"rbac.Resource":        "### `tests` resource",
	"rbac.Expectation":     "### `tests` expect",
	"rbac.TimedAssignment": "### `users` temporary",
	"rbac.Elevation":       "## `elevations`",
}

// policyDocScalars are struct types a policy file writes as a string
// (their UnmarshalYAML reads it), with the text their section must show.
var policyDocScalars = map[string][2]string{
	"rbac.Grant": {"## `roles`", "`permission@scope`"},
	"time.Time":  {"### `users` temporary", "RFC 3339"},
}

// TestPolicyDocCoversEveryKey: every YAML key of every struct a policy
// file is read into (found by reflection over the struct tags, as the
// loader's "known keys" are) has a row in its section of docs/policy.md.
func TestPolicyDocCoversEveryKey(t *testing.T) {
	data, err := os.ReadFile("docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // heading → its text, up to the next heading
	var heading string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			heading = line
			continue
		}
		sections[heading] += line + "\n"
	}
	types := make([]string, 0, len(yamlKeys()))
	for typ := range yamlKeys() {
		types = append(types, typ)
	}
	slices.Sort(types)
	for _, typ := range types {
		if sc, ok := policyDocScalars[typ]; ok {
			if !strings.Contains(sections[sc[0]], sc[1]) {
				t.Errorf("docs/policy.md, %s: %s is written as %s, and the section does not say so", sc[0], typ, sc[1])
			}
			continue
		}
		h, ok := policyDocSections[typ]
		if !ok {
			t.Errorf("%s (keys %s) has no section in docs/policy.md: document it and name its heading in policyDocSections", typ, strings.Join(yamlKeys()[typ], ", "))
			continue
		}
		text, ok := sections[h]
		if !ok {
			t.Errorf("docs/policy.md has no heading %q for %s", h, typ)
			continue
		}
		for _, key := range yamlKeys()[typ] {
			if !strings.Contains(text, "\n| `"+key+"` |") {
				t.Errorf("docs/policy.md, %s: no row for key %q of %s", h, key, typ)
			}
		}
	}
}
