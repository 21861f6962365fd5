package casbinfile_test

import (
	"strings"
	"testing"

	"github.com/rolegraph/rbac/cmd/rbac/internal/casbinfile"
	"github.com/rolegraph/rbac/policytest"
)

const rbacModel = `[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`

// FuzzConvert: the Casbin reader never panics, and whatever it converts is
// a valid policy whose generated tests pass.
func FuzzConvert(f *testing.F) {
	f.Add(rbacModel, "p, alice, data1, read\np, data2_admin, data2, write\ng, alice, data2_admin\n")
	f.Add(strings.Replace(rbacModel, "r = sub, obj, act", "r = sub, dom, obj, act", 1), "p, a, d, o, r\n")
	f.Add(strings.Replace(rbacModel, "g = _, _", "g = _, _\ng2 = _, _", 1), "p, a, grp, read\ng2, o1, grp\n")
	f.Add(rbacModel, "p, \"a,b\", file.txt, read\ng, x, y\ng, y, x\n")
	f.Add(rbacModel, "p, alice, data1\n")
	f.Fuzz(func(t *testing.T, model, policy string) {
		c, err := casbinfile.Convert(strings.NewReader(model), "model.conf", strings.NewReader(policy), "policy.csv")
		if err != nil {
			return
		}
		if err := c.Policy.Validate(); err != nil {
			t.Fatalf("converted policy invalid: %v", err)
		}
		if len(c.Policy.Tests) > casbinfile.MaxTests {
			t.Fatalf("%d tests", len(c.Policy.Tests))
		}
		if len(c.Policy.Tests) > 400 {
			return // a big generated policy: slow to run, and no likelier to find a bug
		}
		snap := snapshot(t, c.Policy)
		for _, r := range policytest.Results(c.Policy, snap) {
			if !r.Passed() {
				t.Fatalf("generated test fails: %s\nmodel:\n%s\npolicy:\n%s", r, model, policy)
			}
		}
	})
}
