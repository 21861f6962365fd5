package rbac_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// campaignPolicy: a quarterly review of the permitting group and the
// inspector role. mia manages the group; uma manages users.
const campaignPolicy = `
account_types:
  - {id: internal}
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, "*@all"]}
  - {id: user_manager, grants: [rbac.users.manage, permit.write, inspect]}
  - {id: permit_writer, grants: [permit.write]}
  - {id: inspector, grants: [inspect]}
groups:
  - {id: permitting, name: Permitting, account_type: internal, roles: [permit_writer], managers: [mia]}
  - {id: other, name: Other, account_type: internal, roles: [permit_writer]}
users:
  - {id: root, account_type: internal, roles: [admin]}
  - {id: uma, account_type: internal, roles: [user_manager]}
  - {id: mia, account_type: internal}
  - {id: pat, account_type: internal, groups: [permitting, other]}
  - {id: quinn, account_type: internal, groups: [permitting]}
  - {id: ron, account_type: internal, roles: [inspector]}
  - {id: sal, account_type: internal, roles: [inspector], groups: [permitting]}
  - {id: tom, account_type: internal, groups: [other]}
campaigns:
  - {id: 2027-q1, groups: [permitting], roles: [inspector], due: 2027-03-31T00:00:00Z}
`

var campaignDue = time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)

// TestAttestRights: a group's manager reviews its members; a user manager
// reviews anyone he covers; nobody else, and nothing after Due.
func TestAttestRights(t *testing.T) {
	ctx := context.Background()
	now := campaignDue.Add(-time.Hour)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	a, _ := newAuthorizer(t, campaignPolicy, rbac.WithClock(func() time.Time { return *clock.Load() }))
	tests := []struct {
		reason   string
		actor    rbac.UserID
		campaign string
		user     rbac.UserID
		want     error
	}{
		{"the group's manager, a member", "mia", "2027-q1", "pat", nil},
		{"the group's manager, a role holder", "mia", "2027-q1", "ron", rbac.ErrForbidden},
		{"the group's manager, a member who also holds the role", "mia", "2027-q1", "sal", rbac.ErrForbidden},
		{"a user manager, a role holder", "uma", "2027-q1", "ron", nil},
		{"a user manager, a member", "uma", "2027-q1", "quinn", nil},
		{"a member, himself", "pat", "2027-q1", "pat", rbac.ErrForbidden},
		{"nothing under review", "uma", "2027-q1", "tom", rbac.ErrNotFound},
		{"an unknown user", "uma", "2027-q1", "nobody", rbac.ErrNotFound},
		{"an unknown campaign", "uma", "2026-q4", "pat", rbac.ErrNotFound},
	}
	for _, tt := range tests {
		err := a.Admin(tt.actor).Attest(ctx, tt.campaign, tt.user, true)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.reason, err, tt.want)
		}
	}
	clock.Store(&campaignDue)
	if err := a.Admin("uma").Attest(ctx, "2027-q1", "pat", true); !errors.Is(err, rbac.ErrConflict) {
		t.Errorf("attesting at Due: %v, want ErrConflict", err)
	}
}

// TestCampaignDueRemovesOnce: four replicas on one store pass Due
// together; what is not attested keep is removed in exactly one change set
// by rbac.System, and what is attested keep stays.
func TestCampaignDueRemovesOnce(t *testing.T) {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(campaignPolicy))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	before := campaignDue.Add(-time.Minute)
	var clock atomic.Pointer[time.Time]
	clock.Store(&before)
	var replicas []*rbac.Authorizer
	for range 4 {
		a, err := rbac.New(ctx, store, rbac.WithClock(func() time.Time { return *clock.Load() }), rbac.WithHeartbeat(5*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		replicas = append(replicas, a)
	}
	attest := func(actor, user rbac.UserID, keep bool) {
		if err := replicas[0].Admin(actor).Attest(ctx, "2027-q1", user, keep); err != nil {
			t.Fatal(err)
		}
	}
	attest("mia", "pat", true)
	attest("uma", "sal", true)
	attest("uma", "ron", false)
	// quinn is not attested.
	rev := store.Revision()
	time.Sleep(30 * time.Millisecond)
	if store.Revision() != rev {
		t.Fatal("written before Due")
	}
	clock.Store(&campaignDue)
	deadline := time.Now().Add(5 * time.Second)
	for store.Revision() == rev && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // every replica has had its turns
	sets, err := store.Changes(ctx, rev)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 {
		t.Fatalf("%d change sets after Due, want 1: %+v", len(sets), sets)
	}
	cs := sets[0]
	if cs.ID != "campaign.2027-q1" || cs.Actor != rbac.System || !strings.Contains(cs.Reason, "2027-q1") {
		t.Errorf("change set: %s by %s, %q", cs.ID, cs.Actor, cs.Reason)
	}
	var changed []string
	for _, c := range cs.Changes {
		changed = append(changed, c.Key)
	}
	if diff := cmp.Diff([]string{"quinn", "ron"}, changed); diff != "" {
		t.Errorf("users changed (-want +got):\n%s", diff)
	}
	for _, a := range replicas {
		if _, err := a.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		s := a.Snapshot()
		for id, want := range map[rbac.UserID]string{"pat": "permitting,other", "quinn": "", "ron": "", "sal": "inspector,permitting", "tom": "other"} {
			u, _ := s.User(id)
			got := strings.Join(slices.Concat(idStrings(u.Roles), idStrings(u.Groups)), ",")
			if got != want {
				t.Errorf("%s after Due holds %q, want %q", id, got, want)
			}
		}
	}
}

// TestCampaignReportAfterDue: the report says what was kept and what was
// removed, in CSV and JSON, and needs rbac.audit.read.
func TestCampaignReportAfterDue(t *testing.T) {
	ctx := context.Background()
	now := campaignDue.Add(-time.Hour)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	a, _ := newAuthorizer(t, campaignPolicy, rbac.WithClock(func() time.Time { return *clock.Load() }), rbac.WithHeartbeat(5*time.Millisecond))
	if err := a.Admin("mia").Attest(ctx, "2027-q1", "pat", true); err != nil {
		t.Fatal(err)
	}
	if err := a.Admin("uma").Attest(ctx, "2027-q1", "ron", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin("uma").CampaignReport(ctx, "2027-q1"); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("report without rbac.audit.read: %v, want ErrForbidden", err)
	}
	rev := a.Snapshot().Revision()
	clock.Store(&campaignDue)
	for deadline := time.Now().Add(5 * time.Second); a.Snapshot().Revision() == rev && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	rows, err := a.Admin("root").CampaignReport(ctx, "2027-q1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.User)+":"+string(r.Group)+":"+string(r.Role)+":"+r.Decision)
	}
	// Unattested quinn and sal lost theirs at Due, as did ron by uma's word.
	want := []string{"pat:permitting::keep", "quinn:permitting::removed", "ron::inspector:removed", "sal::inspector:removed", "sal:permitting::removed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report after Due (-want +got):\n%s", diff)
	}
	var b strings.Builder
	if err := rbac.WriteCampaignJSON(&b, rows); err != nil {
		t.Fatal(err)
	}
	var back []rbac.CampaignRow
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rows, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func idStrings[T ~string](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
