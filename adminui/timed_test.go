package adminui_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// TestTimedAssignmentsShown: the user page lists each timed assignment
// with its window and whether it is running, expired or yet to come; the
// history's change table shows each entry with its window, so extending
// Until shows the old and the new end.
func TestTimedAssignmentsShown(t *testing.T) {
	f := yamlFixture(t, elevationPolicy)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	day := 24 * time.Hour
	u, _ := f.authz.Snapshot().User("bob")
	u.Temporary = []rbac.TimedAssignment{
		{Role: "case_admin", From: now.Add(-2 * day), Until: now.Add(-day)},
		{Role: "reader", From: now.Add(-day), Until: now.Add(day)},
		{Role: "case_admin", From: now.Add(day), Until: now.Add(2 * day)},
	}
	ad := f.authz.Admin("sec")
	if _, err := ad.PutUser(ctx, "cover", u); err != nil {
		t.Fatal(err)
	}
	page := f.get("sec", "/admin/user?id=bob")
	i := strings.Index(page.body, `id="timed"`)
	if i < 0 {
		t.Fatalf("the user page has no timed assignments:\n%s", page.body)
	}
	cell := regexp.MustCompile(`<[^>]+>`)
	var got [][]string
	for _, row := range regexp.MustCompile(`(?s)<tr><td>(.*?)</tr>`).FindAllStringSubmatch(page.body[i:], -1) {
		var cells []string
		for _, c := range strings.Split(row[1], "</td><td>") {
			cells = append(cells, strings.TrimSpace(cell.ReplaceAllString(c, "")))
		}
		got = append(got, cells)
		if len(got) == 3 {
			break
		}
	}
	at := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04 UTC") }
	want := [][]string{
		{"role case_admin", at(-2 * day), at(-day), "Expired"},
		{"role reader", at(-day), at(day), "Running"},
		{"role case_admin", at(day), at(2 * day), "Future"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timed assignments on the user page (-want +got):\n%s", diff)
	}

	// Extending the running one by a week.
	u.Temporary[1].Until = now.Add(8 * day)
	if _, err := ad.PutUser(ctx, "cover extended", u); err != nil {
		t.Fatal(err)
	}
	hist := f.get("sec", "/admin/history")
	old := u.Temporary[1]
	old.Until = now.Add(day)
	for _, s := range []string{"removes <span class=\"loss\">" + old.String(), "adds <span class=\"gain\">" + u.Temporary[1].String()} {
		if !strings.Contains(hist.body, s) {
			t.Errorf("the history does not show %q:\n%s", s, hist.body)
		}
	}
}

// TestConsoleReadsTheAuthorizersClock: on an authorizer whose clock
// (rbac.WithClock) is years behind the wall clock, the console labels a
// timed assignment, a running elevation, a pending proposal and an open
// campaign as the checks, Approve and Attest find them, not by the wall
// clock (by which all have ended).
func TestConsoleReadsTheAuthorizersClock(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := rbac.WithClock(func() time.Time { return now })
	day := 24 * time.Hour
	fixture := func(policy string) *fixture {
		p, err := rbac.LoadPolicy(strings.NewReader(policy))
		if err != nil {
			t.Fatal(err)
		}
		return authzFixture(t, p, []rbac.Option{clock})
	}

	f := fixture(elevationPolicy + "campaigns:\n  - {id: q2, roles: [reader], due: 2020-06-02T00:00:00Z}\n")
	u, _ := f.authz.Snapshot().User("bob")
	u.Temporary = []rbac.TimedAssignment{{Role: "reader", From: now.Add(-day), Until: now.Add(day)}}
	if _, err := f.authz.Admin("sec").PutUser(ctx, "cover", u); err != nil {
		t.Fatal(err)
	}
	if page := f.get("sec", "/admin/user?id=bob"); !strings.Contains(page.body, "Running") || strings.Contains(page.body, "Expired") {
		t.Errorf("bob's cover, running by the authorizer's clock, is not shown running:\n%s", page.body)
	}
	if _, err := f.authz.Admin("cara").Elevate(ctx, "outage", "incident", time.Hour); err != nil {
		t.Fatal(err)
	}
	if page := f.get("cara", "/admin/elevations"); !strings.Contains(page.body, "Running</strong> until "+now.Add(time.Hour).Format("2006-01-02 15:04 UTC")) {
		t.Errorf("cara's elevation, running by the authorizer's clock, is not shown running:\n%s", page.body)
	}
	if page := f.get("sec", "/admin/elevations"); !strings.Contains(page.body, `<strong class="tag red">Open</strong>`) {
		t.Errorf("the audit list does not show cara's elevation open:\n%s", page.body)
	}
	if page := f.get("sec", "/admin/attest"); !strings.Contains(page.body, "Due 2 Jun 2020 00:00:00 UTC.") {
		t.Errorf("campaign q2, due tomorrow by the authorizer's clock, is not shown open:\n%s", page.body)
	}

	inbox := fixture(inboxPolicy)
	prop, err := inbox.authz.Admin("sam").Propose(ctx, "ticket 6", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Groups: []rbac.GroupID{"writers"}}))
	if err != nil {
		t.Fatal(err)
	}
	if page := inbox.get("sue", "/admin/proposals"); !strings.Contains(page.body, `value="`+prop.ID+`"`) {
		t.Errorf("the proposal, pending by the authorizer's clock, is not in the inbox:\n%s", page.body)
	}
}
