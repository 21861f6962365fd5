package rbac_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// TestCampaignToReview: each reviewer's list is what Attest would accept
// from him, with the decisions so far.
func TestCampaignToReview(t *testing.T) {
	ctx := context.Background()
	now := campaignDue.Add(-time.Hour)
	a, _ := newAuthorizer(t, campaignPolicy, rbac.WithClock(func() time.Time { return now }))
	if err := a.Admin("mia").Attest(ctx, "2027-q1", "pat", true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reason string
		actor  rbac.UserID
		want   []string // user/access/decision
	}{
		{"the group's manager reviews its members, not sal whose inspector role needs a user manager", "mia",
			[]string{"pat/permitting/keep", "quinn/permitting/pending"}},
		{"a user manager covering everyone reviews all", "uma",
			[]string{"pat/permitting/keep", "quinn/permitting/pending", "ron/inspector/pending", "sal/inspector/pending", "sal/permitting/pending"}},
		{"a member reviews nothing", "pat", nil},
	}
	for _, tt := range tests {
		rows, err := a.Admin(tt.actor).CampaignToReview(ctx, "2027-q1")
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, string(r.User)+"/"+string(r.Group)+string(r.Role)+"/"+r.Decision)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
		}
	}
	if _, err := a.Admin("mia").CampaignToReview(ctx, "nope"); !errors.Is(err, rbac.ErrNotFound) {
		t.Errorf("unknown campaign: got %v, want ErrNotFound", err)
	}
}
