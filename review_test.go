package rbac

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReviewFunctions(t *testing.T) {
	snap := compileText(t, enginePolicy)
	if diff := cmp.Diff([]RoleSource{
		{Role: "eval_mine", From: "direct"},
		{Role: "eval_workgroup", From: "group", Via: "permitting"},
	}, snap.RolesOf("alice")); diff != "" {
		t.Errorf("RolesOf(alice) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]RoleSource{
		{Role: "client_section", From: "direct"},
		{Role: "gds_editor", From: "direct"},
		{Role: "places_editor", From: "contains", Via: "gds_editor"},
		{Role: "yj", From: "direct"},
	}, snap.RolesOf("carol")); diff != "" {
		t.Errorf("RolesOf(carol) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]RoleSource{{Role: "probation", From: "account_type", Via: "delius"}}, snap.RolesOf("dan")); diff != "" {
		t.Errorf("RolesOf(dan) (-want +got):\n%s", diff)
	}
	// alice holds evaluation.read at mine and at workgroup: neither is
	// wider than the other, so both are listed.
	if diff := cmp.Diff([]ScopedPermission{
		{Permission: "evaluation.read", Scope: ScopeMine},
		{Permission: "evaluation.read", Scope: ScopeWorkgroup},
		{Permission: "evaluation.update", Scope: ScopeMine},
	}, snap.PermissionsOf("alice")); diff != "" {
		t.Errorf("PermissionsOf(alice) (-want +got):\n%s", diff)
	}
	// bob holds client.* but not the prerequisite of client.merge: the
	// wildcard is listed as a pattern, client.merge is not effective.
	if diff := cmp.Diff([]ScopedPermission{
		{Permission: "client.*", Scope: ScopeGlobal},
		{Permission: "client.add", Scope: ScopeGlobal},
		{Permission: "places.edit", Scope: ScopeGlobal},
	}, snap.PermissionsOf("bob")); diff != "" {
		t.Errorf("PermissionsOf(bob) (-want +got):\n%s", diff)
	}
	if got := snap.PermissionsOf("frank"); got != nil {
		t.Errorf("a disabled user holds %v", got)
	}
	if got := snap.PermissionsOf("erin"); got != nil {
		t.Errorf("a user in breach of a dynamic constraint with every role active holds %v", got)
	}
	if diff := cmp.Diff([]Holder{{"alice", ScopeWorkgroup}, {"root", ScopeAll}}, snap.UsersWith("evaluation.read")); diff != "" {
		t.Errorf("UsersWith(evaluation.read) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Holder{{"carol", ScopeGlobal}, {"root", ScopeAll}}, snap.UsersWith("client.merge")); diff != "" {
		t.Errorf("UsersWith(client.merge) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]UserID{"bob", "carol"}, snap.UsersWithRole("places_editor")); diff != "" {
		t.Errorf("UsersWithRole (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]UserID{"alice"}, snap.MembersOf("permitting")); diff != "" {
		t.Errorf("MembersOf (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]GroupID{"permitting"}, snap.GroupsOf("alice")); diff != "" {
		t.Errorf("GroupsOf (-want +got):\n%s", diff)
	}
	review := snap.AccessReview()
	if len(review) != 1 || review[0].Permission.Name != "client.merge" || len(review[0].Holders) != 2 {
		t.Errorf("AccessReview: %+v", review)
	}
}

// TestUsersWithMatchesCheck: UsersWith must list exactly the users whose
// capability check is allowed, at the same scope.
func TestUsersWithMatchesCheck(t *testing.T) {
	snap := compileText(t, enginePolicy)
	for _, p := range []Permission{"evaluation.read", "client.add", "client.merge", "places.edit", "probation.view", "cat.suggest", "x.y"} {
		var want []Holder
		for _, u := range []UserID{"alice", "bob", "carol", "dan", "erin", "frank", "root"} {
			if d := snap.Check(Request{User: u, Permission: p}); d.Allowed {
				want = append(want, Holder{u, d.Scope})
			}
		}
		if diff := cmp.Diff(want, snap.UsersWith(p)); diff != "" {
			t.Errorf("UsersWith(%s) (-check +UsersWith):\n%s", p, diff)
		}
	}
}

func BenchmarkUsersWith100k(b *testing.B) {
	_, snap, err := compileFull(largeState())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if got := snap.UsersWith(Permission("data" + strconv.Itoa(i%10000) + ".read")); len(got) != 10 {
			b.Fatalf("%d holders", len(got))
		}
		i++
	}
}

// BenchmarkUsersWithAfterWrite: the first UsersWith on each new snapshot,
// after a one-user write (the write itself is not timed): the review
// index is kept up to date by the compiler, not rebuilt on first use.
func BenchmarkUsersWithAfterWrite(b *testing.B) {
	st := largeState()
	comp, snap, err := compileFull(st)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		id := UserID("user" + strconv.Itoa(i%100000))
		u := *st.users[id] // stored users are immutable: change a copy
		u.Roles = []RoleID{RoleID("group" + strconv.Itoa(i%10000))}
		st.users[id] = &u
		next, ok := comp.compileIncremental(st, snap, []Change{PutUser(u)})
		if !ok {
			b.Fatal("not incremental")
		}
		snap = next
		b.StartTimer()
		if got := snap.UsersWith(Permission("data" + strconv.Itoa(i%1000) + ".read")); len(got) == 0 {
			b.Fatal("no holders")
		}
		i++
	}
}

// largeTeamsState is the large shape with every role also granting its
// team's permission: team<i>.read reaches ten roles, so 100 users.
func largeTeamsState() *state {
	st := largeState()
	for id, r := range st.roles {
		i, _ := strconv.Atoi(string(id[len("group"):]))
		r.Grants = append(r.Grants, Grant{Permission: Permission("team" + strconv.Itoa(i/10) + ".read"), Scope: ScopeGlobal})
		st.roles[id] = r
	}
	return st
}

// BenchmarkUsersWith100Holders: 100 holders among 100,000 users and 10,000
// distinct role sets, the holder index already built.
func BenchmarkUsersWith100Holders(b *testing.B) {
	_, snap, err := compileFull(largeTeamsState())
	if err != nil {
		b.Fatal(err)
	}
	snap.UsersWith("team0.read") // builds the holder index
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if got := snap.UsersWith(Permission("team" + strconv.Itoa(i%1000) + ".read")); len(got) != 100 {
			b.Fatalf("%d holders", len(got))
		}
		i++
	}
}

// BenchmarkUsersWithFirst: the first UsersWith on a freshly indexed
// snapshot, which builds the holder index (compiling is not timed).
func BenchmarkUsersWithFirst(b *testing.B) {
	st := largeTeamsState()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		_, snap, err := compileFull(st)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if got := snap.UsersWith("team1.read"); len(got) != 100 {
			b.Fatalf("%d holders", len(got))
		}
	}
}
