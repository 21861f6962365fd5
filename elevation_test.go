package rbac_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
