package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/mikespook/gorbac/v2"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A shape is one authorization problem expressed for every library that
// can express it. Edges are (holder, inherited): the holder of the first
// role holds the second, in Casbin's g(child, parent) sense.
type shape struct {
	roles  []string
	edges  [][2]string          // role holds role
	grants map[string][]string  // role → "obj.act" permissions
	users  map[string][]string  // user → roles
	extra  func(p *rbac.Policy) // rolegraph-only additions (scopes, ownership)
}

// rbacShape builds Casbin's BenchmarkRBACModel{Small,Medium,Large}:
// groups group%d each read data%d (i/10), users user%d in group%d (i/10).
func rbacShape(roles, users int) *shape {
	s := &shape{grants: map[string][]string{}, users: map[string][]string{}}
	for i := 0; i < roles; i++ {
		g := fmt.Sprintf("group%d", i)
		s.roles = append(s.roles, g)
		s.grants[g] = []string{fmt.Sprintf("data%d.read", i/10)}
	}
	for i := 0; i < users; i++ {
		s.users[fmt.Sprintf("user%d", i)] = []string{fmt.Sprintf("group%d", i/10)}
	}
	return s
}

// chainShape: the user holds c0, c0 holds c1, ... and c(n-1) grants the
// permission.
func chainShape(n int) *shape {
	s := &shape{grants: map[string][]string{}, users: map[string][]string{"user": {"c0"}}}
	for i := 0; i < n; i++ {
		s.roles = append(s.roles, fmt.Sprintf("c%d", i))
		if i > 0 {
			s.edges = append(s.edges, [2]string{fmt.Sprintf("c%d", i-1), fmt.Sprintf("c%d", i)})
		}
	}
	s.grants[fmt.Sprintf("c%d", n-1)] = []string{"data.read"}
	return s
}

// diamondShape: layers of width roles, each holding every role of the
// next layer; the user holds the first layer, the last layer's first role
// grants the permission. The number of paths is width^layers.
func diamondShape(layers, width int) *shape {
	s := &shape{grants: map[string][]string{}, users: map[string][]string{}}
	name := func(l, k int) string { return fmt.Sprintf("d%d_%d", l, k) }
	for l := 0; l < layers; l++ {
		for k := 0; k < width; k++ {
			s.roles = append(s.roles, name(l, k))
			if l+1 < layers {
				for j := 0; j < width; j++ {
					s.edges = append(s.edges, [2]string{name(l, k), name(l+1, j)})
				}
			}
		}
	}
	for k := 0; k < width; k++ {
		s.users["user"] = append(s.users["user"], name(0, k))
	}
	s.grants[name(layers-1, 0)] = []string{"data.read"}
	return s
}

// treeShape: a 10-ary tree of n roles; role i holds its children
// 10i+1..10i+10; the user holds the root; leaf n-1 grants the permission.
func treeShape(n int) *shape {
	s := &shape{grants: map[string][]string{}, users: map[string][]string{"user": {"t0"}}}
	for i := 0; i < n; i++ {
		s.roles = append(s.roles, fmt.Sprintf("t%d", i))
		if i > 0 {
			s.edges = append(s.edges, [2]string{fmt.Sprintf("t%d", (i-1)/10), fmt.Sprintf("t%d", i)})
		}
	}
	s.grants[fmt.Sprintf("t%d", n-1)] = []string{"data.read"}
	return s
}

// policy expresses the shape for rolegraph.
func (s *shape) policy() *rbac.Policy {
	p := &rbac.Policy{}
	contains := map[string][]rbac.RoleID{}
	for _, e := range s.edges {
		contains[e[0]] = append(contains[e[0]], rbac.RoleID(e[1]))
	}
	for _, r := range s.roles {
		role := rbac.Role{ID: rbac.RoleID(r), Contains: contains[r]}
		for _, g := range s.grants[r] {
			role.Grants = append(role.Grants, rbac.Grant{Permission: rbac.Permission(g), Scope: rbac.ScopeGlobal})
		}
		p.Roles = append(p.Roles, role)
	}
	for u, roles := range s.users {
		user := rbac.User{ID: rbac.UserID(u)}
		for _, r := range roles {
			user.Roles = append(user.Roles, rbac.RoleID(r))
		}
		p.Users = append(p.Users, user)
	}
	if s.extra != nil {
		s.extra(p)
	}
	return p
}

func (s *shape) authorizer(tb testing.TB) *rbac.Authorizer {
	tb.Helper()
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, s.policy()); err != nil {
		tb.Fatal(err)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

const casbinModel = `
[request_definition]
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

// casbinRules returns the shape as Casbin policies: p(role, obj, act) and
// g(holder, inherited), users included.
func (s *shape) casbinRules() (ps, gs [][]string) {
	for _, r := range s.roles {
		for _, perm := range s.grants[r] {
			obj, act := splitPerm(perm)
			ps = append(ps, []string{r, obj, act})
		}
	}
	for _, e := range s.edges {
		gs = append(gs, []string{e[0], e[1]})
	}
	for u, roles := range s.users {
		for _, r := range roles {
			gs = append(gs, []string{u, r})
		}
	}
	return ps, gs
}

func splitPerm(p string) (obj, act string) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' {
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}

func (s *shape) casbin(tb testing.TB) *casbin.Enforcer {
	tb.Helper()
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		tb.Fatal(err)
	}
	s.loadCasbin(tb, e)
	return e
}

func (s *shape) casbinCached(tb testing.TB) *casbin.CachedEnforcer {
	tb.Helper()
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := casbin.NewCachedEnforcer(m)
	if err != nil {
		tb.Fatal(err)
	}
	s.loadCasbin(tb, e.Enforcer)
	return e
}

func (s *shape) loadCasbin(tb testing.TB, e *casbin.Enforcer) {
	ps, gs := s.casbinRules()
	if len(ps) > 0 {
		if _, err := e.AddPolicies(ps); err != nil {
			tb.Fatal(err)
		}
	}
	if len(gs) > 0 {
		if _, err := e.AddGroupingPolicies(gs); err != nil {
			tb.Fatal(err)
		}
	}
}

// gorbac has no users: a user is a role whose parents are its roles, and
// a role's parents are the roles it holds.
func (s *shape) gorbac(tb testing.TB) *gorbac.RBAC {
	tb.Helper()
	g := gorbac.New()
	add := func(id string) {
		r := gorbac.NewStdRole(id)
		for _, p := range s.grants[id] {
			r.Assign(gorbac.NewStdPermission(p))
		}
		g.Add(r)
	}
	for _, r := range s.roles {
		add(r)
	}
	for u := range s.users {
		add(u)
	}
	for _, e := range s.edges {
		if err := g.SetParent(e[0], e[1]); err != nil {
			tb.Fatal(err)
		}
	}
	for u, roles := range s.users {
		for _, r := range roles {
			if err := g.SetParent(u, r); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return g
}
