package adminui_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

func TestDelegateAddsMemberThroughPreview(t *testing.T) {
	f := newFixture(t, "nviro")
	p := f.post("sven", "/admin/group?id=north_permit_writers", "/admin/preview", url.Values{"op": {"member.add"}, "id": {"north_permit_writers"}, "user": {"nina"}})
	if p.status != 200 || !strings.Contains(p.body, "permit.read@global") {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	r := f.confirm("sven", p, "")
	if r.status != 303 || r.header.Get("Location") != "group?id=north_permit_writers&done=applied-2" {
		t.Fatalf("apply: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	u, _ := f.authz.Snapshot().User("nina")
	if !slices.Contains(u.Groups, rbac.GroupID("north_permit_writers")) {
		t.Fatalf("nina's groups %v", u.Groups)
	}
}

// TestEveryChangeForm drives each change form through its preview and
// confirmation, as a security administrator, and checks the model after.
func TestEveryChangeForm(t *testing.T) {
	f := newFixture(t, "nviro")
	apply := func(page string, form url.Values, reason string) response {
		t.Helper()
		p := f.post("sam", page, "/admin/preview", form)
		if p.status != 200 {
			t.Fatalf("%s preview: %d\n%s", form.Get("op"), p.status, p.body)
		}
		r := f.confirm("sam", p, reason)
		if r.status != 303 {
			t.Fatalf("%s apply: %d\n%s", form.Get("op"), r.status, r.body)
		}
		return p
	}
	snap := func() *rbac.Snapshot { return f.authz.Snapshot() }

	apply("/admin/role-new", url.Values{"op": {"role.create"}, "id": {"reviewer"}, "title": {"Reviewer"}, "account_type": {"internal"}, "grants": {"evaluation.read@workgroup"}}, "new role")
	if r, ok := snap().Role("reviewer"); !ok || r.Title != "Reviewer" || len(r.Grants) != 1 {
		t.Fatalf("created role: %+v", r)
	}
	apply("/admin/role-edit?id=reviewer", url.Values{"op": {"role.update"}, "id": {"reviewer"}, "title": {"Senior reviewer"}, "account_type": {"internal"}, "contains": {"evaluations_manager_mine"}}, "rename")
	if r, _ := snap().Role("reviewer"); r.Title != "Senior reviewer" || len(r.Contains) != 1 || len(r.Grants) != 1 {
		t.Fatalf("changed role: %+v", r)
	}
	apply("/admin/user?id=nina", url.Values{"op": {"user.assign"}, "id": {"nina"}, "role": {"reviewer"}}, "assign")
	if u, _ := snap().User("nina"); !slices.Contains(u.Roles, "reviewer") {
		t.Fatalf("assigned: %+v", u)
	}
	apply("/admin/user?id=nina", url.Values{"op": {"user.unassign"}, "id": {"nina"}, "role": {"reviewer"}}, "unassign")
	if u, _ := snap().User("nina"); slices.Contains(u.Roles, "reviewer") {
		t.Fatalf("unassigned: %+v", u)
	}
	apply("/admin/role?id=reviewer", url.Values{"op": {"role.delete"}, "id": {"reviewer"}}, "not needed")
	if _, ok := snap().Role("reviewer"); ok {
		t.Fatal("the role was not deleted")
	}
	apply("/admin/group-new", url.Values{"op": {"group.create"}, "id": {"air_team"}, "name": {"Air team"}, "account_type": {"internal"}}, "new group")
	apply("/admin/group?id=air_team", url.Values{"op": {"group.addrole"}, "id": {"air_team"}, "role": {"compliance"}}, "role")
	apply("/admin/group?id=air_team", url.Values{"op": {"group.addmanager"}, "id": {"air_team"}, "user": {"carla"}}, "manager")
	apply("/admin/user?id=nina", url.Values{"op": {"member.add"}, "id": {"air_team"}, "user": {"nina"}, "back": {"user"}}, "join")
	if g, _ := snap().Group("air_team"); !slices.Contains(g.Roles, "compliance") || !slices.Contains(g.Managers, "carla") {
		t.Fatalf("group: %+v", g)
	}
	p := apply("/admin/group?id=air_team", url.Values{"op": {"group.delete"}, "id": {"air_team"}}, "wound up")
	if !strings.Contains(p.body, "Members who lose this group") || !strings.Contains(p.body, "nina") {
		t.Fatalf("the delete preview does not say who loses the group:\n%s", p.body)
	}
	if u, _ := snap().User("nina"); slices.Contains(u.Groups, "air_team") {
		t.Fatal("a deleted group stayed on its member")
	}
	// Revert the deletion from the history: the group and the membership
	// come back.
	rev := snap().Revision()
	apply("/admin/history", url.Values{"op": {"revert"}, "rev_to_revert": {strconv.FormatUint(uint64(rev), 10)}}, "deleted by mistake")
	if _, ok := snap().Group("air_team"); !ok {
		t.Fatal("the revert did not restore the group")
	}
	if u, _ := snap().User("nina"); !slices.Contains(u.Groups, "air_team") {
		t.Fatal("the revert did not restore the membership")
	}
	h := f.get("sam", "/admin/history?actor=sam&kind=group&entity=air_team")
	if h.status != 200 || !strings.Contains(h.body, "deleted by mistake") || !strings.Contains(h.body, "wound up") {
		t.Fatalf("history filtered by actor and entity:\n%s", h.body)
	}
	if h := f.get("sam", "/admin/history?actor=nobody"); !strings.Contains(h.body, "No change matches") {
		t.Fatal("history filter by actor")
	}
	if h := f.get("sam", "/admin/history?from=2001-01-01&to=2001-01-02"); !strings.Contains(h.body, "No change matches") {
		t.Fatal("history filter by time")
	}
	if h := f.get("sam", "/admin/history?from=yesterday"); h.status != 400 {
		t.Fatalf("a bad date: %d", h.status)
	}
	apply("/admin/group?id=air_team", url.Values{"op": {"member.remove"}, "id": {"air_team"}, "user": {"nina"}}, "leave")
	apply("/admin/group?id=air_team", url.Values{"op": {"group.removemanager"}, "id": {"air_team"}, "user": {"carla"}}, "no manager")
	apply("/admin/group?id=air_team", url.Values{"op": {"group.removerole"}, "id": {"air_team"}, "role": {"compliance"}}, "no role")
	if g, _ := snap().Group("air_team"); len(g.Roles)+len(g.Managers) != 0 || len(snap().MembersOf("air_team")) != 0 {
		t.Fatalf("group after removals: %+v", g)
	}
}

// TestReviewCSV: the access review downloads with every holder, and cells
// that a spreadsheet would run as formulas are defused.
func TestReviewCSV(t *testing.T) {
	f := newFixture(t, "iyss")
	r := f.get("iris_admin", "/admin/review.csv")
	if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %s", r.status, r.header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(r.body), "\n")
	if lines[0] != "permission,title,section,sensitive,deprecated,user,scope" {
		t.Fatalf("header %q", lines[0])
	}
	if !strings.Contains(r.body, "bulk_update.lead_worker,") || !strings.Contains(r.body, ",tariq_manager,global") {
		t.Fatalf("csv lacks the bulk update holders:\n%s", r.body)
	}
	w := f.get("iris_admin", "/admin/review?permission=client_merge.merge")
	table, _, _ := strings.Cut(w.body[strings.Index(w.body, "<caption>")+1:], "</table>")
	if !strings.Contains(table, "yara_sysadmin_yj") || strings.Contains(table, "simon_sysadmin") {
		t.Fatalf("who can merge clients (simon lacks the prerequisite):\n%s", w.body)
	}
}

// TestHistoryPages: the history is read newest first, a page at a time,
// and following "Older changes" reaches every change set once.
func TestHistoryPages(t *testing.T) {
	f := newFixture(t, "nviro")
	ad := f.authz.Admin(rbac.System)
	for i := 0; i < 60; i++ {
		var err error
		if i%2 == 0 {
			_, err = ad.AssignRole(t.Context(), "churn", "nina", "permitting")
		} else {
			_, err = ad.UnassignRole(t.Context(), "churn", "nina", "permitting")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	f.authz.Sync(t.Context())
	last := f.authz.Snapshot().Revision()
	revLink := regexp.MustCompile(`<h2 id="rev-(\d+)">`)
	older := regexp.MustCompile(`before=(\d+)" rel="next"`)
	seen := map[string]bool{}
	page := "/admin/history"
	for pages := 0; page != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		body := f.get("sam", page).body
		for _, m := range revLink.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("revision %s shown twice", m[1])
			}
			seen[m[1]] = true
		}
		page = ""
		if m := older.FindStringSubmatch(body); m != nil {
			page = "/admin/history?before=" + m[1]
		}
	}
	if len(seen) != int(last) {
		t.Fatalf("saw %d change sets, want %d", len(seen), last)
	}
	// A filter that matches only the import still finds it, far back.
	body := f.get("sam", "/admin/history?kind=workgroup").body
	if !strings.Contains(body, `id="rev-1"`) {
		t.Fatal("a filtered history does not reach back to the first revision")
	}
}

// TestHistoryShowsPartOfALargeSet: the import is shown by its first
// matching changes, with how many more match, with or without a filter;
// after Prune the last page says how far the log was pruned.
func TestHistoryShowsPartOfALargeSet(t *testing.T) {
	f := newFixture(t, "nviro")
	ad := f.authz.Admin(rbac.System)
	details := regexp.MustCompile(`<details>`)
	for _, kind := range []rbac.EntityKind{"", rbac.EntityUser, rbac.EntityRole} {
		logged, err := ad.History(t.Context(), rbac.HistoryQuery{Kind: kind, Before: 2})
		if err != nil || len(logged) != 1 {
			t.Fatalf("the import's %q changes: %v", kind, err)
		}
		n := len(logged[0].Changes)
		if kind == "" && n <= 25 {
			t.Fatalf("the import has %d changes; the test needs more than a page's 25", n)
		}
		body := f.get("sam", "/admin/history?before=2&kind="+string(kind)).body
		if got := len(details.FindAllString(body, -1)); got != min(n, 25) {
			t.Errorf("kind %q: %d changes shown, want %d of %d", kind, got, min(n, 25), n)
		}
		more := fmt.Sprintf("and %d more changes in this revision", n-25)
		if n > 25 != strings.Contains(body, more) {
			t.Errorf("kind %q, %d changes: %q shown is %v", kind, n, more, !(n > 25))
		}
	}
	if _, err := ad.AssignRole(t.Context(), "", "nina", "permitting"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Prune(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	f.authz.Sync(t.Context())
	body := f.get("sam", "/admin/history").body
	if strings.Contains(body, `id="rev-1"`) || !strings.Contains(body, `id="rev-2"`) || !strings.Contains(body, "up to revision 1 were pruned") {
		t.Errorf("history after Prune(1):\n%s", body)
	}
}
