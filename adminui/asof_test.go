package adminui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReviewAsOf: the access review's "as of" field answers who held a
// permission then, not now; a time before pruned history says so; the
// field needs rbac.audit.read like the review itself.
func TestReviewAsOf(t *testing.T) {
	f := yamlFixture(t, elevationPolicy)
	ctx := context.Background()
	before := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	u, _ := f.authz.Snapshot().User("bob")
	u.Roles = append(u.Roles, "case_admin")
	rev, err := f.authz.Admin("sec").PutUser(ctx, "bob covers", u)
	if err != nil {
		t.Fatal(err)
	}
	holder := `<a href="user?id=bob">bob</a>`
	if now := f.get("sec", "/admin/review?permission=case.admin"); !strings.Contains(now.body, holder) {
		t.Fatalf("bob is not among today's holders of case.admin:\n%s", now.body)
	}
	then := f.get("sec", "/admin/review?permission=case.admin&at="+url.QueryEscape(before.Format(time.RFC3339Nano)))
	if then.status != http.StatusOK || strings.Contains(then.body, holder) || !strings.Contains(then.body, `<a href="user?id=sec">sec</a>`) {
		t.Errorf("as of before bob's role: %d, want 200 with sec and without bob:\n%s", then.status, then.body)
	}
	if bad := f.get("sec", "/admin/review?at=yesterday"); bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "for example 2026-03-01T09:00") {
		t.Errorf("as of an unreadable time: %d:\n%s", bad.status, bad.body)
	}
	if err := f.store.Prune(ctx, rev); err != nil {
		t.Fatal(err)
	}
	pruned := f.get("sec", "/admin/review?at="+url.QueryEscape(before.Format(time.RFC3339Nano)))
	if pruned.status != http.StatusBadRequest || !strings.Contains(pruned.body, "no longer reaches back") {
		t.Errorf("as of before pruned history: %d, want 400 saying so:\n%s", pruned.status, pruned.body)
	}
	if got := f.get("rita", "/admin/review?at=2026-01-01"); got.status != http.StatusForbidden {
		t.Errorf("rita (no rbac.audit.read): %d, want 403", got.status)
	}
}
