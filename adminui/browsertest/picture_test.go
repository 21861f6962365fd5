package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/rolegraph/rbac"
)

// pictureLabels: a role in the middle of long ids of the widest
// characters an id may hold, one longer than a label may be.
const pictureLabels = `
roles:
  - {id: admin, grants: [rbac.roles.manage]}
  - {id: WWWWWWWWWWWWWWWWWWWW@MMMMMMMMMMMMMMMMMMMMmmmmmww, contains: [sn_gsm.constituent_writer]}
  - {id: sn_customerservice.case_manager_supervisor_admin, contains: [sn_gsm.constituent_writer]}
  - {id: sn_gsm.constituent_writer, contains: [sn_gsm.constituent_viewer_with_a_very_long_name_indeed, x]}
  - {id: sn_gsm.constituent_viewer_with_a_very_long_name_indeed}
  - {id: x}
users:
  - {id: ada, roles: [admin]}
`

// TestPictureLabelsFit: every label of the containment picture lies inside
// its box, as the browser measures it.
func TestPictureLabelsFit(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader(pictureLabels))
	if err != nil {
		t.Fatal(err)
	}
	s := newSessionOf(t, p)
	s.signIn("ada")
	s.run("open the role", chromedp.Navigate(s.base+"/admin/role?id=sn_gsm.constituent_writer"), chromedp.WaitVisible(chromedp.CSS("figure.picture svg")))
	s.shot("picture")
	type label struct {
		Text       string
		TextLeft   float64
		TextRight  float64
		BoxLeft    float64
		BoxRight   float64
		Overflowed bool
	}
	labels := value(s, "measure the labels", chromedp.Evaluate[[]label](`[...document.querySelectorAll("figure.picture text")].map(t => {
		const r = t.parentNode.querySelector("rect").getBBox(), b = t.getBBox();
		return {Text: t.textContent, TextLeft: b.x, TextRight: b.x + b.width, BoxLeft: r.x, BoxRight: r.x + r.width,
			Overflowed: b.x < r.x + 4 || b.x + b.width > r.x + r.width - 4};
	})`))
	if len(labels) != 5 {
		t.Fatalf("want 5 labels (two containers, the role, two contained), got %d: %+v", len(labels), labels)
	}
	for _, l := range labels {
		if l.Overflowed {
			t.Errorf("label %q spans %.0f–%.0f, its box %.0f–%.0f", l.Text, l.TextLeft, l.TextRight, l.BoxLeft, l.BoxRight)
		}
		if strings.HasSuffix(l.Text, "…") && !strings.HasPrefix(l.Text, "sn_gsm.constituent_viewer") {
			t.Errorf("label %q is cut short though its id fits the limit", l.Text)
		}
	}
}
