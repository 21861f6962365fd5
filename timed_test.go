package rbac_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// fakeClock is a clock tests move by hand; safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.set(t)
	return c
}

func (c *fakeClock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

var (
	coverFrom  = time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	coverUntil = time.Date(2027, 1, 8, 17, 0, 0, 0, time.UTC)
)

// TestTimedAssignmentBoundaries crosses From and Until of a timed role and
// of a timed group, one nanosecond before, at and after each bound, on
// the writer, on a follower replica (a second authorizer on the same
// store, which learns of the assignment only from the store), on a
// Snapshot taken before the window opened and held throughout, through
// Check, Explain, Plan and a principal carrying the same assignment.
func TestTimedAssignmentBoundaries(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock(coverFrom.Add(-time.Hour))
	writer, store := newAuthorizer(t, timedPolicy, rbac.WithClock(clock.now))
	follower, err := rbac.New(ctx, store, rbac.WithClock(clock.now), rbac.WithHeartbeat(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { follower.Close() })
	for _, tc := range []struct {
		reason string
		entry  rbac.TimedAssignment
		perm   rbac.Permission // what the entry gives
	}{
		{"a timed role", rbac.TimedAssignment{Role: "supervisor", From: coverFrom, Until: coverUntil}, "case.approve"},
		{"a timed group", rbac.TimedAssignment{Group: "cover", From: coverFrom, Until: coverUntil}, "case.approve"},
	} {
		clock.set(coverFrom.Add(-time.Hour))
		sam := rbac.User{ID: "sam", Roles: []rbac.RoleID{"caseworker"}, Temporary: []rbac.TimedAssignment{tc.entry}}
		rev, err := writer.Apply(ctx, rbac.ChangeSet{Actor: "admin", Changes: []rbac.Change{rbac.PutUser(sam)}})
		if err != nil {
			t.Fatal(err)
		}
		held := writer.Snapshot() // taken before the window opens, held to the end
		if _, err := follower.Check(ctx, rbac.Request{User: "sam", Permission: "case.read", AtLeast: rev}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []struct {
			name string
			t    time.Time
			want bool
		}{
			{"just before from", coverFrom.Add(-time.Nanosecond), false},
			{"at from", coverFrom, true},
			{"just after from", coverFrom.Add(time.Nanosecond), true},
			{"just before until", coverUntil.Add(-time.Nanosecond), true},
			{"at until", coverUntil, false},
			{"just after until", coverUntil.Add(time.Nanosecond), false},
			{"back before from (a clock may step back)", coverFrom.Add(-time.Minute), false},
		} {
			clock.set(at.t)
			req := rbac.Request{User: "sam", Permission: tc.perm}
			got := map[string]bool{}
			for name, s := range map[string]*rbac.Snapshot{"writer": writer.Snapshot(), "follower": follower.Snapshot(), "held snapshot": held} {
				got[name+" check"] = s.Check(req).Allowed
				got[name+" explain"] = s.Explain(req).Allowed
				got[name+" plan"] = s.Plan(rbac.PlanRequest{User: "sam", Permission: tc.perm, Kind: "case"}).Kind() != rbac.PlanNone
				got[name+" principal"] = s.Check(rbac.Request{Principal: &sam, Permission: tc.perm}).Allowed
				if !s.Check(rbac.Request{User: "sam", Permission: "case.read"}).Allowed {
					t.Errorf("%s, %s, %s: the permanent role is not held", tc.reason, at.name, name)
				}
			}
			d, err := follower.Check(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got["follower authorizer"] = d.Allowed
			for name, allowed := range got {
				if allowed != at.want {
					t.Errorf("%s, %s, %s: allowed = %v, want %v", tc.reason, at.name, name, allowed, at.want)
				}
			}
		}
	}
}

// TestExplainTimedOutsideItsWindow: denied a permission only a timed
// assignment gave, Explain says the assignment ended (at Until), or has
// yet to start (at From), for a timed role and a timed group; inside the
// window the route goes through it; a permission it never gave says
// nothing of it.
func TestExplainTimedOutsideItsWindow(t *testing.T) {
	clock := newFakeClock(coverFrom.Add(-time.Hour))
	a := newTimedAuthorizer(t, clock.now)
	ended := "timed assignment of %s ended at 2027-01-08T17:00:00Z; it granted case.approve"
	starts := "timed assignment of %s starts at 2027-01-04T09:00:00Z; it will grant case.approve"
	for _, entry := range []rbac.TimedAssignment{
		{Role: "supervisor", From: coverFrom, Until: coverUntil},
		{Group: "cover", From: coverFrom, Until: coverUntil},
	} {
		sam := rbac.User{ID: "sam", Temporary: []rbac.TimedAssignment{entry}}
		if _, err := a.Apply(t.Context(), rbac.ChangeSet{Actor: "admin", Changes: []rbac.Change{rbac.PutUser(sam)}}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []struct {
			t    time.Time
			says string // "" for a grant
		}{
			{coverFrom.Add(-time.Nanosecond), fmt.Sprintf(starts, entry)},
			{coverUntil.Add(-time.Nanosecond), ""},
			{coverUntil, fmt.Sprintf(ended, entry)},
		} {
			clock.set(at.t)
			for _, req := range []rbac.Request{{User: "sam", Permission: "case.approve"}, {Principal: &sam, Permission: "case.approve"}} {
				d := a.Snapshot().Explain(req)
				switch {
				case at.says == "" && (!d.Allowed || !strings.Contains(d.String(), "temporary")):
					t.Errorf("%s at %s: %s, want allowed through the timed assignment", entry, at.t, d)
				case at.says != "" && (d.Reason != rbac.ReasonNoGrant || !strings.Contains(d.String(), at.says)):
					t.Errorf("%s at %s:\n%s\nwant no_grant saying %q", entry, at.t, d, at.says)
				}
			}
		}
		clock.set(coverUntil)
		if d := a.Snapshot().Explain(rbac.Request{User: "sam", Permission: "case.delete"}); strings.Contains(d.String(), "timed assignment") {
			t.Errorf("a permission the assignment never gave: %s", d)
		}
	}
}

// TestTimedCheckAllocatesNothing: a check of a user with timed
// assignments reads the clock and allocates nothing, in the window and out
// of it, stored user or principal.
func TestTimedCheckAllocatesNothing(t *testing.T) {
	clock := newFakeClock(coverFrom)
	a := newTimedAuthorizer(t, clock.now)
	sam := rbac.User{ID: "sam", Temporary: []rbac.TimedAssignment{{Role: "supervisor", From: coverFrom, Until: coverUntil}}}
	if _, err := a.Apply(t.Context(), rbac.ChangeSet{Actor: "admin", Changes: []rbac.Change{rbac.PutUser(sam)}}); err != nil {
		t.Fatal(err)
	}
	s := a.Snapshot()
	for _, at := range []time.Time{coverFrom, coverUntil} {
		clock.set(at)
		for name, req := range map[string]rbac.Request{
			"stored":    {User: "sam", Permission: "case.approve"},
			"principal": {Principal: &sam, Permission: "case.approve"},
		} {
			s.Check(req)
			if n := testing.AllocsPerRun(100, func() { s.Check(req) }); n != 0 {
				t.Errorf("%s at %s: %v allocations a check", name, at, n)
			}
		}
	}
}

// TestRetimeKeepsReviewsCurrent: once the clock passes a bound, the
// follow loop recompiles the users concerned, so that the review
// functions (which read the records' own profiles) answer for now.
func TestRetimeKeepsReviewsCurrent(t *testing.T) {
	clock := newFakeClock(coverFrom.Add(-time.Hour))
	a, _ := newAuthorizer(t, timedPolicy, rbac.WithClock(clock.now), rbac.WithHeartbeat(2*time.Millisecond))
	sam := rbac.User{ID: "sam", Temporary: []rbac.TimedAssignment{{Role: "supervisor", From: coverFrom, Until: coverUntil}}}
	if _, err := a.Apply(t.Context(), rbac.ChangeSet{Actor: "admin", Changes: []rbac.Change{rbac.PutUser(sam)}}); err != nil {
		t.Fatal(err)
	}
	holders := func() bool {
		for _, p := range a.Snapshot().PermissionsOf("sam") {
			if p.Permission == "case.approve" {
				return true
			}
		}
		return false
	}
	if holders() {
		t.Fatal("sam holds case.approve before the window")
	}
	clock.set(coverFrom)
	deadline := time.Now().Add(5 * time.Second)
	for !holders() {
		if time.Now().After(deadline) {
			t.Fatal("the review functions never saw the window open")
		}
		time.Sleep(time.Millisecond)
	}
	clock.set(coverUntil)
	for holders() {
		if time.Now().After(deadline) {
			t.Fatal("the review functions never saw the window close")
		}
		time.Sleep(time.Millisecond)
	}
}

const judgedTimedPolicy = `
roles:
  - {id: caseworker, grants: [case.read]}
  - {id: supervisor, contains: [caseworker], grants: [case.approve]}
  - {id: user_admin, grants: ["rbac.users.manage@all"]}
groups:
  - {id: cover, name: Cover, roles: [supervisor]}
users:
  - {id: clerk, roles: [user_admin, caseworker]}
  - {id: boss, roles: [user_admin, supervisor]}
  - id: sam
    roles: [caseworker]
    temporary: [{role: supervisor, from: 2027-01-04T09:00:00Z, until: 2027-01-08T17:00:00Z}]
`

// TestTimedAssignmentJudged: giving a timed assignment, or widening its
// window (From earlier, Until later or none), is a gain the actor must be
// able to exercise, even while the window has not opened; narrowing or
// removing one is a loss anyone who manages users may make.
func TestTimedAssignmentJudged(t *testing.T) {
	clock := newFakeClock(coverFrom.Add(-48 * time.Hour)) // before sam's window
	a, _ := newAuthorizer(t, judgedTimedPolicy, rbac.WithClock(clock.now))
	window := func(from, until time.Time) rbac.User {
		return rbac.User{ID: "sam", Roles: []rbac.RoleID{"caseworker"}, Temporary: []rbac.TimedAssignment{{Role: "supervisor", From: from, Until: until}}}
	}
	tests := []struct {
		reason string
		actor  rbac.UserID
		sam    rbac.User
		want   error
	}{
		{"a window opening later is a gain now", "clerk", rbac.User{ID: "tom", Temporary: []rbac.TimedAssignment{{Role: "supervisor", From: coverUntil, Until: coverUntil.Add(time.Hour)}}}, rbac.ErrForbidden},
		{"a timed role held now", "clerk", rbac.User{ID: "tom", Temporary: []rbac.TimedAssignment{{Role: "supervisor", Until: coverUntil}}}, rbac.ErrForbidden},
		{"Until later", "clerk", window(coverFrom, coverUntil.Add(time.Hour)), rbac.ErrForbidden},
		{"Until removed (no end)", "clerk", window(coverFrom, time.Time{}), rbac.ErrForbidden},
		{"From earlier", "clerk", window(coverFrom.Add(-time.Hour), coverUntil), rbac.ErrForbidden},
		{"the same window: nothing to change", "clerk", window(coverFrom, coverUntil), rbac.ErrExists},
		{"a timed group is judged as its roles", "clerk", rbac.User{ID: "tom", Temporary: []rbac.TimedAssignment{{Group: "cover", From: coverUntil}}}, rbac.ErrForbidden},
		{"Until earlier: a loss", "clerk", window(coverFrom, coverUntil.Add(-time.Hour)), nil},
		{"From later: a loss", "clerk", window(coverFrom.Add(time.Hour), coverUntil.Add(-time.Hour)), nil},
		{"an actor who exercises it may widen it", "boss", window(coverFrom, coverUntil.Add(24*time.Hour)), nil},
		{"and may give it to a new user", "boss", rbac.User{ID: "tim", Temporary: []rbac.TimedAssignment{{Role: "supervisor", From: coverUntil, Until: coverUntil.Add(time.Hour)}}}, nil},
	}
	for _, tc := range tests {
		// Each row starts from sam's window as the policy gives it.
		if _, err := a.Admin(rbac.System).Apply(t.Context(), "reset", rbac.PutUser(window(coverFrom, coverUntil))); err != nil && !errors.Is(err, rbac.ErrExists) {
			t.Fatal(err)
		}
		_, err := a.Admin(tc.actor).Apply(t.Context(), "cover", rbac.PutUser(tc.sam))
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: got %v, want %v", tc.reason, err, tc.want)
		}
	}
}

// TestLintExpiredAssignment: an entry whose window has ended is reported
// where it is written; one still running or to come is not, and a role
// held only for a time is held.
func TestLintExpiredAssignment(t *testing.T) {
	p, err := rbac.DecodePolicy(strings.NewReader(`roles: [{id: caseworker, grants: [case.read]}, {id: supervisor, grants: [case.approve]}]
groups: [{id: cover, name: Cover, roles: [caseworker]}]
users:
  - id: sam
    temporary:
      - {role: supervisor, until: 2027-01-08T17:00:00Z}
      - {group: cover, from: 2027-01-01T00:00:00Z, until: 2027-01-02T00:00:00Z}
`), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := func(at time.Time) []string {
		var out []string
		for _, f := range p.LintAt(at) {
			out = append(out, f.String())
		}
		return out
	}
	for _, tc := range []struct {
		reason string
		at     time.Time
		want   []string
	}{
		{"before every window: nothing expired, every role held", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), nil},
		{"at the group's until", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), []string{
			`policy.yaml:4: user "sam": temporary group cover from 2027-01-01T00:00:00Z until 2027-01-02T00:00:00Z ended on 2027-01-02T00:00:00Z: it grants nothing; remove it (expired-assignment)`,
			`policy.yaml:1: role "caseworker": no enabled user holds it (directly, through a group, an account type's defaults or containment) (unheld-role)`,
			`policy.yaml:2: group "cover": has no members (empty-group)`,
		}},
	} {
		if diff := cmp.Diff(tc.want, got(tc.at), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
		}
	}
	if n := len(got(time.Date(2027, 1, 9, 0, 0, 0, 0, time.UTC))); n != 5 {
		t.Errorf("after both windows: %d findings, want 5 (two expired, two unheld roles, an empty group): %q", n, got(time.Date(2027, 1, 9, 0, 0, 0, 0, time.UTC)))
	}
}
