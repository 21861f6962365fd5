package adminui_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rolegraph/rbac"
)

// TestRecordOwners: places-manager's task, a GDS Editor changes a
// service's owning organisations; a reader without the bypass is shown the
// owners but offered nothing, and the Admin API refuses what he sends.
func TestRecordOwners(t *testing.T) {
	f := newFixture(t, "places")
	page := f.get("gina_gds_admin", "/admin/records?kind=service")
	if page.status != 200 || !strings.Contains(page.body, "register-offices") || !strings.Contains(page.body, "owners.set") {
		t.Fatalf("records as a GDS editor: %d\n%s", page.status, page.body)
	}
	p := f.post("gina_gds_admin", "/admin/records?kind=service", "/admin/preview", url.Values{"op": {"owners.set"}, "kind": {"service"}, "id": {"student-finance"}, "owners": {"department-for-education, hm-revenue-customs"}})
	if r := f.confirm("gina_gds_admin", p, "joint service"); r.status != 303 {
		t.Fatalf("set owners: %d\n%s", r.status, r.body)
	}
	var got []rbac.OrgSlug
	for _, o := range f.authz.Snapshot().Ownerships("service") {
		if o.ID == "student-finance" {
			got = o.Owners
		}
	}
	if diff := cmp.Diff([]rbac.OrgSlug{"department-for-education", "hm-revenue-customs"}, got); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}

	page = f.get("ivan_reader", "/admin/records?kind=service")
	if page.status != 200 || strings.Contains(page.body, "owners.set") {
		t.Fatalf("records as a reader: %d", page.status)
	}
	rev := f.authz.Snapshot().Revision()
	p = f.post("ivan_reader", "/admin/records", "/admin/preview", url.Values{"op": {"owners.set"}, "kind": {"service"}, "id": {"student-finance"}, "owners": {"hm-revenue-customs"}})
	if p.status == 200 {
		if r := f.confirm("ivan_reader", p, "mine now"); r.status != 403 || !strings.Contains(r.body, "bypass") {
			t.Fatalf("a reader sets owners: %d\n%s", r.status, r.body)
		}
	}
	if f.authz.Snapshot().Revision() != rev {
		t.Fatal("a refused ownership change was written")
	}
}
