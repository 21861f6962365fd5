package adminui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// attestPolicy: a campaign reviewing the permitting group and the
// inspector role. mia manages the group; uma manages users.
const attestPolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: permit.write}
  - {name: inspect}
roles:
  - {id: user_manager, grants: [rbac.users.manage, permit.write, inspect]}
  - {id: permit_writer, grants: [permit.write]}
  - {id: inspector, grants: [inspect]}
groups:
  - {id: permitting, name: Permitting, account_type: internal, roles: [permit_writer], managers: [mia]}
users:
  - {id: uma, account_type: internal, roles: [user_manager]}
  - {id: mia, account_type: internal}
  - {id: pat, account_type: internal, groups: [permitting]}
  - {id: ron, account_type: internal, roles: [inspector]}
  - {id: sal, account_type: internal, roles: [inspector], groups: [permitting]}
campaigns:
  - {id: q1, groups: [permitting], roles: [inspector], due: 2099-03-31T00:00:00Z}
`

// TestReviewerPageListsWhatTheActorReviews: a group's manager sees his
// group's members (not sal, whose role needs a user manager); a user
// manager sees everyone under review; both see the due date.
func TestReviewerPageListsWhatTheActorReviews(t *testing.T) {
	f := yamlFixture(t, attestPolicy)
	tests := []struct {
		reason      string
		actor       string
		want, never []string
	}{
		{"a group manager reviews his group's members", "mia",
			[]string{`id="attest-q1-pat"`, "group permitting", "Due 31 Mar 2099", `value="keep"`, `value="remove"`},
			[]string{`id="attest-q1-sal"`, `id="attest-q1-ron"`}},
		{"a user manager reviews memberships and roles", "uma",
			[]string{`id="attest-q1-pat"`, `id="attest-q1-ron"`, `id="attest-q1-sal"`, "role inspector, group permitting"}, nil},
	}
	for _, tt := range tests {
		page := f.get(tt.actor, "/admin/attest")
		if page.status != 200 {
			t.Fatalf("%s: status %d\n%s", tt.reason, page.status, page.body)
		}
		for _, w := range tt.want {
			if !strings.Contains(page.body, w) {
				t.Errorf("%s: the page does not show %q:\n%s", tt.reason, w, page.body)
			}
		}
		for _, n := range tt.never {
			if strings.Contains(page.body, n) {
				t.Errorf("%s: the page shows %q", tt.reason, n)
			}
		}
	}
}

// TestReviewerAttests: the keep button records an attestation by the
// actor, shown on the page; a decision the Admin API refuses (mia on sal)
// is shown with its words and nothing is recorded; a form without its
// token records nothing.
func TestReviewerAttests(t *testing.T) {
	f := yamlFixture(t, attestPolicy)
	ok := f.post("mia", "/admin/attest", "/admin/attest", url.Values{"campaign": {"q1"}, "user": {"pat"}, "decision": {"keep"}})
	if ok.status != 303 || ok.header.Get("Location") != "attest" {
		t.Fatalf("mia keeps pat: %d to %q (want 303 to the relative \"attest\", which keeps the host's prefix)\n%s", ok.status, ok.header.Get("Location"), ok.body)
	}
	if page := f.get("mia", "/admin/attest"); !strings.Contains(page.body, "keep by mia") {
		t.Errorf("the page does not show mia's decision:\n%s", page.body)
	}
	refused := f.post("mia", "/admin/attest", "/admin/attest", url.Values{"campaign": {"q1"}, "user": {"sal"}, "decision": {"remove"}})
	if refused.status != 403 || !strings.Contains(refused.body, "needs a user manager covering the user") {
		t.Errorf("mia on sal: %d\n%s", refused.status, refused.body)
	}
	forged := f.do("mia", "POST", "/admin/attest", url.Values{"campaign": {"q1"}, "user": {"pat"}, "decision": {"remove"}})
	if forged.status != 403 {
		t.Errorf("a form without a token: %d", forged.status)
	}
	rows, err := f.authz.Admin(rbac.System).CampaignReport(context.Background(), "q1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.User)+":"+r.Decision+":"+string(r.By))
	}
	want := []string{"pat:keep:mia", "ron:pending:", "sal:pending:", "sal:pending:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attestations (-want +got):\n%s", diff)
	}
}
