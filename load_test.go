package rbac_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A load shares one array between users with equal role and group lists,
// and stored users are shared between the writer and the snapshots: no
// write, cascade or value handed out may change another user through them.
func TestLoadedUsersShareNothingWritable(t *testing.T) {
	ctx := context.Background()
	p := &rbac.Policy{
		Roles:  []rbac.Role{{ID: "r1"}, {ID: "r2"}, {ID: "r3"}},
		Groups: []rbac.Group{{ID: "g1", Name: "G1"}, {ID: "g2", Name: "G2"}},
	}
	for _, id := range []rbac.UserID{"a", "b", "c"} {
		p.Users = append(p.Users, rbac.User{ID: id, Roles: []rbac.RoleID{"r1", "r2"}, Groups: []rbac.GroupID{"g1", "g2"}})
	}
	a, _ := authorizerOf(t, p, rbac.WithoutFollow())
	before := a.Snapshot()

	// A value handed out is the caller's to change.
	u, _ := before.User("a")
	u.Roles[0], u.Groups[0] = "r3", "g2"
	u.Roles = append(u.Roles, "r3")

	// A cascade rewrites every user's list; a write changes one user.
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteRole("r1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "b", Roles: []rbac.RoleID{"r3"}, Groups: []rbac.GroupID{"g1"}})}}); err != nil {
		t.Fatal(err)
	}

	want := map[rbac.UserID][2][]string{
		"a": {{"r2"}, {"g1", "g2"}},
		"b": {{"r3"}, {"g1"}},
		"c": {{"r2"}, {"g1", "g2"}},
	}
	for id, w := range want {
		got, _ := a.Snapshot().User(id)
		if !slices.Equal(ids(got.Roles), w[0]) || !slices.Equal(ids(got.Groups), w[1]) {
			t.Errorf("after the writes, user %s has roles %v and groups %v, want %v and %v", id, got.Roles, got.Groups, w[0], w[1])
		}
	}
	// The snapshot taken before the writes still shows the loaded users.
	for _, id := range []rbac.UserID{"a", "b", "c"} {
		got, _ := before.User(id)
		if !slices.Equal(ids(got.Roles), []string{"r1", "r2"}) || !slices.Equal(ids(got.Groups), []string{"g1", "g2"}) {
			t.Errorf("the earlier snapshot's user %s now has roles %v and groups %v", id, got.Roles, got.Groups)
		}
	}
}

func ids[T ~string](l []T) []string {
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = string(x)
	}
	return out
}

// An Authorizer starts on a stored policy only if the policy is valid:
// random policies full of dangling references, containment and parent
// cycles, roles closed to their holders' types and repeated entries are
// written to a store (which only persists), and New must fail exactly
// when Validate does, with a load error, and never panic. New validates
// while it compiles, so the compiler must take whatever a store holds.
// Now and then the users are a crowd large enough to be compiled on
// several workers.
func TestNewRejectsInvalidStoredPolicies(t *testing.T) {
	var valid, invalid, crowds int
	defer func() {
		// About one policy in ten is valid: -short's 20 draws miss them
		// often, so the generator's reach is judged on full runs only.
		if !t.Failed() && !testing.Short() && (valid == 0 || invalid == 0 || crowds == 0) {
			t.Errorf("the generator drew %d valid and %d invalid policies, %d with a crowd: it must reach each", valid, invalid, crowds)
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		p := genJunkPolicy(t)
		store := memstore.New()
		var changes []rbac.Change
		for _, e := range p.Entities() {
			changes = append(changes, rbac.Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e})
		}
		if len(changes) > 0 {
			if _, err := store.Apply(ctx, rbac.ChangeSet{Changes: changes}); err != nil {
				t.Fatalf("store: %v", err)
			}
		}
		before := p.Clone()
		problem := p.Validate()
		if d := cmp.Diff(before, p, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
			t.Fatalf("Validate changed the policy (-before +after):\n%s", d)
		}
		if problem == nil {
			valid++
		} else {
			invalid++
		}
		if len(p.Users) > 1000 {
			crowds++
		}
		// Streamed in the stores' order (the tables compile while users
		// stream in), in a drawn order (a table after the first user
		// discards that), and through Load: all three decide alike.
		permuted := permutedStream{store, rapid.Permutation(p.Entities()).Draw(t, "stream order")}
		var decided []string
		var refused string // New's error, the same whichever way the policy is read
		for _, s := range []rbac.Store{store, permuted, loadOnly{store}} {
			a, err := rbac.New(ctx, s, rbac.WithoutFollow())
			if err != nil && problem != nil {
				if refused == "" {
					refused = err.Error()
				} else if d := cmp.Diff(refused, err.Error()); d != "" {
					t.Fatalf("New(%T) refuses the policy otherwise than New on the store's own stream (-stream +%T):\n%s", s, s, d)
				}
			}
			switch {
			case problem == nil && err != nil:
				t.Fatalf("New(%T) on a valid policy: %v", s, err)
			case problem != nil && err == nil:
				a.Close()
				t.Fatalf("New(%T) started on a policy Validate rejects: %v", s, problem)
			case problem != nil && !strings.Contains(err.Error(), "the stored policy at revision 1 is not valid"):
				t.Fatalf("New(%T): %v, want the load's validation error", s, err)
			case err == nil:
				var got []string
				for i, u := range p.Users {
					if _, ok := a.Snapshot().User(u.ID); !ok {
						t.Fatalf("New(%T) does not serve user %s", s, u.ID)
					}
					for _, perm := range []rbac.Permission{"a.read", "a.write", "b.read"} {
						if i < 20 {
							d := a.Snapshot().Check(rbac.Request{User: u.ID, Permission: perm})
							got = append(got, fmt.Sprintf("%s %s: %v %v %v", u.ID, perm, d.Allowed, d.Scope, d.Reason))
						}
					}
				}
				a.Close()
				if decided == nil {
					decided = got
				} else if d := cmp.Diff(decided, got); d != "" {
					t.Fatalf("New(%T) decides otherwise than New on the store's own stream (-stream +%T):\n%s", s, s, d)
				}
			}
		}
	})
}

// loadOnly hides a store's optional capabilities, LoadEach among them.
type loadOnly struct{ rbac.Store }

// permutedStream streams a store's entities in the given order, calling
// size for each kind before the first of its entities.
type permutedStream struct {
	*memstore.Store
	order []rbac.Entity
}

func (s permutedStream) LoadEach(ctx context.Context, size func(rbac.EntityKind, int), f func(rbac.Entity) error) (rbac.Revision, error) {
	counts := map[rbac.EntityKind]int{}
	for _, e := range s.order {
		counts[e.EntityKind()]++
	}
	for _, e := range s.order {
		if n, ok := counts[e.EntityKind()]; ok {
			size(e.EntityKind(), n)
			delete(counts, e.EntityKind())
		}
		if err := f(rbac.CloneEntity(e)); err != nil {
			return 0, err
		}
	}
	return s.Store.Revision(), nil
}

// genJunkPolicy draws a policy from small pools of ids. Unless it draws
// a tidy one, every reference comes from the pool or from ids nobody
// defines, so that most policies are invalid in several ways. A tidy
// policy refers only to what exists, without cycles: most are valid.
func genJunkPolicy(t *rapid.T) *rbac.Policy {
	tidy := rapid.IntRange(0, 2).Draw(t, "tidy") == 0
	pick := func(label string, pool ...string) string { return rapid.SampledFrom(pool).Draw(t, label) }
	some := func(label string, pool ...string) []string {
		if len(pool) == 0 {
			return nil
		}
		return rapid.SliceOfN(rapid.SampledFrom(pool), 0, 3).Draw(t, label)
	}
	someOnce := func(label string, pool ...string) []string { // distinct
		if len(pool) == 0 {
			return nil
		}
		return rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 0, 3, func(s string) string { return s }).Draw(t, label)
	}
	// junk returns pool, with ids that nothing defines unless tidy.
	junk := func(pool []string, undefined ...string) []string {
		if tidy {
			return pool
		}
		return append(slices.Clip(pool), undefined...)
	}
	nRoles := rapid.IntRange(0, 4).Draw(t, "roles")
	roles := []string{"r0", "r1", "r2", "r3"}[:nRoles]
	types := []string{"t0", "t1"}
	p := &rbac.Policy{}
	for i := range rapid.IntRange(0, 2).Draw(t, "types") {
		var defaults []string
		if !tidy {
			defaults = some("default", junk(roles, "nope")...)
		}
		p.AccountTypes = append(p.AccountTypes, rbac.AccountTypeDef{ID: rbac.AccountType(types[i]), DefaultRoles: asIDs[rbac.RoleID](defaults)})
	}
	perms := []string{"a.read", "a.write", "b.read"}
	if rapid.Bool().Draw(t, "catalogue") {
		for i, name := range perms {
			requires := junk(perms[:i], perms[i:]...) // tidy: only earlier ones
			p.Permissions = append(p.Permissions, rbac.PermissionDef{Name: rbac.Permission(name), Requires: asIDs[rbac.Permission](some("requires", junk(requires, "zz.none")...))})
		}
	}
	for i, id := range roles {
		contains := junk(roles[i+1:], roles[:i+1]...) // tidy: only later ones
		r := rbac.Role{ID: rbac.RoleID(id), Contains: asIDs[rbac.RoleID](some("contains", junk(contains, "nope")...))}
		if !tidy {
			r.AccountTypes = asIDs[rbac.AccountType](some("roleTypes", "t0", "t1", "tX"))
		}
		for _, perm := range some("grants", append(slices.Clip(perms), "a.*", "*")...) {
			r.Grants = append(r.Grants, rbac.Grant{Permission: rbac.Permission(perm), Scope: rbac.Scope(rapid.IntRange(1, 4).Draw(t, "scope"))})
		}
		p.Roles = append(p.Roles, r)
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "groups") {
		p.Groups = append(p.Groups, rbac.Group{ID: rbac.GroupID(fmt.Sprintf("g%d", i)), Name: "G", AccountType: rbac.AccountType(pick("groupType", junk([]string{""}, "t0", "tX")...)),
			Roles: asIDs[rbac.RoleID](some("groupRoles", junk(roles, "nope")...))})
	}
	var workgroups []string
	for i := range rapid.IntRange(0, 3).Draw(t, "workgroups") {
		parent := pick("parent", junk(append([]string{""}, workgroups...), "w0", "w1", "w2", "wX")...) // tidy: only earlier ones
		workgroups = append(workgroups, fmt.Sprintf("w%d", i))
		p.Workgroups = append(p.Workgroups, rbac.Workgroup{ID: rbac.WorkgroupID(workgroups[i]), Parent: rbac.WorkgroupID(parent)})
	}
	var groups []string
	for _, g := range p.Groups {
		groups = append(groups, string(g.ID))
	}
	users := rapid.IntRange(0, 4).Draw(t, "users")
	if rapid.IntRange(0, 9).Draw(t, "crowd?") == 0 {
		users = rapid.IntRange(2100, 2600).Draw(t, "crowd")
	}
	for i := range users {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("u%d", i)), AccountType: rbac.AccountType(pick("userType", junk([]string{""}, "t0", "t1", "tX")...)),
			Roles:  asIDs[rbac.RoleID](someOnce("userRoles", junk(roles, "nope")...)),
			Groups: asIDs[rbac.GroupID](some("userGroups", junk(groups, "gX")...)), Workgroups: asIDs[rbac.WorkgroupID](some("userWorkgroups", junk(workgroups, "wX")...))}
		if i >= 4 { // a crowd: valid users, but for one in a thousand
			u = rbac.User{ID: u.ID}
			if nRoles > 0 {
				u.Roles = []rbac.RoleID{rbac.RoleID(roles[i%nRoles])}
			}
			if i%1000 == 999 && !tidy {
				u.Roles = append(u.Roles, "nope")
			}
		}
		p.Users = append(p.Users, u)
	}
	if rapid.Bool().Draw(t, "constraint") {
		p.Constraints = []rbac.Constraint{{Name: "c", Roles: asIDs[rbac.RoleID](some("constrained", junk(roles, "nope")...)), Max: rapid.IntRange(0, 2).Draw(t, "max"), Dynamic: rapid.Bool().Draw(t, "dynamic")}}
	}
	if rapid.Bool().Draw(t, "rule") {
		p.OwnershipRules = []rbac.OwnershipRule{{Kind: "svc", Bypass: rbac.Permission(pick("bypass", junk(perms, "zz.none")...))}}
		p.Ownerships = []rbac.Ownership{{Kind: pick("ownedKind", junk([]string{"svc"}, "doc")...), ID: "1", Owners: []rbac.OrgSlug{"dfe"}}}
	}
	return p
}

func asIDs[T ~string](l []string) []T {
	out := make([]T, len(l))
	for i, s := range l {
		out[i] = T(s)
	}
	return out
}

// A store whose stream lists a user twice (a bug, or rows read twice) is
// served as its table would be: the last of each user, once, everywhere.
func TestStreamListingAUserTwice(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	p := &rbac.Policy{
		Roles: []rbac.Role{{ID: "r1", Grants: []rbac.Grant{{Permission: "a.read", Scope: rbac.ScopeGlobal}}}, {ID: "r2", Grants: []rbac.Grant{{Permission: "b.read", Scope: rbac.ScopeGlobal}}}},
		Users: []rbac.User{{ID: "a", Roles: []rbac.RoleID{"r1"}}, {ID: "b", Roles: []rbac.RoleID{"r2"}}},
	}
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, twiceStore{store}, rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := a.Snapshot()
	holders := func(perm rbac.Permission) []string {
		var out []string
		for _, h := range s.UsersWith(perm) {
			out = append(out, string(h.User))
		}
		slices.Sort(out)
		return out
	}
	if d := cmp.Diff([]string{"a"}, holders("a.read")); d != "" {
		t.Errorf("UsersWith(a.read) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b"}, holders("b.read")); d != "" {
		t.Errorf("UsersWith(b.read): the first listing of a, holding r2, was served (-want +got):\n%s", d)
	}
	if s.Check(rbac.Request{User: "a", Permission: "b.read"}).Allowed {
		t.Errorf("a may b.read: the first listing of a was served")
	}
}

// twiceStore streams user "a" twice: first holding r2, then as stored.
type twiceStore struct{ *memstore.Store }

func (s twiceStore) LoadEach(ctx context.Context, size func(rbac.EntityKind, int), f func(rbac.Entity) error) (rbac.Revision, error) {
	return s.Store.LoadEach(ctx, size, func(e rbac.Entity) error {
		if u, ok := e.(*rbac.User); ok && u.ID == "a" {
			if err := f(rbac.User{ID: "a", Roles: []rbac.RoleID{"r2"}}); err != nil {
				return err
			}
		}
		return f(e)
	})
}
