package adminui_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
)

// principalFixture serves a console over the authorizer of stored (the
// nVIRO seed's when nil) with its actors given as principals: the header
// X-Test-User names one of principals, as if the host had verified a token
// carrying those fields.
func principalFixture(t *testing.T, stored *fixture, principals map[string]rbac.User) *fixture {
	t.Helper()
	if stored == nil {
		stored = newFixture(t, "nviro")
	}
	console := adminui.New(stored.authz, adminui.Options{Principal: func(r *http.Request) (*rbac.User, error) {
		p, ok := principals[r.Header.Get("X-Test-User")]
		if !ok {
			return nil, errors.New("no valid token")
		}
		return &p, nil
	}, Title: "Test administration"})
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", console))
	return &fixture{t: t, authz: stored.authz, store: stored.store, h: mux}
}

// TestPrincipalSeesWhatTheStoredUserSees: every page, for a principal
// with the fields of a stored administrator, answers as it does for the
// stored user (form tokens aside): a security administrator, a narrow role
// editor, an agency user manager (workgroup scope), a group manager and a
// user without rights.
func TestPrincipalSeesWhatTheStoredUserSees(t *testing.T) {
	stored := newFixture(t, "nviro")
	principals := map[string]rbac.User{}
	for _, id := range []rbac.UserID{"sam", "rolf", "wendy", "sven", "nina"} {
		u, ok := stored.authz.Snapshot().User(id)
		if !ok {
			t.Fatalf("no stored %s", id)
		}
		principals[string(id)] = u
	}
	tokens := principalFixture(t, stored, principals) // the same model, the same history
	pages := []string{"/admin/", "/admin/roles", "/admin/role?id=permitting", "/admin/groups", "/admin/group?id=north_permit_writers",
		"/admin/users", "/admin/users?q=p", "/admin/user?id=nina", "/admin/user?id=carla", "/admin/permissions", "/admin/history", "/admin/review"}
	for id := range principals {
		for _, page := range pages {
			want, got := stored.get(id, page), tokens.get(id, page)
			if want.status != got.status {
				t.Errorf("%s %s: status %d as a stored user, %d as a principal", id, page, want.status, got.status)
				continue
			}
			if diff := cmp.Diff(csrfField.ReplaceAllString(want.body, ""), csrfField.ReplaceAllString(got.body, "")); diff != "" {
				t.Errorf("%s %s: stored (-) and principal (+) pages differ:\n%s", id, page, diff)
			}
		}
	}
}

func TestPrincipalAdministratorChangesAndIsAudited(t *testing.T) {
	f := principalFixture(t, nil, map[string]rbac.User{
		"pat":     {ID: "pat", AccountType: "internal", Roles: []rbac.RoleID{"console.security_admin"}},
		"typo":    {ID: "typo", AccountType: "internal", Roles: []rbac.RoleID{"console.security_admn"}},
		"closed":  {ID: "closed", AccountType: "external", Roles: []rbac.RoleID{"console.security_admin"}},
		"retired": {ID: "retired", AccountType: "internal", Roles: []rbac.RoleID{"console.security_admin"}, Disabled: true},
		"wanda":   {ID: "wanda", AccountType: "internal", Roles: []rbac.RoleID{"console.water_user_manager"}, Workgroups: []rbac.WorkgroupID{"deq.water"}},
	})
	for _, tt := range []struct {
		reason, actor string
		want          int
	}{
		{"no token", "", 401},
		{"a token the host refuses", "mallory", 401},
		{"an unknown role in the token", "typo", 403},
		{"a role closed to the token's account type", "closed", 403},
		{"a disabled principal", "retired", 403},
		{"a principal administrator", "pat", 200},
	} {
		if got := f.get(tt.actor, "/admin/roles").status; got != tt.want {
			t.Errorf("%s: %d, want %d", tt.reason, got, tt.want)
		}
	}
	p := f.post("pat", "/admin/user?id=nina", "/admin/preview", url.Values{"op": {"user.assign"}, "id": {"nina"}, "role": {"permitting"}})
	if p.status != 200 {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	if r := f.confirm("pat", p, "ticket 12"); r.status != 303 {
		t.Fatalf("apply: %d\n%s", r.status, r.body)
	}
	if u, _ := f.authz.Snapshot().User("nina"); !slices.Contains(u.Roles, "permitting") {
		t.Fatalf("nina: %+v", u)
	}
	sets, err := f.authz.Admin(rbac.System).History(context.Background(), rbac.HistoryQuery{Kind: rbac.EntityUser, Key: "nina"})
	if err != nil {
		t.Fatal(err)
	}
	if last := sets[len(sets)-1]; last.Actor != "pat" || last.Reason != "ticket 12" {
		t.Fatalf("audited as %q, %q", last.Actor, last.Reason)
	}
	// An agency manager from a token administers the users under its
	// workgroups only, as the rules judge it.
	p = f.post("wanda", "/admin/user?id=nina", "/admin/preview", url.Values{"op": {"user.unassign"}, "id": {"nina"}, "role": {"permitting"}})
	if r := f.confirm("wanda", p, "moved on"); r.status != 303 {
		t.Fatalf("agency apply: %d\n%s", r.status, r.body)
	}
	if r := f.get("wanda", "/admin/user?id=carla"); r.status != 403 {
		t.Errorf("a user outside the principal's workgroups: %d", r.status)
	}
}
