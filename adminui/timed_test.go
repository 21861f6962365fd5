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
