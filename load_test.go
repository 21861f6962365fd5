package rbac_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rolegraph/rbac"
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
