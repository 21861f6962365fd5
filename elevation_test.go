package rbac_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

const elevationPolicy = `
roles:
  - {id: caseworker, grants: [case.read, case.break_glass]}
  - {id: case_admin, grants: [case.admin]}
  - {id: security_admin, contains: [case_admin], grants: ["rbac.roles.manage@all", "rbac.audit.read@all"]}
  - {id: roles_clerk, grants: ["rbac.roles.manage@all"]}
users:
  - {id: sec, roles: [security_admin]}
  - {id: clerk, roles: [roles_clerk]}
  - {id: cara, roles: [caseworker]}
  - {id: bob}
elevations:
  - {id: incident, title: Incident response, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}
`

type elevationLog struct {
	mu  sync.Mutex
	got []rbac.ElevationRecord
}

func (o *elevationLog) Compiled(rbac.Revision, bool, time.Duration) {}
func (o *elevationLog) Applied(rbac.Revision, time.Duration, error) {}
func (o *elevationLog) Elevated(r rbac.ElevationRecord) {
	o.mu.Lock()
	o.got = append(o.got, r)
	o.mu.Unlock()
}

// TestElevationPolicy: elevations: in YAML (max_duration a Go duration),
// and what validation refuses.
func TestElevationPolicy(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader(elevationPolicy))
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.Elevation{{ID: "incident", Title: "Incident response", Roles: []rbac.RoleID{"case_admin"}, MaxDuration: 4 * time.Hour, Invoke: "case.break_glass"}}
	if diff := cmp.Diff(want, p.Elevations); diff != "" {
		t.Errorf("elevations (-want +got):\n%s", diff)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := rbac.LoadPolicy(bytes.NewReader(out)); err != nil || !cmp.Equal(want, back.Elevations) {
		t.Errorf("read back: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		reason, entry string
		want          error
		says          string
	}{
		{"an unknown role", "{id: x, roles: [ghost], max_duration: 1h, invoke: case.read}", rbac.ErrNotFound, `role "ghost" does not exist`},
		{"no role", "{id: x, roles: [], max_duration: 1h, invoke: case.read}", rbac.ErrInvalid, "gives no role"},
		{"no duration", "{id: x, roles: [case_admin], invoke: case.read}", rbac.ErrInvalid, "max_duration is 0s"},
		{"a wildcard invoke", "{id: x, roles: [case_admin], max_duration: 1h, invoke: \"case.*\"}", rbac.ErrInvalid, "is a wildcard"},
		{"a malformed duration", "{id: x, roles: [case_admin], max_duration: soon, invoke: case.read}", rbac.ErrInvalid, `expected a duration such as 4h or 30m, found the text "soon"`},
	} {
		policy := strings.Replace(elevationPolicy, "  - {id: incident, title: Incident response, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}", "  - "+tc.entry, 1)
		_, err := rbac.LoadPolicy(strings.NewReader(policy))
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: got %v, want %v saying %q", tc.reason, err, tc.want, tc.says)
		}
	}
}

// TestElevate: invoking, its bounds, its end, its record.
func TestElevate(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock(time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC))
	var logged bytes.Buffer
	obs := &elevationLog{}
	a, _ := newAuthorizer(t, elevationPolicy, rbac.WithClock(clock.now), rbac.WithObserver(obs),
		rbac.WithLogger(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	cara := a.Admin("cara")
	for _, tc := range []struct {
		reason string
		admin  *rbac.Admin
		why    string
		id     string
		d      time.Duration
		want   error
	}{
		{"no reason", cara, "", "incident", time.Hour, rbac.ErrInvalid},
		{"longer than declared", cara, "outage", "incident", 4*time.Hour + time.Second, rbac.ErrInvalid},
		{"no duration", cara, "outage", "incident", 0, rbac.ErrInvalid},
		{"an unknown elevation", cara, "outage", "fire", time.Hour, rbac.ErrNotFound},
		{"without the invoke permission", a.Admin("bob"), "outage", "incident", time.Hour, rbac.ErrForbidden},
		{"rbac.System is not a user", a.Admin(rbac.System), "outage", "incident", time.Hour, rbac.ErrForbidden},
	} {
		if _, err := tc.admin.Elevate(ctx, tc.why, tc.id, tc.d); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.reason, err, tc.want)
		}
	}
	if allowed(t, a, "cara", "case.admin") {
		t.Fatal("cara holds case.admin before elevating")
	}
	start := clock.now()
	rev, err := cara.Elevate(ctx, "outage on case intake", "incident", 4*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !allowed(t, a, "cara", "case.admin") {
		t.Error("cara does not hold case.admin once elevated")
	}
	clock.set(start.Add(4*time.Hour - time.Nanosecond))
	if !allowed(t, a, "cara", "case.admin") {
		t.Error("cara lost case.admin before the elevation's end")
	}
	clock.set(start.Add(4 * time.Hour))
	if allowed(t, a, "cara", "case.admin") {
		t.Error("cara holds case.admin at the elevation's end")
	}
	if !strings.Contains(logged.String(), "level=WARN msg=\"rbac: elevation invoked\" elevation=incident actor=cara") {
		t.Errorf("the logger did not warn of the elevation:\n%s", logged.String())
	}

	// A second elevation, ended early.
	clock.set(start.Add(5 * time.Hour))
	if _, err := cara.Elevate(ctx, "second outage", "incident", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := cara.EndElevation(ctx, "", "incident"); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("EndElevation without a reason: %v", err)
	}
	clock.set(start.Add(5*time.Hour + 10*time.Minute))
	end, err := cara.EndElevation(ctx, "fixed", "incident")
	if err != nil {
		t.Fatal(err)
	}
	if allowed(t, a, "cara", "case.admin") {
		t.Error("cara holds case.admin after ending the elevation")
	}
	if _, err := cara.EndElevation(ctx, "again", "incident"); !errors.Is(err, rbac.ErrNotFound) {
		t.Errorf("ending it twice: %v, want ErrNotFound", err)
	}

	// Listed for review, open and closed, with reasons; the history flags them.
	if _, err := cara.Elevations(ctx); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("cara lists elevations: %v, want ErrForbidden", err)
	}
	got, err := a.Admin("sec").Elevations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second := start.Add(5 * time.Hour)
	wantRecs := []rbac.ElevationRecord{
		{ID: "incident", Actor: "cara", Reason: "outage on case intake", Revision: rev, From: start, Until: start.Add(4 * time.Hour), Roles: []rbac.RoleID{"case_admin"}},
		{ID: "incident", Actor: "cara", Reason: "second outage", Revision: rev + 1, From: second, Until: second.Add(time.Hour), Roles: []rbac.RoleID{"case_admin"}, EndedAt: end, EndedReason: "fixed"},
	}
	if diff := cmp.Diff(wantRecs, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".EndedTime" }, cmp.Ignore())); diff != "" {
		t.Errorf("Elevations (-want +got):\n%s", diff)
	}
	if got[0].Open(start.Add(time.Hour)) != true || got[0].Open(start.Add(4*time.Hour)) || got[1].Open(second) {
		t.Error("Open: the first runs within its window, the second was ended")
	}
	hist, err := a.Admin("sec").History(ctx, rbac.HistoryQuery{After: rev - 1, Before: rev + 1})
	if err != nil || len(hist) != 1 || hist[0].Reason != "elevation incident: outage on case intake" {
		t.Errorf("history of the elevation: %v %+v", err, hist)
	}
	if len(obs.got) != 3 {
		t.Errorf("the observer was told of %d elevations and ends, want 3", len(obs.got))
	}
}

// TestDeclareElevationJudged: declaring an elevation is giving its roles:
// a roles manager who cannot exercise them may not.
func TestDeclareElevationJudged(t *testing.T) {
	a, _ := newAuthorizer(t, elevationPolicy)
	el := rbac.Elevation{ID: "audit", Roles: []rbac.RoleID{"case_admin"}, MaxDuration: time.Hour, Invoke: "case.read"}
	if _, err := a.Admin("clerk").Apply(t.Context(), "declare", rbac.PutElevation(el)); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("clerk declares an elevation to case_admin: %v, want ErrForbidden", err)
	}
	if _, err := a.Admin("sec").Apply(t.Context(), "declare", rbac.PutElevation(el)); err != nil {
		t.Errorf("sec declares it: %v", err)
	}
	if _, err := a.Admin("clerk").Apply(t.Context(), "withdraw", rbac.DeleteElevation("audit")); err != nil {
		t.Errorf("clerk withdraws it (a loss): %v", err)
	}
}

// elevationJudgedPolicy: elevations whose gains the judgement still
// weighs: a sensitive permission, the manage permissions, a role in a
// separation-of-duty constraint with the invoker's own.
const elevationJudgedPolicy = `
permissions:
  - {name: case.read}
  - {name: case.break_glass}
  - {name: case.admin}
  - {name: case.approve}
  - {name: case.erase, sensitive: erases a case for good}
roles:
  - {id: caseworker, grants: [case.read, case.break_glass]}
  - {id: case_admin, grants: [case.admin]}
  - {id: approver, grants: [case.approve]}
  - {id: eraser, grants: [case.erase]}
  - {id: owner, grants: ["rbac.roles.manage@all", "rbac.groups.manage@all", "rbac.users.manage@all"]}
constraints:
  - {name: work-vs-approve, max: 1, roles: [caseworker, approver]}
users:
  - {id: cara, roles: [caseworker]}
elevations:
  - {id: incident, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}
  - {id: erase, roles: [eraser], max_duration: 1h, invoke: case.break_glass}
  - {id: takeover, roles: [owner], max_duration: 1h, invoke: case.break_glass}
  - {id: approve, roles: [approver], max_duration: 1h, invoke: case.break_glass}
`

// TestElevateIsJudged: an elevation passes the one judgement of Admin: its
// gain is allowed (cara holds no right of administration), sensitive
// included (the declaration was judged for it), but every other rule holds
// — a separation-of-duty constraint, an approval entry, and lockout when
// ending it.
func TestElevateIsJudged(t *testing.T) {
	ctx := t.Context()
	a, _ := newAuthorizer(t, elevationJudgedPolicy)
	cara := a.Admin("cara")
	for _, tc := range []struct {
		id, says string
		want     error
	}{
		{"approve", "work-vs-approve", rbac.ErrSeparationOfDuty},
	} {
		_, err := cara.Elevate(ctx, "outage", tc.id, time.Hour)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("elevation %s: got %v, want %v saying %q", tc.id, err, tc.want, tc.says)
		}
	}
	if _, err := cara.Elevate(ctx, "a court order to erase", "erase", time.Hour); err != nil {
		t.Fatalf("elevation erase, a sensitive gain its declaration was judged for: %v", err)
	}
	if _, err := cara.Elevate(ctx, "restore a deleted case", "incident", time.Hour); err != nil {
		t.Fatalf("elevation incident, the gain its declaration allowed: %v", err)
	}
	// Takeover makes cara the only one who manages anything: ending it
	// early would leave nobody (it still ends by itself).
	if _, err := cara.Elevate(ctx, "the administrators are locked out", "takeover", time.Hour); err != nil {
		t.Fatalf("elevation takeover: %v", err)
	}
	if _, err := cara.EndElevation(ctx, "done", "takeover"); !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "lockout") {
		t.Errorf("ending the last administration early: %v, want ErrForbidden (lockout)", err)
	}
	if _, err := cara.EndElevation(ctx, "restored", "incident"); err != nil {
		t.Errorf("ending elevation incident: %v", err)
	}

	withApproval, _ := newAuthorizer(t, elevationJudgedPolicy+"approvals:\n  - {name: admins, roles: [case_admin]}\n")
	if _, err := withApproval.Admin("cara").Elevate(ctx, "outage", "incident", time.Hour); !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), `approval "admins"`) {
		t.Errorf("an elevation to a role an approval entry names: %v, want ErrForbidden naming the entry", err)
	}
}

// TestElevationAllowsOnlyItsRows: the allowance of an elevation (no rights
// of administration asked, its gain allowed) covers the actor adding its
// own timed assignments of the elevation's roles for at most MaxDuration
// while holding Invoke, or removing them; anything more is judged as any
// change, and cara, who holds no right of administration, is refused.
func TestElevationAllowsOnlyItsRows(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	clock := newFakeClock(now)
	a, _ := newAuthorizer(t, elevationPolicy+"  - {id: audit, roles: [roles_clerk], max_duration: 1h, invoke: case.read}\n", rbac.WithClock(clock.now))
	sys := a.Admin(rbac.System)
	cara, _ := a.Snapshot().User("cara")
	bob, _ := a.Snapshot().User("bob")
	row := func(r rbac.RoleID, d time.Duration) rbac.TimedAssignment {
		return rbac.TimedAssignment{Role: r, From: now, Until: now.Add(d)}
	}
	with := func(u rbac.User, f func(*rbac.User)) rbac.User {
		u = u.Clone()
		f(&u)
		return u
	}
	for _, tc := range []struct {
		name   string
		actor  rbac.UserID
		change rbac.Change
	}{
		{"a role the elevation does not give", "cara", rbac.PutUser(with(cara, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("security_admin", time.Hour)} }))},
		{"longer than max_duration", "cara", rbac.PutUser(with(cara, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("case_admin", 4*time.Hour+time.Second)} }))},
		{"no end", "cara", rbac.PutUser(with(cara, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{{Role: "case_admin", From: now}} }))},
		{"a permanent role", "cara", rbac.PutUser(with(cara, func(u *rbac.User) { u.Roles = append(u.Roles, "case_admin") }))},
		{"the rows and a new name", "cara", rbac.PutUser(with(cara, func(u *rbac.User) {
			u.Name = "Cara the Admin"
			u.Temporary = []rbac.TimedAssignment{row("case_admin", time.Hour)}
		}))},
		{"another user's rows", "cara", rbac.PutUser(with(bob, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("case_admin", time.Hour)} }))},
		{"without invoke", "bob", rbac.PutUser(with(bob, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("case_admin", time.Hour)} }))},
	} {
		_, err := a.Admin(tc.actor).ApplyAsElevation(ctx, "incident", tc.change)
		if !errors.Is(err, rbac.ErrForbidden) {
			t.Errorf("%s: got %v, want ErrForbidden", tc.name, err)
		}
	}
	// Removing rows of another role is not the elevation's either.
	if _, err := sys.Apply(ctx, "cover", rbac.PutUser(with(cara, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("roles_clerk", time.Hour)} }))); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin("cara").ApplyAsElevation(ctx, "incident", rbac.PutUser(cara)); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("removing a row of a role the elevation does not give: %v, want ErrForbidden", err)
	}
	// Exactly the rows: allowed, and their removal too.
	elevated := with(cara, func(u *rbac.User) {
		u.Temporary = []rbac.TimedAssignment{row("roles_clerk", time.Hour), row("case_admin", 4*time.Hour)}
	})
	if _, err := a.Admin("cara").ApplyAsElevation(ctx, "incident", rbac.PutUser(elevated)); err != nil {
		t.Fatalf("the elevation's rows: %v", err)
	}
	if _, err := a.Admin("cara").ApplyAsElevation(ctx, "incident", rbac.PutUser(with(cara, func(u *rbac.User) { u.Temporary = []rbac.TimedAssignment{row("roles_clerk", time.Hour)} }))); err != nil {
		t.Errorf("removing the elevation's rows: %v", err)
	}
}

// TestElevateNeedsAStoredUser: an elevation is a timed assignment stored on
// the actor, so a principal (AdminAs), whose roles come from its token,
// cannot elevate, even one whose id a stored user has: the error says so.
func TestElevateNeedsAStoredUser(t *testing.T) {
	ctx := t.Context()
	a, _ := newAuthorizer(t, elevationPolicy)
	for _, p := range []*rbac.User{{ID: "cara", Roles: []rbac.RoleID{"caseworker"}}, {ID: "tok", Roles: []rbac.RoleID{"caseworker"}}} {
		ad := a.AdminAs(p)
		if _, err := ad.Elevate(ctx, "outage", "incident", time.Hour); !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "principal") {
			t.Errorf("principal %s elevates: %v, want ErrInvalid saying elevations are for stored users", p.ID, err)
		}
		if _, err := ad.EndElevation(ctx, "done", "incident"); !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "principal") {
			t.Errorf("principal %s ends an elevation: %v, want ErrInvalid", p.ID, err)
		}
	}
	if u, _ := a.Snapshot().User("cara"); len(u.Temporary) != 0 {
		t.Errorf("stored cara got timed assignments from a principal with her id: %v", u.Temporary)
	}
}

// TestLintElevationGuarded: rbac lint warns of an elevation that the
// judgement of Elevate holds back — roles an approval entry names — and not
// of one whose roles reach a sensitive permission (judged when declared,
// not when invoked), even under a sensitive approval entry.
func TestLintElevationGuarded(t *testing.T) {
	policy := strings.Replace(elevationJudgedPolicy, "  - {id: eraser, grants: [case.erase]}\n", "  - {id: eraser, grants: [case.erase]}\n  - {id: erase_lead, contains: [eraser]}\n", 1) + `
  - {id: erase_via, roles: [erase_lead], max_duration: 1h, invoke: case.break_glass}
approvals:
  - {name: admins, roles: [case_admin]}
  - {name: sensitive, sensitive: true}
`
	p, err := rbac.DecodePolicy(strings.NewReader(policy), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Lint() {
		if f.Rule == rbac.LintElevationGuarded {
			got = append(got, fmt.Sprintf("%s: %s", f.ID, f.Message))
		}
	}
	want := []string{
		`incident: approval "admins" names one of its roles: invoking it needs a second person to approve (Admin.Propose)`,
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("elevation-guarded findings (-want +got):\n%s", diff)
	}
}

// TestDeclareSensitiveElevation: what an elevation gives is judged when it
// is declared or when one of its roles gains a grant, before anyone invokes
// it: a sensitive permission needs rbac.sensitive.grant and a reason then,
// even when nobody holds the role.
func TestDeclareSensitiveElevation(t *testing.T) {
	const policy = `
permissions:
  - {name: case.read}
  - {name: case.break_glass}
  - {name: case.erase, sensitive: erases a case for good}
roles:
  - {id: caseworker, grants: [case.read, case.break_glass]}
  - {id: eraser, grants: [case.read]}
  - {id: admin, grants: ["rbac.roles.manage@all", "rbac.users.manage@all", "case.erase@all", "case.read@all"]}
  - {id: security, grants: ["rbac.sensitive.grant@all"], contains: [admin]}
users:
  - {id: cara, roles: [caseworker]}
  - {id: adam, roles: [admin]}
  - {id: sec, roles: [security]}
`
	ctx := t.Context()
	el := rbac.Elevation{ID: "erase", Roles: []rbac.RoleID{"eraser"}, MaxDuration: time.Hour, Invoke: "case.break_glass"}
	withErase := rbac.Role{ID: "eraser", Grants: []rbac.Grant{{Permission: "case.erase", Scope: rbac.ScopeAll}}}
	for _, tc := range []struct {
		name    string
		actor   rbac.UserID
		changes [][]rbac.Change
		want    error
		reason  string
	}{
		{"declared with a sensitive role, no rbac.sensitive.grant", "adam", [][]rbac.Change{{rbac.PutRole(withErase)}, {rbac.PutElevation(el)}}, rbac.ErrForbidden, "declaring it lets invokers reach case.erase"},
		{"declared, then its role gains a sensitive grant, no rbac.sensitive.grant", "adam", [][]rbac.Change{{rbac.PutElevation(el)}, {rbac.PutRole(withErase)}}, rbac.ErrForbidden, "the role nobody holds gains it for the elevation's invokers"},
		{"declared by a holder of rbac.sensitive.grant", "sec", [][]rbac.Change{{rbac.PutRole(withErase)}, {rbac.PutElevation(el)}}, nil, "sensitive gains are his to give"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAuthorizer(t, policy)
			var err error
			for _, cs := range tc.changes {
				if _, err = a.Admin(tc.actor).Apply(ctx, "incident readiness", cs...); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.want) || (tc.want != nil && !strings.Contains(err.Error(), "elevation")) {
				t.Fatalf("%s: got %v, want %v naming the elevation", tc.reason, err, tc.want)
			}
			if tc.want != nil {
				return
			}
			if _, err := a.Admin("cara").Elevate(ctx, "court order", "erase", time.Hour); err != nil {
				t.Fatalf("invoking the judged elevation: %v", err)
			}
			if d := a.Snapshot().Check(rbac.Request{User: "cara", Permission: "case.erase"}); !d.Allowed {
				t.Fatalf("cara elevated: %+v, want case.erase allowed", d)
			}
		})
	}
}
