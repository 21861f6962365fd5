package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/ast"

	"github.com/rolegraph/rbac"
)

// cedar-go is the third peer, written the two ways a Cedar user writes
// RBAC. In both, users and groups are entities whose parents are the roles
// (and groups) they hold, and a role's parents are the roles it contains,
// so Cedar's `in` follows containment to any depth.
//
//   - cedarPolicies, one policy per grant:
//     permit(principal in Role::"group5", action == Action::"read", resource == Resource::"data0");
//     a request names the permission's object as its resource and its last
//     segment as its action, as the Casbin encoding does. cedar-go indexes
//     no policy: every request evaluates every one.
//   - cedarParents, permissions as entity parents: a role's permissions are
//     among its parents too (Permission::"data0.read"), and one policy
//     permit(principal, action, resource) when { principal in resource };
//     answers a request whose resource is the permission.
type cedarEncoding int

const (
	cedarPolicies cedarEncoding = iota
	cedarParents
)

var cedarEncodings = []cedarEncoding{cedarPolicies, cedarParents}

func (enc cedarEncoding) String() string {
	if enc == cedarPolicies {
		return "cedar-policies"
	}
	return "cedar-parents"
}

// errCedarCannotExpress marks the parts of a policy left out of both
// encodings: scopes narrower than global (a grant then depends on the
// record, which a capability request does not describe), ownership,
// workgroups, account types, separation of duty, prerequisites, wildcard
// grants and disabled users. Cedar could write most of them (resource
// entities under workgroups, owners as attributes, active roles in the
// context), but no other peer has those shapes, so they are not built.
var errCedarCannotExpress = errors.New("not in the cedar encodings")

// cedarEngine is one encoding of one policy.
type cedarEngine struct {
	encoding cedarEncoding
	policies *cedar.PolicySet
	entities cedar.EntityMap
}

const (
	cedarUser       = cedar.EntityType("User")
	cedarRole       = cedar.EntityType("Role")
	cedarGroup      = cedar.EntityType("Group")
	cedarPermission = cedar.EntityType("Permission")
	cedarAction     = cedar.EntityType("Action")
	cedarResource   = cedar.EntityType("Resource")
)

// cedarUID copies id, so that what the engine keeps is its own, as it
// would be after loading entities from JSON; the shapes' strings are not
// counted as the engine's memory.
func cedarUID(typ cedar.EntityType, id string) cedar.EntityUID {
	return cedar.NewEntityUID(typ, cedar.String(strings.Clone(id)))
}

// cedarExpressible says which part of p the encodings leave out, if any.
func cedarExpressible(p *rbac.Policy) error {
	cannot := func(what string) error { return fmt.Errorf("%w: %s", errCedarCannotExpress, what) }
	switch {
	case len(p.AccountTypes) > 0:
		return cannot("account types")
	case len(p.Permissions) > 0:
		return cannot("a permission catalogue (prerequisites)")
	case len(p.Workgroups) > 0:
		return cannot("workgroups")
	case len(p.Constraints) > 0:
		return cannot("separation of duty")
	case len(p.OwnershipRules) > 0 || len(p.Ownerships) > 0:
		return cannot("ownership")
	}
	for _, r := range p.Roles {
		if len(r.AccountTypes) > 0 {
			return cannot("role " + string(r.ID) + " is closed to account types")
		}
		for _, g := range r.Grants {
			if g.Scope != rbac.ScopeGlobal {
				return cannot("role " + string(r.ID) + " grants " + g.String())
			}
			if strings.HasSuffix(string(g.Permission), "*") {
				return cannot("role " + string(r.ID) + " grants the wildcard " + string(g.Permission))
			}
		}
	}
	for _, g := range p.Groups {
		if g.AccountType != "" {
			return cannot("group " + string(g.ID) + " has an account type")
		}
	}
	for _, u := range p.Users {
		if u.AccountType != "" || u.Disabled || len(u.Workgroups) > 0 {
			return cannot("user " + string(u.ID) + " has an account type, workgroups or is disabled")
		}
		if len(u.Temporary) > 0 {
			// Expressible with a condition on the request's time, which
			// neither encoding has.
			return cannot("user " + string(u.ID) + " has timed assignments")
		}
	}
	return nil
}

// newCedar encodes p; errCedarCannotExpress says p has parts that the
// encodings leave out.
func newCedar(p *rbac.Policy, enc cedarEncoding) (*cedarEngine, error) {
	if err := cedarExpressible(p); err != nil {
		return nil, err
	}
	c := &cedarEngine{encoding: enc, policies: cedar.NewPolicySet(),
		entities: make(cedar.EntityMap, len(p.Roles)+len(p.Groups)+len(p.Users))}
	add := func(uid cedar.EntityUID, parents []cedar.EntityUID) {
		c.entities[uid] = cedar.Entity{UID: uid, Parents: cedar.NewEntityUIDSet(parents...)}
	}
	var parents []cedar.EntityUID
	for _, r := range p.Roles {
		parents = parents[:0]
		for _, in := range r.Contains {
			parents = append(parents, cedarUID(cedarRole, string(in)))
		}
		role := cedarUID(cedarRole, string(r.ID))
		for i, g := range r.Grants {
			if enc == cedarParents {
				parents = append(parents, cedarUID(cedarPermission, string(g.Permission)))
				continue
			}
			obj, act := splitPerm(string(g.Permission))
			policy := ast.Permit().PrincipalIn(role).ActionEq(cedarUID(cedarAction, act)).ResourceEq(cedarUID(cedarResource, obj))
			c.policies.Add(cedar.PolicyID(fmt.Sprintf("%s#%d", r.ID, i)), cedar.NewPolicyFromAST(policy))
		}
		add(role, parents)
	}
	for _, g := range p.Groups {
		parents = parents[:0]
		for _, r := range g.Roles {
			parents = append(parents, cedarUID(cedarRole, string(r)))
		}
		add(cedarUID(cedarGroup, string(g.ID)), parents)
	}
	for _, u := range p.Users {
		parents = parents[:0]
		for _, r := range u.Roles {
			parents = append(parents, cedarUID(cedarRole, string(r)))
		}
		for _, g := range u.Groups {
			parents = append(parents, cedarUID(cedarGroup, string(g)))
		}
		add(cedarUID(cedarUser, string(u.ID)), parents)
	}
	if enc == cedarParents {
		c.policies.Add("principal-in-resource", cedar.NewPolicyFromAST(ast.Permit().When(ast.Principal().In(ast.Resource()))))
	}
	return c, nil
}

// request asks whether user holds perm, in the encoding's terms.
func (c *cedarEngine) request(user, perm string) cedar.Request {
	if c.encoding == cedarParents {
		return cedar.Request{Principal: cedar.NewEntityUID(cedarUser, cedar.String(user)),
			Action: cedar.NewEntityUID(cedarAction, "check"), Resource: cedar.NewEntityUID(cedarPermission, cedar.String(perm))}
	}
	obj, act := splitPerm(perm)
	return cedar.Request{Principal: cedar.NewEntityUID(cedarUser, cedar.String(user)),
		Action: cedar.NewEntityUID(cedarAction, cedar.String(act)), Resource: cedar.NewEntityUID(cedarResource, cedar.String(obj))}
}

// allowed answers req; an evaluation error is returned beside the
// decision (Cedar skips a policy that fails, so it may still allow).
func (c *cedarEngine) allowed(req cedar.Request) (bool, error) {
	d, diag := cedar.Authorize(c.policies, c.entities, req)
	if len(diag.Errors) > 0 {
		return false, fmt.Errorf("cedar: %v", diag.Errors)
	}
	return d == cedar.Allow, nil
}

// cedarFor builds both encodings of a shape's policy, or none where it
// has parts they leave out (the scoped shape).
func cedarFor(tb testing.TB, p *rbac.Policy) []*cedarEngine {
	tb.Helper()
	var engines []*cedarEngine
	for _, enc := range cedarEncodings {
		c, err := newCedar(p, enc)
		if errors.Is(err, errCedarCannotExpress) {
			return nil
		}
		if err != nil {
			tb.Fatal(err)
		}
		engines = append(engines, c)
	}
	return engines
}

// benchCedar runs one sub-benchmark per encoding, answer checked as for
// the other peers.
func benchCedar(b *testing.B, e *engines, q request) {
	for _, c := range e.cedar {
		req := c.request(q.user, q.perm)
		b.Run(c.encoding.String(), func(b *testing.B) {
			got, err := c.allowed(req)
			b.ReportAllocs()
			for b.Loop() {
				cedar.Authorize(c.policies, c.entities, req)
			}
			reportAnswer(b, c.encoding.String(), got, err, q.want)
		})
	}
}

func mustCedar(tb testing.TB, p *rbac.Policy, enc cedarEncoding) *cedarEngine {
	tb.Helper()
	c, err := newCedar(p, enc)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestCedarAgrees checks that both cedar encodings answer as rolegraph
// does on every shape the benchmarks give them: for a sample of users
// (fixed seed), the permissions their direct roles grant, a few others
// and one nobody holds, and an unknown user. The sample must hold
// allowed and denied answers both, or it proves little.
func TestCedarAgrees(t *testing.T) {
	tests := []struct {
		name  string
		shape func() *shape
	}{
		{"small", func() *shape { return rbacShape(100, 1000) }},
		{"small, every user also in one of 10 groups", smallGroupsShape},
		{"medium", func() *shape { return rbacShape(1000, 10000) }},
		{"large", func() *shape { return rbacShape(10000, 100000) }},
		{"chain of 20", func() *shape { return chainShape(20) }},
		{"chain of 1000", func() *shape { return chainShape(1000) }},
		{"diamond of 20 layers", func() *shape { return diamondShape(20, 2) }},
		{"diamond of 40 layers", func() *shape { return diamondShape(40, 2) }},
		{"tree of 10,000", func() *shape { return treeShape(10000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.shape()
			p := s.policy() // once: on the large shape it is most of the test's time
			a, err := rbac.New(context.Background(), newStoreFromPolicy(t, p), rbac.WithoutFollow())
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			snap := a.Snapshot()
			engines := cedarFor(t, p)
			if len(engines) != len(cedarEncodings) {
				t.Fatalf("%d cedar encodings built, want %d", len(engines), len(cedarEncodings))
			}
			var allowed, denied int
			for _, q := range sampleRequests(p, 12, 2) {
				want := snap.Check(rbac.Request{User: rbac.UserID(q.user), Permission: rbac.Permission(q.perm)}).Allowed
				if want {
					allowed++
				} else {
					denied++
				}
				for _, c := range engines {
					got, err := c.allowed(c.request(q.user, q.perm))
					if err != nil || got != want {
						t.Errorf("%s: %s %s: got %v (error %v), rolegraph %v", c.encoding, q.user, q.perm, got, err, want)
					}
				}
			}
			if allowed == 0 || denied == 0 {
				t.Fatalf("the sample has %d allowed and %d denied requests; it needs both", allowed, denied)
			}
		})
	}
}

// smallGroupsShape is the small shape with groups g0..g9, group g holding
// role group(10g) (data g); user i is in group i%10.
func smallGroupsShape() *shape {
	s := rbacShape(100, 1000)
	s.extra = func(p *rbac.Policy) {
		for g := range 10 {
			p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", g)), Name: fmt.Sprintf("Group %d", g),
				Roles: []rbac.RoleID{rbac.RoleID(fmt.Sprintf("group%d", g*10))}})
		}
		for i := range p.Users {
			var n int
			fmt.Sscanf(string(p.Users[i].ID), "user%d", &n)
			p.Users[i].Groups = []rbac.GroupID{rbac.GroupID(fmt.Sprintf("g%d", n%10))}
		}
	}
	return s
}

// sampleRequests picks up to users users of p (a seed fixed by p's size)
// and asks, for each, every permission its direct roles and its groups'
// roles grant, perms others drawn from every granted permission, and one
// nobody holds; and the same of an unknown user. Contained roles are left
// to the random draws: which permissions they reach is what is being
// compared, and the caller's reference answers.
func sampleRequests(p *rbac.Policy, users, perms int) []request {
	grants := map[rbac.RoleID][]rbac.Grant{}
	var granted []string
	for _, r := range p.Roles {
		grants[r.ID] = r.Grants
		for _, g := range r.Grants {
			granted = append(granted, string(g.Permission))
		}
	}
	slices.Sort(granted)
	granted = slices.Compact(granted)
	groupRoles := map[rbac.GroupID][]rbac.RoleID{}
	for _, g := range p.Groups {
		groupRoles[g.ID] = g.Roles
	}
	sample := slices.Clone(p.Users)
	rng := rand.New(rand.NewPCG(uint64(len(p.Roles)), uint64(len(p.Users))))
	if len(sample) > users {
		rng.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
		sample = sample[:users]
	}
	var qs []request
	for _, u := range append(sample, rbac.User{ID: "nobody"}) {
		roles := slices.Clone(u.Roles)
		for _, g := range u.Groups {
			roles = append(roles, groupRoles[g]...)
		}
		for _, r := range roles {
			for _, g := range grants[r] {
				qs = append(qs, request{user: string(u.ID), perm: string(g.Permission)})
			}
		}
		for range perms {
			qs = append(qs, request{user: string(u.ID), perm: granted[rng.IntN(len(granted))]})
		}
		qs = append(qs, request{user: string(u.ID), perm: "nothing.granted"})
	}
	return qs
}

// TestCedarCannotExpress: what the encodings leave out is refused by
// name, not encoded wrongly.
func TestCedarCannotExpress(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *rbac.Policy)
		reason string
	}{
		{"workgroup grant", func(p *rbac.Policy) {
			p.Roles[0].Grants[0].Scope = rbac.ScopeWorkgroup
		}, "a grant's answer depends on the record, which a capability request does not describe"},
		{"wildcard grant", func(p *rbac.Policy) {
			p.Roles[0].Grants[0].Permission = "data0.*"
		}, "encoded as a literal it would match nothing"},
		{"ownership", func(p *rbac.Policy) {
			p.OwnershipRules = []rbac.OwnershipRule{{Kind: "service", Bypass: "data0.read"}}
		}, "owners are per record"},
		{"disabled user", func(p *rbac.Policy) {
			p.Users[0].Disabled = true
		}, "a disabled user is denied everything; the encodings would keep its roles"},
		{"separation of duty", func(p *rbac.Policy) {
			p.Constraints = []rbac.Constraint{{Name: "c", Roles: []rbac.RoleID{"group0", "group1"}, Max: 1, Dynamic: true}}
		}, "active roles are not in the request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := rbacShape(10, 10).policy()
			if _, err := newCedar(p, cedarParents); err != nil {
				t.Fatalf("the unchanged shape: %v", err)
			}
			tt.change(p)
			for _, enc := range cedarEncodings {
				if _, err := newCedar(p, enc); !errors.Is(err, errCedarCannotExpress) {
					t.Errorf("%s: error %v, want errCedarCannotExpress (%s)", enc, err, tt.reason)
				}
			}
		})
	}
}
