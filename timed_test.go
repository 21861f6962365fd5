package rbac_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// TestTemporaryYAML reads temporary entries of a user in RFC 3339, and
// writes them back to an equal policy.
func TestTemporaryYAML(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader(`
roles: [{id: caseworker}, {id: supervisor}]
groups: [{id: cover, name: Cover, roles: [caseworker]}]
users:
  - id: cara
    roles: [caseworker]
    temporary:
      - {role: supervisor, until: 2027-01-08T17:00:00Z}
      - {group: cover, from: "2027-01-01T09:00:00+01:00", until: 2027-01-08T17:00:00.5Z}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.TimedAssignment{
		{Role: "supervisor", Until: time.Date(2027, 1, 8, 17, 0, 0, 0, time.UTC)},
		{Group: "cover", From: time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC), Until: time.Date(2027, 1, 8, 17, 0, 0, 5e8, time.UTC)},
	}
	if diff := cmp.Diff(want, p.Users[0].Temporary); diff != "" {
		t.Errorf("temporary (-want +got):\n%s", diff)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := rbac.LoadPolicy(strings.NewReader(string(out)))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if diff := cmp.Diff(want, back.Users[0].Temporary); diff != "" {
		t.Errorf("read back (-want +got):\n%s\n%s", diff, out)
	}
}

// TestTemporaryValidation gives each rule of a timed assignment a broken
// entry: the error wraps the sentinel and names the user and the entry.
func TestTemporaryValidation(t *testing.T) {
	const head = "account_types: [{id: internal}, {id: external}]\nroles: [{id: a, account_types: [internal]}, {id: b}, {id: c}]\n" +
		"groups: [{id: g, name: G, account_type: external}, {id: h, name: H, roles: [b]}]\n" +
		"constraints: [{name: sod, max: 1, roles: [b, c]}]\nusers:\n"
	tests := []struct {
		reason string
		user   string
		want   error
		says   []string
	}{
		{"neither role nor group", "{id: u, account_type: internal, temporary: [{until: 2027-01-08T17:00:00Z}]}", rbac.ErrInvalid, []string{`user "u"`, "neither a role nor a group"}},
		{"both role and group", "{id: u, account_type: internal, temporary: [{role: b, group: h, until: 2027-01-08T17:00:00Z}]}", rbac.ErrInvalid, []string{"both role"}},
		{"no window at all", "{id: u, account_type: internal, temporary: [{role: b}]}", rbac.ErrInvalid, []string{"neither from nor until"}},
		{"from after until", "{id: u, account_type: internal, temporary: [{role: b, from: 2027-01-09T00:00:00Z, until: 2027-01-08T00:00:00Z}]}", rbac.ErrInvalid, []string{"is not before until"}},
		{"from equal to until: an empty window", "{id: u, account_type: internal, temporary: [{role: b, from: 2027-01-08T00:00:00Z, until: 2027-01-08T00:00:00Z}]}", rbac.ErrInvalid, []string{"is not before until"}},
		{"unknown role", "{id: u, account_type: internal, temporary: [{role: ghost, until: 2027-01-08T17:00:00Z}]}", rbac.ErrNotFound, []string{`temporary role "ghost" does not exist`, "policy:6"}},
		{"unknown group", "{id: u, account_type: internal, temporary: [{group: ghost, until: 2027-01-08T17:00:00Z}]}", rbac.ErrNotFound, []string{`temporary group "ghost" does not exist`}},
		{"role closed to the account type", "{id: u, account_type: external, temporary: [{role: a, until: 2027-01-08T17:00:00Z}]}", rbac.ErrInvalid, []string{`temporary role "a" is closed`}},
		{"group of another account type", "{id: u, account_type: internal, temporary: [{group: g, until: 2027-01-08T17:00:00Z}]}", rbac.ErrInvalid, []string{`may not join group "g" for a time`}},
		{"static separation of duty counts a timed role", "{id: u, account_type: internal, roles: [c], temporary: [{role: b, until: 2027-01-08T17:00:00Z}]}", rbac.ErrSeparationOfDuty, []string{"b, c"}},
		{"static separation of duty counts a timed group", "{id: u, account_type: internal, roles: [c], temporary: [{group: h, from: 2027-01-08T17:00:00Z}]}", rbac.ErrSeparationOfDuty, []string{"b, c"}},
	}
	for _, tt := range tests {
		_, err := rbac.LoadPolicy(strings.NewReader(head + "  - " + tt.user + "\n"))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
			continue
		}
		for _, s := range tt.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tt.reason, err, s)
			}
		}
	}
	// The controls: valid entries of each shape load.
	for _, ok := range []string{
		"{id: u, account_type: internal, temporary: [{role: a, until: 2027-01-08T17:00:00Z}]}",
		"{id: u, account_type: external, temporary: [{group: g, from: 2027-01-01T00:00:00Z, until: 2027-01-08T17:00:00Z}]}",
		"{id: u, account_type: internal, temporary: [{role: b, from: 2027-01-01T00:00:00Z}, {role: b, until: 2026-01-01T00:00:00Z}]}",
	} {
		if _, err := rbac.LoadPolicy(strings.NewReader(head + "  - " + ok + "\n")); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestTemporaryValidatedOnWrite: an Apply of a user with a broken timed
// assignment is refused, nothing written.
func TestTemporaryValidatedOnWrite(t *testing.T) {
	a := newTimedAuthorizer(t, time.Now)
	_, err := a.Apply(t.Context(), rbac.ChangeSet{Actor: "admin", Changes: []rbac.Change{
		rbac.PutUser(rbac.User{ID: "tim", Temporary: []rbac.TimedAssignment{{Role: "supervisor", Group: "cover", Until: time.Now()}}}),
	}})
	if !errors.Is(err, rbac.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	if _, ok := a.Snapshot().User("tim"); ok {
		t.Error("tim was written")
	}
}

const timedPolicy = `
roles:
  - {id: caseworker, grants: [case.read]}
  - {id: supervisor, contains: [caseworker], grants: [case.approve]}
groups:
  - {id: cover, name: Cover, roles: [supervisor]}
users:
  - {id: admin, roles: [supervisor]}
  - {id: sam}
`

// newTimedAuthorizer starts an authorizer on timedPolicy reading time from now.
func newTimedAuthorizer(t *testing.T, now func() time.Time) *rbac.Authorizer {
	t.Helper()
	a, _ := newAuthorizer(t, timedPolicy, rbac.WithClock(now))
	return a
}
