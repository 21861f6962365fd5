package rbac_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rolegraph/rbac"
)

// TestUsersPages walks every page forwards and backwards and compares the
// ids with a plain sort of the matching users.
func TestUsersPages(t *testing.T) {
	ctx := context.Background()
	p := &rbac.Policy{}
	for i := 0; i < 237; i++ {
		org := rbac.OrgSlug("dfe")
		if i%3 == 0 {
			org = "hmrc"
		}
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("u%03d", (i*7919)%1000)), Org: org}
		if i%5 == 0 {
			u.Name = fmt.Sprintf("Sven Larsen %d", i)
		}
		if i%7 == 0 {
			u.Email = fmt.Sprintf("person%d@Example.ORG", i)
		}
		p.Users = append(p.Users, u)
	}
	a, _ := authorizerOf(t, p)
	checkPages(t, a.Snapshot(), p.Users, "")
	// Users changed since the snapshot's user table was indexed: moved to
	// an org no indexed user has, added, deleted. A search by org must see
	// them as they are now.
	var changes []rbac.Change
	for i, u := range p.Users[:40] {
		switch {
		case i%4 == 0:
			changes = append(changes, rbac.Change{Kind: rbac.EntityUser, Key: string(u.ID)})
			p.Users[i].ID = ""
		case i%4 == 1:
			p.Users[i].Name = "Zed " + p.Users[i].Name
			changes = append(changes, rbac.PutUser(p.Users[i]))
		default:
			p.Users[i].Org = "cabinet"
			changes = append(changes, rbac.PutUser(p.Users[i]))
		}
	}
	added := rbac.User{ID: "zz-new", Org: "Cabinet"}
	changes = append(changes, rbac.PutUser(added))
	p.Users = append(slices.DeleteFunc(p.Users, func(u rbac.User) bool { return u.ID == "" }), added)
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: changes}); err != nil {
		t.Fatal(err)
	}
	checkPages(t, a.Snapshot(), p.Users, "after writes: ")
}

// A model whose users had no names when indexed: a name given since is
// found, and so is one given after a compile that carried the index over.
func TestUsersSearchNamesGivenLater(t *testing.T) {
	ctx := context.Background()
	p := &rbac.Policy{}
	for i := range 30 {
		p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("u%02d", i)), Org: "dfe"})
	}
	a, _ := authorizerOf(t, p)
	checkPages(t, a.Snapshot(), p.Users, "no names: ")
	p.Users[3].Name, p.Users[17].Email = "Sven Larsen", "zed@example.org"
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(p.Users[3]), rbac.PutUser(p.Users[17])}}); err != nil {
		t.Fatal(err)
	}
	checkPages(t, a.Snapshot(), p.Users, "names given since: ")
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutRole(rbac.Role{ID: "unrelated"})}}); err != nil {
		t.Fatal(err)
	}
	checkPages(t, a.Snapshot(), p.Users, "after a write of no user: ")
}

// checkPages compares every page of s.Users, forwards and backwards, with
// a plain sort of the users that match.
func checkPages(t *testing.T, s *rbac.Snapshot, users []rbac.User, when string) {
	t.Helper()
	for _, tc := range []struct {
		contains string
		limit    int
		reason   string
	}{
		{"", 50, "every user, several pages"},
		{"HMRC", 20, "org match ignoring case"},
		{"cabinet", 20, "an org only changed users have"},
		{"u1", 7, "id substring, small pages"},
		{"nobody", 10, "no match"},
		{"sVEN lars", 9, "name match ignoring case"},
		{"example.org", 15, "email match ignoring case"},
		{"n 1", 6, "inside a name: only names match"},
		{"zed", 5, "a name only changed users have"},
		{"u1\x00sven", 5, "no match across fields"},
	} {
		tc.reason = when + tc.reason
		var want []rbac.UserID
		for _, u := range users {
			if tc.contains == "" || strings.Contains(strings.ToLower(string(u.ID)+"\x00"+string(u.Org)+"\x00"+u.Name+"\x00"+u.Email), strings.ToLower(tc.contains)) {
				want = append(want, u.ID)
			}
		}
		slices.Sort(want)
		var got []rbac.UserID
		q := rbac.UserQuery{Contains: tc.contains, Limit: tc.limit}
		for {
			page := s.Users(q)
			if page.Matched != len(want) {
				t.Fatalf("%s: matched %d, want %d", tc.reason, page.Matched, len(want))
			}
			for _, u := range page.Users {
				got = append(got, u.ID)
			}
			if !page.More {
				break
			}
			q.After = page.Users[len(page.Users)-1].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: forwards (-want +got):\n%s", tc.reason, diff)
		}
		// Backwards from the end gives the same ids.
		got = nil
		q = rbac.UserQuery{Contains: tc.contains, Limit: tc.limit, Before: "~"}
		for {
			page := s.Users(q)
			var ids []rbac.UserID
			for _, u := range page.Users {
				ids = append(ids, u.ID)
			}
			got = append(ids, got...)
			if !page.More {
				break
			}
			q.Before = page.Users[0].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: backwards (-want +got):\n%s", tc.reason, diff)
		}
	}
}

func TestOwnershipLookups(t *testing.T) {
	p, err := rbac.LoadPolicyFile("testdata/seeds/places_manager.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := authorizerOf(t, p)
	s := a.Snapshot()
	if diff := cmp.Diff([]rbac.OwnershipRule{{Kind: "service", Bypass: "places.gds_editor"}}, s.OwnershipRules()); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	want := []rbac.Ownership{
		{Kind: "service", ID: "register-offices", Owners: []rbac.OrgSlug{"department-for-education", "hm-revenue-customs"}},
		{Kind: "service", ID: "student-finance", Owners: []rbac.OrgSlug{"department-for-education"}},
		{Kind: "service", ID: "tax-offices", Owners: []rbac.OrgSlug{"hm-revenue-customs"}},
	}
	if diff := cmp.Diff(want, s.Ownerships("service")); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	if got := s.Ownerships("place"); got != nil {
		t.Errorf("a kind without a rule: %v", got)
	}
}

func TestCoversUser(t *testing.T) {
	p, err := rbac.LoadPolicyFile("testdata/seeds/nviro.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := authorizerOf(t, p)
	s := a.Snapshot()
	// sven's workgroup is deq.water: it covers its north and south regions.
	var got []rbac.UserID
	for _, u := range s.Users(rbac.UserQuery{CoveredBy: "sven"}).Users {
		got = append(got, u.ID)
	}
	if diff := cmp.Diff([]rbac.UserID{"paula", "pete", "sven"}, got); diff != "" {
		t.Errorf("users under deq.water (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		manager, user rbac.UserID
		want          bool
		reason        string
	}{
		{"sven", "paula", true, "a descendant workgroup"},
		{"sven", "carla", false, "another division"},
		{"paula", "sven", false, "a parent is not covered by its child"},
		{"sven", "greta", false, "a user without workgroups is nobody's"},
		{"greta", "paula", false, "a manager without workgroups covers nobody"},
		{"sven", "ghost", false, "unknown user"},
	} {
		if got := s.CoversUser(tc.manager, tc.user); got != tc.want {
			t.Errorf("%s: CoversUser(%s, %s) = %v", tc.reason, tc.manager, tc.user, got)
		}
		// A principal with the manager's fields covers the same users.
		if m, ok := s.User(tc.manager); ok {
			if got := s.CoversUserPrincipal(&m, tc.user); got != tc.want {
				t.Errorf("%s: CoversUserPrincipal(%s, %s) = %v", tc.reason, tc.manager, tc.user, got)
			}
		}
	}
	sven, _ := s.User("sven")
	got = nil
	for _, u := range s.Users(rbac.UserQuery{CoveredByPrincipal: &sven}).Users {
		got = append(got, u.ID)
	}
	if diff := cmp.Diff([]rbac.UserID{"paula", "pete", "sven"}, got); diff != "" {
		t.Errorf("users under a principal of deq.water (-want +got):\n%s", diff)
	}
	sven.Roles = append(sven.Roles, "no-such-role")
	if s.CoversUserPrincipal(&sven, "paula") || len(s.Users(rbac.UserQuery{CoveredByPrincipal: &sven}).Users) != 0 {
		t.Errorf("a principal the snapshot refuses covers users")
	}
}
