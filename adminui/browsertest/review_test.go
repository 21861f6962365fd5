package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/rolegraph/rbac"
)

// reviewPolicy: changes to the writers group need a second person
// (approvals), and a campaign reviews the writers' memberships, which
// their manager mia attests.
const reviewPolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: case.write}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, case.write]}
  - {id: case_writer, grants: [case.write]}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer], managers: [mia]}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: sue, account_type: internal, roles: [security_admin]}
  - {id: mia, account_type: internal}
  - {id: int1, account_type: internal}
  - {id: pat, account_type: internal, groups: [writers]}
  - {id: quinn, account_type: internal, groups: [writers]}
approvals:
  - {name: writers-group, groups: [writers]}
campaigns:
  - {id: q1, groups: [writers], due: 2099-03-31T00:00:00Z}
`

func reviewSession(t *testing.T) *session {
	t.Helper()
	p, err := rbac.LoadPolicy(strings.NewReader(reviewPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return newSessionOf(t, p)
}

// TestProposalApprovedByASecondAdministrator: sam's direct change to the
// writers group is refused as needing approval; he proposes it; in the
// Proposals inbox his own approval is refused, and sue's applies it.
func TestProposalApprovedByASecondAdministrator(t *testing.T) {
	s := reviewSession(t)
	// The console applies directly, so the approval rule refuses there;
	// the proposal itself is made through the Admin API (the console has
	// no propose button).
	s.signIn("sam")
	s.run("open writers", chromedp.Navigate(s.base+"/admin/group?id=writers"), chromedp.WaitVisible(chromedp.CSS("h1")))
	s.run("add int1", chromedp.SendKeys(chromedp.CSS("#add-member"), "int1"), clickAndWait(`form input[value="member.add"] ~ button`))
	if !strings.Contains(s.text("main"), "There is a problem") {
		s.run("confirm int1", clickAndWait(`form[action="apply"] button[type="submit"]`))
	}
	s.mustSee("main", "needs approval by a second person")
	s.shot("direct-refused")
	prop, err := s.authz.Admin("sam").Propose(context.Background(), "ticket 5", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Groups: []rbac.GroupID{"writers"}}))
	if err != nil {
		t.Fatal(err)
	}
	s.run("open the inbox", clickAndWait(`nav a[href="proposals"]`))
	s.mustSee("main", "Proposed by sam")
	s.mustSee("main", "ticket 5")
	s.run("sam approves his own", clickAndWait(`button[value="approve"]`))
	s.mustSee(".error-summary", "needs a second person")
	s.shot("own-approval-refused")

	s.signIn("sue")
	s.run("open the inbox", clickAndWait(`nav a[href="proposals"]`))
	s.mustSee("main", "Proposed by sam")
	s.shot("inbox")
	s.run("sue approves", chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), "checked the ticket"), clickAndWait(`button[value="approve"]`))
	s.mustSee(".notice", "Change saved")
	s.mustSee("main", "No proposal is waiting")
	s.shot("approved")
	if u, _ := s.authz.Snapshot().User("int1"); !contains(u.Groups, "writers") {
		t.Fatalf("int1's groups after sue's approval of %s: %v", prop.ID, u.Groups)
	}
}

// TestManagerAttestsHisGroup: mia, the writers' manager, keeps pat and
// removes quinn on the Reviews page; the page shows her decisions and
// the store records them.
func TestManagerAttestsHisGroup(t *testing.T) {
	s := reviewSession(t)
	s.signIn("mia")
	s.run("open reviews", clickAndWait(`nav a[href="attest"]`))
	s.mustSee("h1", "Reviews")
	s.mustSee("main", "Due 31 Mar 2099")
	s.mustSee("#attest-q1-pat", "pending")
	s.shot("reviews")
	s.run("keep pat", clickAndWait(`#attest-q1-pat button[value="keep"]`))
	s.run("remove quinn", clickAndWait(`#attest-q1-quinn button[value="remove"]`))
	s.mustSee("#attest-q1-pat .decision", "keep by mia")
	s.mustSee("#attest-q1-quinn .decision", "remove by mia")
	s.shot("attested")
	rows, err := s.authz.Admin(rbac.System).CampaignReport(context.Background(), "q1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.User)+":"+r.Decision+":"+string(r.By))
	}
	if want := "pat:keep:mia quinn:remove:mia"; strings.Join(got, " ") != want {
		t.Fatalf("the campaign's report: got %q, want %q", strings.Join(got, " "), want)
	}
}
