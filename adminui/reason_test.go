package adminui_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rolegraph/rbac/adminui"
)

const reasonPolicy = `
permissions:
  - {name: case.read}
  - {name: client.merge, sensitive: system administrators only}
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, rbac.sensitive.grant, rbac.escalate]}
  - {id: reader, grants: [case.read]}
  - {id: merger, grants: [client.merge]}
users:
  - {id: sam, roles: [admin]}
  - {id: petra}
`

func reasonFixture(t *testing.T, requireReason bool) *fixture {
	return yamlFixture(t, reasonPolicy, func(o *adminui.Options) { o.RequireReason = requireReason })
}

// A reason is required for every change with Options.RequireReason, and
// always for a change that gives a sensitive permission and for a revert.
// A change refused for want of one writes nothing and says why; with a
// reason the same change is saved.
func TestReasonRequired(t *testing.T) {
	assign := func(role string) url.Values {
		return url.Values{"op": {"user.assign"}, "id": {"petra"}, "role": {role}}
	}
	for _, tc := range []struct {
		reason        string
		requireReason bool
		form          func(f *fixture) url.Values
		need          string // "" when no reason is needed
	}{
		{"an ordinary change, reasons optional", false, func(*fixture) url.Values { return assign("reader") }, ""},
		{"an ordinary change, RequireReason", true, func(*fixture) url.Values { return assign("reader") }, "every change is recorded with its reason"},
		{"a sensitive permission given", false, func(*fixture) url.Values { return assign("merger") }, "a sensitive permission is involved"},
		{"a revert", false, func(f *fixture) url.Values {
			rev, err := f.authz.Admin("sam").AssignRole(context.Background(), "first", "petra", "reader")
			if err != nil {
				f.t.Fatal(err)
			}
			return url.Values{"op": {"revert"}, "rev_to_revert": {strconv.FormatUint(uint64(rev), 10)}}
		}, "a revert says why the change is undone"},
	} {
		f := reasonFixture(t, tc.requireReason)
		p := f.post("sam", "/admin/users", "/admin/preview", tc.form(f))
		if p.status != 200 {
			t.Fatalf("%s: preview %d\n%s", tc.reason, p.status, p.body)
		}
		label := "(recorded in the history)"
		if tc.need != "" {
			label = "(required: " + tc.need + ")"
		}
		if !strings.Contains(p.body, label) || strings.Contains(p.body, `aria-required="true"`) != (tc.need != "") {
			t.Errorf("%s: the preview's reason field does not say %q:\n%s", tc.reason, label, p.body)
		}
		before := f.authz.Snapshot().Revision()
		r := f.confirm("sam", p, "  ")
		if tc.need == "" {
			if r.status != 303 {
				t.Errorf("%s: without a reason: %d, want 303\n%s", tc.reason, r.status, r.body)
			}
			continue
		}
		if r.status != 422 || !strings.Contains(r.body, "Give a reason for the change: "+tc.need+".") {
			t.Errorf("%s: without a reason: %d, want 422 saying why\n%s", tc.reason, r.status, r.body)
		}
		if got := f.authz.Snapshot().Revision(); got != before {
			t.Errorf("%s: refused, yet the model moved from revision %d to %d", tc.reason, before, got)
		}
		if r = f.confirm("sam", r, "audit 2026-12"); r.status != 303 {
			t.Errorf("%s: with a reason: %d, want 303\n%s", tc.reason, r.status, r.body)
		}
	}
}
