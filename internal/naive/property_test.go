package naive_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/internal/naive"
	"github.com/rolegraph/rbac/memstore"
)

var permPool = []rbac.Permission{"a.read", "a.write", "a.x.y", "b.read", "b.write", "c.read"}

// genPolicy draws a random valid policy: containment DAGs (edges only to
// later roles), account types with default roles, roles closed to types,
// groups per type, a workgroup forest, scopes and wildcards, a catalogue
// with prerequisites, ownership, and constraints.
func genPolicy(t *rapid.T) *rbac.Policy {
	p := &rbac.Policy{}
	nTypes := rapid.IntRange(0, 3).Draw(t, "types")
	types := make([]rbac.AccountType, nTypes)
	for i := range types {
		types[i] = rbac.AccountType(fmt.Sprintf("t%d", i))
	}
	catalogue := rapid.Bool().Draw(t, "catalogue")
	if catalogue {
		for i, name := range permPool {
			d := rbac.PermissionDef{Name: name, Section: "s"}
			if name == "b.write" {
				d.Requires = []rbac.Permission{"c.read"} // always one prerequisite to miss
			} else if i > 0 && rapid.IntRange(0, 4).Draw(t, "requires?") == 0 {
				d.Requires = []rbac.Permission{permPool[rapid.IntRange(0, i-1).Draw(t, "requires")]}
			}
			p.Permissions = append(p.Permissions, d)
		}
	}
	// b.write first: rapid favours early elements, and b.write has a
	// prerequisite to miss.
	grantPool := []rbac.Permission{"b.write", "a.read", "a.*", "c.read", "a.write", "a.x.y", "*", "b.read", "a.x.*"}
	if !catalogue {
		grantPool = append(grantPool, "z.free", "z.*")
	}

	nRoles := rapid.IntRange(1, 12).Draw(t, "roles")
	roles := make([]rbac.Role, nRoles)
	for i := range roles {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprintf("r%d", i))}
		if nTypes > 0 && rapid.IntRange(0, 4).Draw(t, "restricted?") == 0 {
			r.AccountTypes = []rbac.AccountType{types[rapid.IntRange(0, nTypes-1).Draw(t, "roleType")]}
		}
		for g := rapid.IntRange(0, 3).Draw(t, "grants"); g > 0; g-- {
			r.Grants = append(r.Grants, rbac.Grant{
				Permission: rapid.SampledFrom(grantPool).Draw(t, "grant"),
				Scope:      rbac.Scope(rapid.IntRange(1, 4).Draw(t, "scope")),
			})
		}
		roles[i] = r
	}
	// Containment: i contains j > i when j is open to every type i allows.
	for i := range roles {
		for j := i + 1; j < nRoles; j++ {
			if rapid.IntRange(0, 3).Draw(t, "edge") != 0 {
				continue
			}
			inner := roles[j]
			if len(inner.AccountTypes) == 0 || (len(roles[i].AccountTypes) == 1 && inner.AccountTypes[0] == roles[i].AccountTypes[0]) {
				roles[i].Contains = append(roles[i].Contains, inner.ID)
			}
		}
	}
	p.Roles = roles
	openTo := func(r rbac.Role, t rbac.AccountType) bool {
		if t == "" {
			return len(r.AccountTypes) == 0
		}
		return len(r.AccountTypes) == 0 || r.AccountTypes[0] == t
	}
	pick := func(tt rbac.AccountType, label string) []rbac.RoleID {
		var out []rbac.RoleID
		for _, r := range roles {
			if openTo(r, tt) && rapid.IntRange(0, 3).Draw(t, label) == 0 {
				out = append(out, r.ID)
			}
		}
		return out
	}
	for _, ty := range types {
		p.AccountTypes = append(p.AccountTypes, rbac.AccountTypeDef{ID: ty, DefaultRoles: pick(ty, "default")})
	}
	anyType := func(label string) rbac.AccountType {
		if nTypes == 0 {
			return ""
		}
		i := rapid.IntRange(-1, nTypes-1).Draw(t, label)
		if i < 0 {
			return ""
		}
		return types[i]
	}
	nGroups := rapid.IntRange(0, 3).Draw(t, "groups")
	for i := 0; i < nGroups; i++ {
		ty := anyType("groupType")
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", i)), Name: fmt.Sprintf("Group %d", i), AccountType: ty, Roles: pick(ty, "groupRole")})
	}
	nWG := rapid.IntRange(0, 5).Draw(t, "workgroups")
	for i := 0; i < nWG; i++ {
		w := rbac.Workgroup{ID: rbac.WorkgroupID(fmt.Sprintf("w%d", i))}
		if i > 0 && rapid.Bool().Draw(t, "hasParent") {
			w.Parent = rbac.WorkgroupID(fmt.Sprintf("w%d", rapid.IntRange(0, i-1).Draw(t, "parent")))
		}
		p.Workgroups = append(p.Workgroups, w)
	}
	nUsers := rapid.IntRange(1, 5).Draw(t, "users")
	for i := 0; i < nUsers; i++ {
		ty := anyType("userType")
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("u%d", i)), AccountType: ty, Roles: pick(ty, "userRole"),
			Org:      rapid.SampledFrom([]rbac.OrgSlug{"", "dfe", "hmrc"}).Draw(t, "org"),
			Disabled: rapid.IntRange(0, 9).Draw(t, "disabled") == 0}
		for _, g := range p.Groups {
			if (g.AccountType == "" || g.AccountType == ty) && rapid.Bool().Draw(t, "member") {
				u.Groups = append(u.Groups, g.ID)
			}
		}
		for _, w := range p.Workgroups {
			if rapid.IntRange(0, 2).Draw(t, "inWG") == 0 {
				u.Workgroups = append(u.Workgroups, w.ID)
			}
		}
		p.Users = append(p.Users, u)
	}
	if nRoles >= 2 && rapid.Bool().Draw(t, "constraint") {
		a := rapid.IntRange(0, nRoles-1).Draw(t, "ca")
		b := rapid.IntRange(0, nRoles-1).Draw(t, "cb")
		if a != b {
			p.Constraints = append(p.Constraints, rbac.Constraint{Name: "c", Roles: []rbac.RoleID{roles[a].ID, roles[b].ID}, Max: 1, Dynamic: rapid.Bool().Draw(t, "dynamic")})
		}
	}
	if rapid.IntRange(0, 3).Draw(t, "ownership") > 0 {
		p.OwnershipRules = []rbac.OwnershipRule{{Kind: "svc", Bypass: rapid.SampledFrom(permPool).Draw(t, "bypass")}}
		for _, id := range []string{"1", "2"} {
			if rapid.Bool().Draw(t, "stored") {
				p.Ownerships = append(p.Ownerships, rbac.Ownership{Kind: "svc", ID: id, Owners: rapid.SliceOfDistinct(rapid.SampledFrom([]rbac.OrgSlug{"dfe", "hmrc", "gds"}), func(o rbac.OrgSlug) rbac.OrgSlug { return o }).Draw(t, "owners")})
			}
		}
	}
	if rapid.Bool().Draw(t, "kinds?") {
		p.Kinds = []rbac.Kind{{Name: "svc"}, {Name: "doc", Title: "Document"}}
	}
	// A static constraint the drawn users happen to violate is dropped:
	// the generator wants valid policies, and Validate is tested elsewhere.
	if err := p.Validate(); err != nil && len(p.Constraints) > 0 && !p.Constraints[0].Dynamic {
		p.Constraints = nil
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("generated policy is invalid: %v", err)
	}
	return p
}

func genRequest(t *rapid.T, p *rbac.Policy) rbac.Request {
	var users []rbac.UserID
	for _, u := range p.Users {
		users = append(users, u.ID)
	}
	perms := append([]rbac.Permission{"z.free", "a.x.y.z", "q"}, permPool...)
	req := rbac.Request{
		User:       rapid.SampledFrom(users).Draw(t, "user"),
		Permission: rapid.SampledFrom(perms).Draw(t, "perm"),
	}
	// Now and then an unknown user or a malformed permission.
	if rapid.IntRange(0, 7).Draw(t, "ghost?") == 0 {
		req.User = "ghost"
	}
	if rapid.IntRange(0, 7).Draw(t, "malformed?") == 0 {
		req.Permission = rapid.SampledFrom([]rbac.Permission{"a.*", "*", "bad..name", "", "x'; DROP TABLE roles;--"}).Draw(t, "bad")
	}
	if rapid.IntRange(0, 2).Draw(t, "active?") == 0 {
		req.ActiveRoles = []rbac.RoleID{}
		for _, r := range append([]rbac.Role{{ID: "nope"}}, p.Roles...) {
			if rapid.IntRange(0, 3).Draw(t, "activeRole") == 0 {
				req.ActiveRoles = append(req.ActiveRoles, r.ID)
			}
		}
	}
	if rapid.IntRange(0, 2).Draw(t, "principal?") == 0 {
		req.Principal = genPrincipal(t, p)
	}
	if rapid.IntRange(0, 3).Draw(t, "resource?") > 0 {
		res := &rbac.Resource{Kind: rapid.SampledFrom([]string{"svc", "svc", "doc", "svcs"}).Draw(t, "kind"), ID: rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "id"),
			Inactive: rapid.IntRange(0, 3).Draw(t, "inactive") == 0}
		if rapid.Bool().Draw(t, "owners?") {
			res.Owners = []rbac.OrgSlug{}
			for _, o := range []rbac.OrgSlug{"dfe", "hmrc"} {
				if rapid.Bool().Draw(t, "owner") {
					res.Owners = append(res.Owners, o)
				}
			}
		}
		for _, u := range append(users, "ghost") {
			if rapid.IntRange(0, 3).Draw(t, "assignee") == 0 {
				res.Assignees = append(res.Assignees, u)
			}
		}
		for _, w := range append(p.Workgroups, rbac.Workgroup{ID: "nowhere"}) {
			if rapid.IntRange(0, 3).Draw(t, "resWG") == 0 {
				res.Workgroups = append(res.Workgroups, w.ID)
			}
		}
		req.Resource = res
	}
	return req
}

func authorizer(t *rapid.T, p *rbac.Policy) *rbac.Authorizer {
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatalf("import: %v", err)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return a
}

type verdict struct {
	Allowed bool
	Scope   rbac.Scope
	Reason  rbac.Reason
}

func verdictOf(d rbac.Decision) verdict { return verdict{d.Allowed, d.Scope, d.Reason} }

// TestCheckMatchesNaiveModel: on random policies and requests, the
// compiled Check decides exactly as the naive evaluator, and Explain
// agrees with Check and gives a route.
func TestCheckMatchesNaiveModel(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	seen := map[rbac.Reason]int{}
	defer func() {
		// The generator must reach every outcome, or the property says
		// little.
		for _, r := range []rbac.Reason{rbac.ReasonGranted, rbac.ReasonNoGrant, rbac.ReasonOutOfScope, rbac.ReasonNotOwner,
			rbac.ReasonUnknownUser, rbac.ReasonDisabled, rbac.ReasonRoleNotHeld, rbac.ReasonSeparationOfDuty,
			rbac.ReasonMissingPrerequisite, rbac.ReasonInvalidRequest} {
			if seen[r] == 0 && !t.Failed() {
				t.Errorf("no generated request was decided %s (seen: %v)", r, seen)
			}
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		a := authorizer(t, p)
		defer a.Close()
		snap := a.Snapshot()
		for i := 0; i < 40; i++ {
			req := genRequest(t, p)
			want := verdictOf(naive.Evaluate(p, req))
			got := snap.Check(req)
			seen[got.Reason]++
			if diff := cmp.Diff(want, verdictOf(got)); diff != "" {
				t.Fatalf("request %+v (resource %+v)\n(-naive +engine):\n%s", req, req.Resource, diff)
			}
			ex := snap.Explain(req)
			if verdictOf(ex) != verdictOf(got) {
				t.Fatalf("Explain %v disagrees with Check %v", ex, got)
			}
			if len(ex.Path) == 0 {
				t.Fatalf("Explain gave no path: %v", ex)
			}
		}
	})
}

// TestCrowdMatchesNaiveModel: policies with thousands of users, enough
// for rbac.New to compile them on several workers sharing one profile
// cache (and validate them meanwhile), decide as the naive evaluator
// does. The crowd is the drawn users copied with subsets of their roles
// and groups, so that many users share sources and role sets and many do
// not.
func TestCrowdMatchesNaiveModel(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		copies := rapid.IntRange(2100/len(p.Users)+1, 4000/len(p.Users)+1).Draw(t, "copies")
		var crowd []rbac.User
		for k := 0; k < copies; k++ {
			for _, u := range p.Users {
				c := u.Clone()
				c.ID = rbac.UserID(fmt.Sprintf("%s-%d", u.ID, k))
				c.Roles = keepSome(c.Roles, k)
				c.Groups = keepSome(c.Groups, k/3)
				crowd = append(crowd, c)
			}
		}
		p.Users = crowd
		if err := p.Validate(); err != nil {
			t.Fatalf("crowd policy is invalid: %v", err)
		}
		a := authorizer(t, p)
		defer a.Close()
		snap := a.Snapshot()
		// Requests name a sample of the crowd: genRequest draws for
		// every user it is given.
		sample := *p
		sample.Users = nil
		for i := 0; i < 20; i++ {
			sample.Users = append(sample.Users, crowd[rapid.IntRange(0, len(crowd)-1).Draw(t, "sampled")])
		}
		for i := 0; i < 40; i++ {
			req := genRequest(t, &sample)
			want := verdictOf(naive.Evaluate(p, req))
			if diff := cmp.Diff(want, verdictOf(snap.Check(req))); diff != "" {
				t.Fatalf("request %+v (resource %+v)\n(-naive +engine):\n%s", req, req.Resource, diff)
			}
		}
	})
}

// keepSome returns the elements of l at the positions whose bit is set in
// mask+1, or all of them when mask is a multiple of 5: as mask runs, a
// spread of subsets, many of them equal.
func keepSome[T any](l []T, mask int) []T {
	var out []T
	for i, x := range l {
		if (mask+1)>>(i%8)&1 == 1 || mask%5 == 0 {
			out = append(out, x)
		}
	}
	return out
}

// TestStaticConstraintsMatchNaiveModel: Validate rejects exactly the users
// the naive evaluator finds authorized for more of a static constraint's
// roles than it allows, each once per constraint broken.
func TestStaticConstraintsMatchNaiveModel(t *testing.T) {
	broken := 0
	defer func() {
		if broken == 0 && !t.Failed() {
			t.Errorf("no generated user broke a constraint: the property says little")
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		p.Constraints = nil
		if len(p.Roles) < 2 {
			return
		}
		for i := range rapid.IntRange(1, 2).Draw(t, "constraints") {
			roles := rapid.SliceOfNDistinct(rapid.SampledFrom(roleIDs(p)), 2, 4, func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "constrained")
			p.Constraints = append(p.Constraints, rbac.Constraint{Name: fmt.Sprintf("c%d", i), Roles: roles, Max: rapid.IntRange(1, len(roles)-1).Draw(t, "max")})
		}
		want := map[string]int{}
		for i := range p.Users {
			for _, c := range p.Constraints {
				if naive.BreaksStatic(p, &p.Users[i], c) {
					want[string(p.Users[i].ID)]++
					broken++
				}
			}
		}
		got := map[string]int{}
		if err := p.Validate(); err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var re *rbac.Error
				if !errors.As(e, &re) {
					t.Fatalf("not an *rbac.Error: %v", e)
				}
				if !errors.Is(e, rbac.ErrSeparationOfDuty) {
					t.Fatalf("the only problems are the constraints', got %v", e)
				}
				got[re.ID]++
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("users breaking static constraints %v (-naive +Validate):\n%s", p.Constraints, diff)
		}
	})
}

// TestApplyMatchesNaiveModel: after random accepted user changes through
// Apply, the snapshot decides as the naive evaluator does on what the
// store holds.
func TestApplyMatchesNaiveModel(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		p := genPolicy(t)
		store := memstore.New()
		if _, err := rbac.Import(ctx, store, p); err != nil {
			t.Fatal(err)
		}
		a, err := rbac.New(ctx, store, rbac.WithoutFollow())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		for step := rapid.IntRange(1, 4).Draw(t, "steps"); step > 0; step-- {
			var c rbac.Change
			if len(p.Roles) == 0 || len(p.Users) == 0 {
				break
			}
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0: // a user gains or loses roles, groups, workgroups
				u := rapid.SampledFrom(p.Users).Draw(t, "u")
				u.Roles = rapid.SliceOfDistinct(rapid.SampledFrom(roleIDs(p)), func(r rbac.RoleID) rbac.RoleID { return r }).Draw(t, "roles")
				u.Disabled = rapid.Bool().Draw(t, "disabled")
				c = rbac.PutUser(u)
			case 1:
				c = rbac.DeleteRole(rapid.SampledFrom(roleIDs(p)).Draw(t, "deleteRole"))
			case 2:
				r := rapid.SampledFrom(p.Roles).Draw(t, "r")
				r.Grants = append(r.Grants, rbac.Grant{Permission: rapid.SampledFrom(permPool).Draw(t, "g"), Scope: rbac.Scope(rapid.IntRange(1, 4).Draw(t, "s"))})
				c = rbac.PutRole(r)
			case 3:
				if len(p.Groups) == 0 {
					continue
				}
				c = rbac.DeleteGroup(rapid.SampledFrom(p.Groups).Draw(t, "deleteGroup").ID)
			}
			// Rejected changes are fine (they may break a rule); accepted
			// ones must be reflected exactly.
			a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{c}})
			var err error
			p, _, err = store.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the store holds an invalid policy after %v: %v", c, err)
			}
		}
		snap := a.Snapshot()
		for i := 0; i < 20; i++ {
			req := genRequest(t, p)
			if diff := cmp.Diff(verdictOf(naive.Evaluate(p, req)), verdictOf(snap.Check(req))); diff != "" {
				t.Fatalf("request %+v\n(-naive +engine):\n%s", req, diff)
			}
		}
	})
}

func roleIDs(p *rbac.Policy) []rbac.RoleID {
	var out []rbac.RoleID
	for _, r := range p.Roles {
		out = append(out, r.ID)
	}
	return out
}

// genPrincipal draws a principal as a token might carry it: mostly a
// user's own claims, now and then with an unknown or closed role, a group
// of another account type, an unknown workgroup or account type.
func genPrincipal(t *rapid.T, p *rbac.Policy) *rbac.User {
	u := rapid.SampledFrom(p.Users).Draw(t, "principal of").Clone()
	u.ID = rbac.UserID(rapid.SampledFrom([]string{string(u.ID), "tok1"}).Draw(t, "principal id"))
	u.Disabled = rapid.IntRange(0, 9).Draw(t, "principal disabled") == 0
	var types []rbac.AccountType
	for _, at := range p.AccountTypes {
		types = append(types, at.ID)
	}
	if rapid.IntRange(0, 4).Draw(t, "other type?") == 0 {
		u.AccountType = rapid.SampledFrom(append(types, "", "martian")).Draw(t, "principal type")
	}
	if rapid.IntRange(0, 2).Draw(t, "other roles?") == 0 {
		u.Roles = nil
		for _, r := range append([]rbac.Role{{ID: "nope"}}, p.Roles...) {
			if rapid.IntRange(0, 4).Draw(t, "principal role") == 0 {
				u.Roles = append(u.Roles, r.ID)
			}
		}
	}
	if rapid.IntRange(0, 3).Draw(t, "other groups?") == 0 {
		u.Groups = nil
		for _, g := range append([]rbac.Group{{ID: "nogroup"}}, p.Groups...) {
			if rapid.IntRange(0, 2).Draw(t, "principal group") == 0 {
				u.Groups = append(u.Groups, g.ID)
			}
		}
	}
	if rapid.IntRange(0, 5).Draw(t, "unknown workgroup?") == 0 {
		u.Workgroups = append(u.Workgroups, "nowhere")
	}
	return &u
}
