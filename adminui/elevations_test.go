package adminui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// elevationPolicy: cara may invoke the incident elevation (case_admin for
// at most 4h) and has no administration rights; sec reads the audit; bob
// may do neither.
const elevationPolicy = `
roles:
  - {id: caseworker, grants: [case.read, case.break_glass]}
  - {id: case_admin, grants: [case.admin]}
  - {id: security_admin, contains: [case_admin], grants: ["rbac.roles.manage@all", "rbac.users.manage@all", "rbac.audit.read@all"]}
  - {id: reader, grants: ["rbac.roles.manage@all"]}
users:
  - {id: sec, roles: [security_admin]}
  - {id: cara, roles: [caseworker]}
  - {id: rita, roles: [reader]}
  - {id: bob}
elevations:
  - {id: incident, title: Incident response, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}
`

func holds(f *fixture, u rbac.UserID, p rbac.Permission) bool {
	return f.authz.Snapshot().Check(rbac.Request{User: u, Permission: p}).Allowed
}

// TestBreakGlassFlow: an actor with no administration rights who holds
// the elevation's Invoke permission opens the page, is refused without a
// reason or past MaxDuration, invokes it (and then holds its roles), ends
// it early; the audit reader sees both uses' reasons; who may not invoke
// it is offered nothing and refused.
func TestBreakGlassFlow(t *testing.T) {
	f := yamlFixture(t, elevationPolicy)
	page := f.get("cara", "/admin/elevations")
	if page.status != http.StatusOK || !strings.Contains(page.body, `action="elevate"`) || !strings.Contains(page.body, "Incident response") {
		t.Fatalf("cara's elevations page: %d, want 200 with the incident form:\n%s", page.status, page.body)
	}
	if home := f.get("cara", "/admin/"); home.status != http.StatusOK || !strings.Contains(home.body, `action="elevate"`) {
		t.Errorf("cara's home: %d, want the elevations page", home.status)
	}
	for _, tc := range []struct {
		form   url.Values
		status int
		says   string
		reason string
	}{
		{url.Values{"op": {"start"}, "id": {"incident"}, "duration": {"1h"}}, 400, "Give a reason", "a reason is required"},
		{url.Values{"op": {"start"}, "id": {"incident"}, "duration": {"5h"}, "reason": {"outage"}}, 400, "max_duration 4h", "longer than MaxDuration"},
		{url.Values{"op": {"start"}, "id": {"incident"}, "duration": {"soon"}, "reason": {"outage"}}, 400, "for example 1h", "a duration that is not one"},
	} {
		got := f.post("cara", "/admin/elevations", "/admin/elevate", tc.form)
		if got.status != tc.status || !strings.Contains(got.body, tc.says) {
			t.Errorf("%s: %d, want %d saying %q:\n%s", tc.reason, got.status, tc.status, tc.says, got.body)
		}
	}
	if holds(f, "cara", "case.admin") {
		t.Fatal("cara holds case.admin after refused elevations")
	}
	got := f.post("cara", "/admin/elevations", "/admin/elevate", url.Values{"op": {"start"}, "id": {"incident"}, "duration": {"1h"}, "reason": {"database outage INC-7"}})
	if got.status != http.StatusSeeOther || got.header.Get("Location") != "elevations" {
		t.Fatalf("invoking: %d to %q, want 303 to the relative \"elevations\", which keeps the host's prefix:\n%s", got.status, got.header.Get("Location"), got.body)
	}
	if !holds(f, "cara", "case.admin") {
		t.Fatal("cara does not hold case.admin after invoking the elevation")
	}
	if page := f.get("cara", "/admin/elevations"); !strings.Contains(page.body, "End early") {
		t.Errorf("cara's page offers no early end while the elevation runs:\n%s", page.body)
	}
	if audit := f.get("sec", "/admin/elevations"); !strings.Contains(audit.body, "database outage INC-7") || !strings.Contains(audit.body, ">Open<") {
		t.Errorf("the audit reader does not see the open elevation with its reason:\n%s", audit.body)
	}
	got = f.post("cara", "/admin/elevations", "/admin/elevate", url.Values{"op": {"end"}, "id": {"incident"}, "reason": {"fixed"}})
	if got.status != http.StatusSeeOther || holds(f, "cara", "case.admin") {
		t.Fatalf("ending early: %d, case.admin still held: %v:\n%s", got.status, holds(f, "cara", "case.admin"), got.body)
	}
	if audit := f.get("sec", "/admin/elevations"); !strings.Contains(audit.body, "database outage INC-7") || !strings.Contains(audit.body, "Ended early") || !strings.Contains(audit.body, ": fixed") {
		t.Errorf("the audit reader does not see the closed elevation with both reasons:\n%s", audit.body)
	}
	// rita reads the model but may not invoke: nothing offered, a post refused.
	if page := f.get("rita", "/admin/elevations"); page.status != http.StatusOK || strings.Contains(page.body, `action="elevate"`) || strings.Contains(page.body, `id="uses"`) {
		t.Errorf("rita's elevations page: %d, offers a form or the audit list:\n%s", page.status, page.body)
	}
	if got := f.post("rita", "/admin/role?id=case_admin", "/admin/elevate", url.Values{"op": {"start"}, "id": {"incident"}, "duration": {"1h"}, "reason": {"x"}}); got.status != http.StatusForbidden {
		t.Errorf("rita invoking: %d, want 403", got.status)
	}
	if got := f.get("bob", "/admin/elevations"); got.status != http.StatusForbidden {
		t.Errorf("bob (no rights, no elevation): %d, want 403", got.status)
	}
	recs, err := f.authz.Admin("sec").Elevations(context.Background())
	if err != nil || len(recs) != 1 || recs[0].Reason != "database outage INC-7" || recs[0].EndedReason != "fixed" {
		t.Errorf("Elevations: %+v, %v; want one, ended early", recs, err)
	}
}
