package adminui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
)

// TestHistoryShowsProposerAndApprover: a change set made by approving a
// proposal names both people (four eyes).
func TestHistoryShowsProposerAndApprover(t *testing.T) {
	f := newFixture(t, "nviro")
	paula, _ := f.authz.Snapshot().User("paula")
	paula.Name = "Paula P."
	if _, err := f.authz.Apply(context.Background(), rbac.ChangeSet{Actor: "sam", ProposedBy: "sven", Reason: "ticket 9 (approved: ok)", Changes: []rbac.Change{rbac.PutUser(paula)}}); err != nil {
		t.Fatal(err)
	}
	h := f.get("sam", "/admin/history?entity=paula")
	if !strings.Contains(h.body, "by <strong>sam</strong>, approving the proposal of <strong>sven</strong>") {
		t.Errorf("history does not name the approver and the proposer:\n%s", h.body)
	}
}
