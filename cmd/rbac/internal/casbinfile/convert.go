package casbinfile

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

// Convert reads a model and a policy and converts them. The result is a
// valid rolegraph policy whose tests hold.
func Convert(model io.Reader, modelName string, policy io.Reader, policyName string) (*Conversion, error) {
	m, err := ReadModel(model, modelName)
	if err != nil {
		return nil, err
	}
	rules, err := ReadPolicy(policy, policyName, m)
	if err != nil {
		return nil, err
	}
	return build(m, rules, policyName)
}

// casbin is the policy's facts, indexed, for Enforce's semantics.
type casbin struct {
	m        Model
	subjects []string                       // every subject name, sorted
	domains  []string                       // sorted; [""] without domains
	parents  map[string]map[string][]string // domain → subject → direct g parents
	objects  map[string][]string            // g2: object → direct object groups
	grants   map[string]map[string][][2]string
	// grants: domain → subject → (object, action) of p lines
}

func build(m Model, rules []Rule, policyName string) (*Conversion, error) {
	c := &casbin{m: m, parents: map[string]map[string][]string{}, objects: map[string][]string{}, grants: map[string]map[string][][2]string{}}
	subjects := map[string]bool{}
	domains := map[string]bool{}
	if !m.Domains {
		domains[""] = true
	}
	for _, r := range rules {
		f := r.Fields
		switch r.Type {
		case "p":
			dom, obj, act := "", f[1], f[2]
			if m.Domains {
				dom, obj, act = f[1], f[2], f[3]
			}
			subjects[f[0]] = true
			domains[dom] = true
			if c.grants[dom] == nil {
				c.grants[dom] = map[string][][2]string{}
			}
			c.grants[dom][f[0]] = append(c.grants[dom][f[0]], [2]string{obj, act})
		case "g":
			if m.SubjectEq {
				return nil, fmt.Errorf("%s:%d: %w: a g line, but the matcher compares subjects with == (the line would have no effect)", policyName, r.Line, ErrUnsupported)
			}
			dom := ""
			if m.Domains {
				dom = f[2]
			}
			subjects[f[0]], subjects[f[1]], domains[dom] = true, true, true
			if c.parents[dom] == nil {
				c.parents[dom] = map[string][]string{}
			}
			if !slices.Contains(c.parents[dom][f[0]], f[1]) {
				c.parents[dom][f[0]] = append(c.parents[dom][f[0]], f[1])
			}
		case "g2":
			if !slices.Contains(c.objects[f[0]], f[1]) {
				c.objects[f[0]] = append(c.objects[f[0]], f[1])
			}
		}
	}
	c.subjects = sorted(subjects)
	c.domains = sorted(domains)
	if err := c.checkHierarchy(policyName); err != nil {
		return nil, err
	}
	p := c.policy()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("the converted policy is not valid: %w", err)
	}
	return &Conversion{Policy: p, Model: m, Rules: rules}, nil
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// distances returns the g-step distance from sub to every subject it
// reaches in dom (breadth first, so the shortest, as Casbin's role manager
// walks), sub itself at 0.
func (c *casbin) distances(dom, sub string) map[string]int {
	dist := map[string]int{sub: 0}
	queue := []string{sub}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, up := range c.parents[dom][at] {
			if _, seen := dist[up]; !seen {
				dist[up] = dist[at] + 1
				queue = append(queue, up)
			}
		}
	}
	return dist
}

// checkHierarchy refuses cycles and links farther than Casbin's limit.
func (c *casbin) checkHierarchy(policyName string) error {
	for _, dom := range c.domains {
		in := ""
		if dom != "" {
			in = " in domain " + dom
		}
		for _, s := range c.subjects {
			// A cycle: some parent of a reached subject reaches back to s.
			for r, d := range c.distances(dom, s) {
				if d > MaxHierarchy {
					return fmt.Errorf("%s: %w: %s reaches role %s%s through %d g steps; Casbin stops at %d and silently denies, rolegraph would allow", policyName, ErrUnsupported, s, r, in, d, MaxHierarchy)
				}
				if slices.Contains(c.parents[dom][r], s) {
					return fmt.Errorf("%s: %w: role cycle%s: %s reaches %s, which inherits %s; rolegraph refuses cycles", policyName, ErrUnsupported, in, s, r, s)
				}
			}
		}
	}
	return nil
}

// objectsUnder lists the objects whose g2 groups reach group (itself included).
func (c *casbin) objectsUnder(group string) []string {
	out := []string{group}
	for obj := range c.objects {
		if obj == group {
			continue
		}
		seen := map[string]bool{obj: true}
		stack := []string{obj}
		for len(stack) > 0 {
			at := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, up := range c.objects[at] {
				if up == group {
					out = append(out, obj)
					stack = nil
					break
				}
				if !seen[up] {
					seen[up] = true
					stack = append(stack, up)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// permission names (dom, obj, act).
func (c *casbin) permission(dom, obj, act string) rbac.Permission {
	if c.m.Domains {
		return rbac.Permission(Escape(dom) + "." + Escape(obj) + "." + Escape(act))
	}
	return rbac.Permission(Escape(obj) + "." + Escape(act))
}

func (c *casbin) role(dom, sub string) rbac.RoleID {
	if c.m.Domains {
		return rbac.RoleID(Escape(sub) + "@" + Escape(dom))
	}
	return rbac.RoleID(Escape(sub))
}

// granted lists the permissions a p line of (dom, obj, act) allows: with
// g2, every object in the group obj.
func (c *casbin) granted(dom, obj, act string) []objectGrant {
	objs := []string{obj}
	if c.m.HasG2 && !c.m.ObjectEq {
		objs = c.objectsUnder(obj)
	}
	var out []objectGrant
	for _, o := range objs {
		out = append(out, objectGrant{c.permission(dom, o, act), o})
	}
	return out
}

type objectGrant struct {
	perm rbac.Permission
	obj  string
}

// policy writes the rolegraph policy with its catalogue and tests.
//
// A subject gets a role of its own name only when one is needed: when p
// lines grant it something, or when another subject inherits it through g
// (it is a Casbin role). A subject that only inherits (a plain user) holds
// its parents' roles directly. Parents that grant nothing, directly or
// through their own parents, are left out: they change no answer.
func (c *casbin) policy() *rbac.Policy {
	p := &rbac.Policy{}
	catalogue := map[rbac.Permission]rbac.PermissionDef{}
	isParent := map[string]map[string]bool{} // domain → subjects some subject inherits
	for dom, bySub := range c.parents {
		isParent[dom] = map[string]bool{}
		for _, ups := range bySub {
			for _, up := range ups {
				isParent[dom][up] = true
			}
		}
	}
	useful := map[[2]string]bool{} // (domain, subject) whose g closure grants something
	var isUseful func(dom, sub string, seen map[string]bool) bool
	isUseful = func(dom, sub string, seen map[string]bool) bool {
		if len(c.grants[dom][sub]) > 0 {
			return true
		}
		seen[sub] = true // checkHierarchy refused cycles; this only bounds the walk
		for _, up := range c.parents[dom][sub] {
			if !seen[up] && isUseful(dom, up, seen) {
				return true
			}
		}
		return false
	}
	for _, dom := range c.domains {
		for _, sub := range c.subjects {
			if isUseful(dom, sub, map[string]bool{}) {
				useful[[2]string{dom, sub}] = true
			}
		}
	}
	// inherited lists the roles of sub's parents that grant something.
	inherited := func(dom, sub string) []rbac.RoleID {
		var out []rbac.RoleID
		for _, up := range c.parents[dom][sub] {
			if useful[[2]string{dom, up}] {
				out = append(out, c.role(dom, up))
			}
		}
		return out
	}
	hasRole := func(dom, sub string) bool {
		return useful[[2]string{dom, sub}] && (len(c.grants[dom][sub]) > 0 || isParent[dom][sub])
	}
	for _, dom := range c.domains {
		for _, sub := range c.subjects {
			if !hasRole(dom, sub) {
				continue
			}
			var grants []rbac.Grant
			for _, oa := range c.grants[dom][sub] {
				for _, og := range c.granted(dom, oa[0], oa[1]) {
					perm := og.perm
					if !slices.ContainsFunc(grants, func(g rbac.Grant) bool { return g.Permission == perm }) {
						grants = append(grants, rbac.Grant{Permission: perm, Scope: rbac.ScopeGlobal})
					}
					if _, ok := catalogue[perm]; !ok {
						title := oa[1] + " " + og.obj
						if dom != "" {
							title += " in " + dom
						}
						catalogue[perm] = rbac.PermissionDef{Name: perm, Title: title}
					}
				}
			}
			p.Roles = append(p.Roles, rbac.Role{ID: c.role(dom, sub), Title: sub, Contains: inherited(dom, sub), Grants: grants})
		}
	}
	for _, sub := range c.subjects {
		u := rbac.User{ID: rbac.UserID(Escape(sub))}
		for _, dom := range c.domains {
			if hasRole(dom, sub) {
				u.Roles = append(u.Roles, c.role(dom, sub))
				continue
			}
			for _, r := range inherited(dom, sub) {
				if !slices.Contains(u.Roles, r) {
					u.Roles = append(u.Roles, r)
				}
			}
		}
		p.Users = append(p.Users, u)
	}
	names := make([]rbac.Permission, 0, len(catalogue))
	for n := range catalogue {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p.Permissions = append(p.Permissions, catalogue[n])
	}
	p.Tests = c.tests(names)
	return p
}

// tests asks, for every subject and every permission of the catalogue,
// what Casbin's Enforce answers.
func (c *casbin) tests(perms []rbac.Permission) []rbac.PolicyTest {
	type req struct{ dom, obj, act string }
	reqs := map[rbac.Permission]req{}
	for _, dom := range c.domains {
		for _, byObj := range c.grants[dom] {
			for _, oa := range byObj {
				objs := []string{oa[0]}
				if c.m.HasG2 && !c.m.ObjectEq {
					objs = c.objectsUnder(oa[0])
				}
				for _, o := range objs {
					reqs[c.permission(dom, o, oa[1])] = req{dom, o, oa[1]}
				}
			}
		}
	}
	var out []rbac.PolicyTest
	for _, sub := range c.subjects {
		for _, perm := range perms {
			if len(out) >= MaxTests {
				return out
			}
			q := reqs[perm]
			allowed := c.Enforce(sub, q.dom, q.obj, q.act)
			t := rbac.PolicyTest{Request: rbac.Request{User: rbac.UserID(Escape(sub)), Permission: perm}}
			args := strings.Join(slices.DeleteFunc([]string{sub, q.dom, q.obj, q.act}, func(s string) bool { return s == "" && !c.m.Domains }), ", ")
			if allowed {
				t.Name = fmt.Sprintf("Enforce(%s) is true", args)
				t.Expect = rbac.Expectation{Allowed: true, Scope: rbac.ScopeGlobal}
			} else {
				t.Name = fmt.Sprintf("Enforce(%s) is false", args)
				t.Expect = rbac.Expectation{Allowed: false, Reason: rbac.ReasonNoGrant}
			}
			out = append(out, t)
		}
	}
	return out
}

// Enforce answers a request as Casbin's Enforce does for the supported
// models: some p line (sub', dom, obj', act) with g(sub, sub', dom) within
// MaxHierarchy steps, obj' = obj or g2(obj, obj'), act equal.
func (c *casbin) Enforce(sub, dom, obj, act string) bool {
	reach := map[string]int{sub: 0}
	if !c.m.SubjectEq {
		reach = c.distances(dom, sub)
	}
	for s, d := range reach {
		if d > MaxHierarchy {
			continue
		}
		for _, oa := range c.grants[dom][s] {
			if oa[1] != act {
				continue
			}
			if oa[0] == obj || c.m.HasG2 && !c.m.ObjectEq && slices.Contains(c.objectsUnder(oa[0]), obj) {
				return true
			}
		}
	}
	return false
}
