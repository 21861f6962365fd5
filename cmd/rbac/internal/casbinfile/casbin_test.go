package casbinfile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/cmd/rbac/internal/casbinfile"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/policytest"
)

// examples finds Casbin's examples/ in the module cache.
func examples(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/casbin/casbin/v2").Output()
	if err != nil {
		t.Skipf("go list -m github.com/casbin/casbin/v2: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "examples")
}

// supported are Casbin's example RBAC policies that convert.
var supported = [][2]string{
	{"basic_model.conf", "basic_policy.csv"},
	{"rbac_model.conf", "rbac_policy.csv"},
	{"rbac_model.conf", "rbac_with_hierarchy_policy.csv"},
	{"rbac_model_in_multi_line.conf", "rbac_policy.csv"},
	{"rbac_with_resource_roles_model.conf", "rbac_with_resource_roles_policy.csv"},
	{"rbac_with_domains_model.conf", "rbac_with_domains_policy.csv"},
	{"rbac_with_domains_model.conf", "rbac_with_domains_policy2.csv"},
	{"rbac_with_domains_model.conf", "rbac_with_hierarchy_with_domains_policy.csv"},
}

func convert(t *testing.T, model, policy string) (*casbinfile.Conversion, error) {
	t.Helper()
	m, err := os.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, err := os.Open(policy)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	return casbinfile.Convert(m, filepath.Base(model), p, filepath.Base(policy))
}

func snapshot(t *testing.T, p *rbac.Policy) *rbac.Snapshot {
	t.Helper()
	ctx := context.Background()
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	if _, err := rbac.Import(ctx, s, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, s, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a.Snapshot()
}

// TestExamplesAgreeWithEnforce converts each supported example and asks
// Casbin's own Enforce and the converted policy every request that can be
// formed from the policy's names plus an unknown one of each: they agree,
// and the generated tests pass.
func TestExamplesAgreeWithEnforce(t *testing.T) {
	dir := examples(t)
	for _, ex := range supported {
		t.Run(ex[0]+"+"+ex[1], func(t *testing.T) {
			model, policy := filepath.Join(dir, ex[0]), filepath.Join(dir, ex[1])
			c, err := convert(t, model, policy)
			if err != nil {
				t.Fatal(err)
			}
			e, err := casbin.NewEnforcer(model, policy)
			if err != nil {
				t.Fatal(err)
			}
			snap := snapshot(t, c.Policy)
			for _, r := range policytest.Results(c.Policy, snap) {
				if !r.Passed() {
					t.Errorf("generated test fails: %s", r)
				}
			}
			if len(c.Policy.Tests) == 0 {
				t.Fatal("no tests generated")
			}
			subs, doms, objs, acts := names(c)
			asked, allowed := 0, 0
			for _, sub := range subs {
				for _, dom := range doms {
					for _, obj := range objs {
						for _, act := range acts {
							args := []any{sub, obj, act}
							perm := casbinfile.Escape(obj) + "." + casbinfile.Escape(act)
							if c.Model.Domains {
								args = []any{sub, dom, obj, act}
								perm = casbinfile.Escape(dom) + "." + perm
							}
							want, err := e.Enforce(args...)
							if err != nil {
								t.Fatal(err)
							}
							got := snap.Check(rbac.Request{User: rbac.UserID(casbinfile.Escape(sub)), Permission: rbac.Permission(perm)})
							asked++
							if want {
								allowed++
							}
							if got.Allowed != want {
								t.Errorf("Enforce%v = %v; converted policy: %s", args, want, got)
							}
						}
					}
				}
			}
			if allowed == 0 || allowed == asked {
				t.Errorf("%d of %d requests allowed: the comparison proves little", allowed, asked)
			}
			t.Logf("%d requests agree (%d allowed); %d generated tests", asked, allowed, len(c.Policy.Tests))
		})
	}
}

// names lists the subjects, domains, objects and actions of the policy
// lines, plus one unknown of each.
func names(c *casbinfile.Conversion) (subs, doms, objs, acts []string) {
	add := func(list *[]string, s string) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	for _, r := range c.Rules {
		f := r.Fields
		switch r.Type {
		case "p":
			add(&subs, f[0])
			if c.Model.Domains {
				add(&doms, f[1])
				add(&objs, f[2])
				add(&acts, f[3])
			} else {
				add(&objs, f[1])
				add(&acts, f[2])
			}
		case "g":
			add(&subs, f[0])
			add(&subs, f[1])
			if c.Model.Domains {
				add(&doms, f[2])
			}
		case "g2":
			add(&objs, f[0])
			add(&objs, f[1])
		}
	}
	add(&subs, "stranger")
	add(&objs, "nothing")
	add(&acts, "fly")
	if c.Model.Domains {
		add(&doms, "elsewhere")
	} else {
		doms = []string{""}
	}
	return
}

// TestHierarchyLimitIsCasbins: a role 10 g steps away is Casbin's last
// reachable one; 11 steps is refused, because Casbin denies there.
func TestHierarchyLimitIsCasbins(t *testing.T) {
	dir := examples(t)
	model := filepath.Join(dir, "rbac_model.conf")
	for _, steps := range []int{10, 11} {
		var b strings.Builder
		fmt.Fprintf(&b, "p, r%d, data, read\n", steps)
		prev := "u"
		for i := 1; i <= steps; i++ {
			fmt.Fprintf(&b, "g, %s, r%d\n", prev, i)
			prev = fmt.Sprintf("r%d", i)
		}
		path := filepath.Join(t.TempDir(), "chain.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := casbin.NewEnforcer(model, path)
		if err != nil {
			t.Fatal(err)
		}
		casbinAllows, _ := e.Enforce("u", "data", "read")
		c, err := convert(t, model, path)
		switch {
		case steps == 10 && (err != nil || !casbinAllows):
			t.Errorf("10 steps: Casbin allows=%v, conversion error %v; want both to accept", casbinAllows, err)
		case steps == 10:
			if d := snapshot(t, c.Policy).Check(rbac.Request{User: "u", Permission: "data.read"}); !d.Allowed {
				t.Errorf("10 steps: converted policy %s", d)
			}
		case steps == 11 && (casbinAllows || !errors.Is(err, casbinfile.ErrUnsupported)):
			t.Errorf("11 steps: Casbin allows=%v, conversion error %v; want Casbin to deny and the conversion refused", casbinAllows, err)
		}
	}
}

// TestDottedNamesDoNotCollide: "file.txt" + "read" and "file" + "txt.read"
// are different permissions.
func TestDottedNamesDoNotCollide(t *testing.T) {
	for _, tt := range [][2]string{{"file.txt", "read"}, {"file", "txt.read"}, {"a+b", "c"}, {"a", "+2Bb.c"}, {"x@y", "z"}} {
		for _, uu := range [][2]string{{"file.txt", "read"}, {"file", "txt.read"}, {"a+b", "c"}, {"a", "+2Bb.c"}, {"x@y", "z"}} {
			p := casbinfile.Escape(tt[0]) + "." + casbinfile.Escape(tt[1])
			q := casbinfile.Escape(uu[0]) + "." + casbinfile.Escape(uu[1])
			if (p == q) != (tt == uu) {
				t.Errorf("%v → %s, %v → %s", tt, p, uu, q)
			}
		}
	}
}
