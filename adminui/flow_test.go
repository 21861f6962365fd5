package adminui_test

import (
	"net/url"
	"slices"
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
