package rbac_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
)

// The properties below compare Reach and DiffPolicies' conferrers with a
// deliberately naive model: walk containment by hand, match every grant
// against every name, and collect sets.

var (
	naiveNames     = []rbac.Permission{"a.x", "a.y", "b.x", "b.z", "c"}
	naiveGrantable = []rbac.Permission{"a.x", "a.y", "b.x", "b.z", "c", "a.*", "b.*", "*"}
	naiveScopes    = []rbac.Scope{rbac.ScopeMine, rbac.ScopeWorkgroup, rbac.ScopeGlobal, rbac.ScopeAll}
)

// drawNaivePolicy draws a valid policy without users: five roles that may
// contain later ones (so no cycle), groups and account types bundling them,
// and a catalogue that may hold a.w (reached only through wildcards) and
// marks some names sensitive.
func drawNaivePolicy(t *rapid.T, label string) *rbac.Policy {
	p := &rbac.Policy{}
	for _, n := range naiveNames {
		d := rbac.PermissionDef{Name: n}
		if rapid.Bool().Draw(t, label+" sensitive "+string(n)) {
			d.Sensitive = "careful"
		}
		p.Permissions = append(p.Permissions, d)
	}
	if rapid.Bool().Draw(t, label+" a.w") {
		p.Permissions = append(p.Permissions, rbac.PermissionDef{Name: "a.w", Sensitive: "careful"})
	}
	const roles = 5
	for i := range roles {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprint("r", i))}
		for range rapid.IntRange(0, 3).Draw(t, label+" grants") {
			g := rbac.Grant{Permission: rapid.SampledFrom(naiveGrantable).Draw(t, "permission"), Scope: rapid.SampledFrom(naiveScopes).Draw(t, "scope")}
			if !slices.Contains(r.Grants, g) {
				r.Grants = append(r.Grants, g)
			}
		}
		for j := i + 1; j < roles; j++ {
			if rapid.IntRange(0, 3).Draw(t, label+" contains") == 0 {
				r.Contains = append(r.Contains, rbac.RoleID(fmt.Sprint("r", j)))
			}
		}
		p.Roles = append(p.Roles, r)
	}
	someRoles := func(what string) []rbac.RoleID {
		var out []rbac.RoleID
		for i := range roles {
			if rapid.IntRange(0, 2).Draw(t, what) == 0 {
				out = append(out, rbac.RoleID(fmt.Sprint("r", i)))
			}
		}
		return out
	}
	for i := range 2 {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprint("g", i)), Name: fmt.Sprint("G", i), Roles: someRoles(label + " group roles")})
		p.AccountTypes = append(p.AccountTypes, rbac.AccountTypeDef{ID: rbac.AccountType(fmt.Sprint("t", i)), DefaultRoles: someRoles(label + " default roles")})
	}
	return p
}

// naiveModel answers by walking the policy's lists.
type naiveModel struct{ p *rbac.Policy }

func (m naiveModel) role(id rbac.RoleID) rbac.Role {
	for _, r := range m.p.Roles {
		if r.ID == id {
			return r
		}
	}
	panic("no role " + id)
}

// closure is the roles holding id holds, id included.
func (m naiveModel) closure(id rbac.RoleID) []rbac.RoleID {
	out := []rbac.RoleID{id}
	for i := 0; i < len(out); i++ {
		for _, c := range m.role(out[i]).Contains {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// heldScopes is the scopes at which holding roles grants the exact name p.
func (m naiveModel) heldScopes(roles []rbac.RoleID, p rbac.Permission) []rbac.Scope {
	var out []rbac.Scope
	for _, r := range roles {
		for _, c := range m.closure(r) {
			for _, g := range m.role(c).Grants {
				if g.Permission.Matches(p) && !slices.Contains(out, g.Scope) {
					out = append(out, g.Scope)
				}
			}
		}
	}
	return out
}

// conferred is the (permission or pattern, scope) pairs holding roles
// grants: each grant as written, and each catalogued name a wildcard
// matches.
func (m naiveModel) conferred(roles []rbac.RoleID) map[rbac.ScopedPermission]bool {
	out := map[rbac.ScopedPermission]bool{}
	for _, r := range roles {
		for _, c := range m.closure(r) {
			for _, g := range m.role(c).Grants {
				out[rbac.ScopedPermission(g)] = true
				if g.Permission.IsWildcard() {
					for _, d := range m.p.Permissions {
						if g.Permission.Matches(d.Name) {
							out[rbac.ScopedPermission{Permission: d.Name, Scope: g.Scope}] = true
						}
					}
				}
			}
		}
	}
	return out
}

// conferrers lists every conferrer of the policy with the roles it
// bundles.
func (m naiveModel) conferrers() map[rbac.Conferrer][]rbac.RoleID {
	out := map[rbac.Conferrer][]rbac.RoleID{}
	for _, r := range m.p.Roles {
		out[rbac.Conferrer{Role: r.ID}] = []rbac.RoleID{r.ID}
	}
	for _, g := range m.p.Groups {
		out[rbac.Conferrer{Group: g.ID}] = g.Roles
	}
	for _, at := range m.p.AccountTypes {
		out[rbac.Conferrer{AccountType: at.ID}] = at.DefaultRoles
	}
	return out
}

func naiveWidest(scopes []rbac.Scope) rbac.Scope {
	for _, s := range []rbac.Scope{rbac.ScopeAll, rbac.ScopeGlobal, rbac.ScopeWorkgroup, rbac.ScopeMine} {
		if slices.Contains(scopes, s) {
			return s
		}
	}
	return rbac.ScopeNone
}

func TestReachMatchesNaiveModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawNaivePolicy(t, "policy")
		snap, err := snapshotOf(p)
		if err != nil {
			t.Fatal(err)
		}
		m := naiveModel{p}
		for _, d := range p.Permissions {
			var want []rbac.Reach
			for _, r := range p.Roles {
				c := rbac.Conferrer{Role: r.ID}
				for _, g := range r.Grants {
					if g.Permission.Matches(d.Name) {
						want = append(want, rbac.Reach{Conferrer: c, Grant: g, Scope: g.Scope})
					}
				}
				for _, in := range r.Contains {
					if s := naiveWidest(m.heldScopes([]rbac.RoleID{in}, d.Name)); s != rbac.ScopeNone {
						want = append(want, rbac.Reach{Conferrer: c, Via: in, Scope: s})
					}
				}
			}
			for _, g := range p.Groups {
				for _, r := range g.Roles {
					if s := naiveWidest(m.heldScopes([]rbac.RoleID{r}, d.Name)); s != rbac.ScopeNone {
						want = append(want, rbac.Reach{Conferrer: rbac.Conferrer{Group: g.ID}, Via: r, Scope: s})
					}
				}
			}
			for _, at := range p.AccountTypes {
				for _, r := range at.DefaultRoles {
					if s := naiveWidest(m.heldScopes([]rbac.RoleID{r}, d.Name)); s != rbac.ScopeNone {
						want = append(want, rbac.Reach{Conferrer: rbac.Conferrer{AccountType: at.ID}, Via: r, Scope: s})
					}
				}
			}
			if diff := cmp.Diff(want, snap.Reach(d.Name)); diff != "" {
				t.Fatalf("Reach(%s) (-naive +got):\n%s", d.Name, diff)
			}
		}
	})
}

func TestDiffPoliciesConferrersMatchNaiveModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		before, after := drawNaivePolicy(t, "before"), drawNaivePolicy(t, "after")
		// Keep some of before in after, so that unchanged roles, groups
		// and catalogues are compared too.
		if rapid.Bool().Draw(t, "same catalogue") {
			after.Permissions = slices.Clone(before.Permissions)
		}
		for i := range after.Roles {
			if rapid.Bool().Draw(t, "same role") {
				after.Roles[i] = before.Roles[i].Clone()
			}
		}
		for i := range after.Groups {
			if rapid.Bool().Draw(t, "same group") {
				after.Groups[i] = before.Groups[i].Clone()
			}
			if rapid.Bool().Draw(t, "same account type") {
				after.AccountTypes[i] = before.AccountTypes[i].Clone()
			}
		}
		d, err := rbac.DiffPolicies(before, after)
		if err != nil {
			t.Fatal(err)
		}
		was, now := naiveModel{before}, naiveModel{after}
		type gain struct {
			c  rbac.Conferrer
			sp rbac.ScopedPermission
		}
		wantGains, wantLosses, wantSensitive := map[gain]bool{}, map[gain]bool{}, map[gain]bool{}
		sensitive := func(sp rbac.ScopedPermission) bool {
			for _, p := range []*rbac.Policy{before, after} {
				for _, def := range p.Permissions {
					if def.Sensitive != "" && sp.Permission.Matches(def.Name) {
						return true
					}
				}
			}
			return false
		}
		keys := was.conferrers()
		for c, roles := range now.conferrers() {
			keys[c] = append(keys[c], roles...)
		}
		for c := range keys {
			b, a := was.conferred(was.conferrers()[c]), now.conferred(now.conferrers()[c])
			for sp := range a {
				if !b[sp] {
					wantGains[gain{c, sp}] = true
					if sensitive(sp) {
						wantSensitive[gain{c, sp}] = true
					}
				}
			}
			for sp := range b {
				if !a[sp] {
					wantLosses[gain{c, sp}] = true
				}
			}
		}
		gotGains, gotLosses, gotSensitive := map[gain]bool{}, map[gain]bool{}, map[gain]bool{}
		for _, ci := range d.Conferrers {
			for _, sp := range ci.Gained {
				gotGains[gain{ci.Conferrer, sp}] = true
			}
			for _, sp := range ci.Lost {
				gotLosses[gain{ci.Conferrer, sp}] = true
			}
		}
		for _, s := range d.Sensitive {
			gotSensitive[gain{s.Conferrer, s.Gained}] = true
		}
		for _, c := range []struct {
			what      string
			want, got map[gain]bool
		}{{"gains", wantGains, gotGains}, {"losses", wantLosses, gotLosses}, {"sensitive gains", wantSensitive, gotSensitive}} {
			if diff := cmp.Diff(c.want, c.got, cmp.Comparer(func(x, y rbac.Conferrer) bool { return x == y })); diff != "" {
				t.Fatalf("%s (-naive +got):\n%s", c.what, diff)
			}
		}
	})
}
