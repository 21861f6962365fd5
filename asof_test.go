package rbac_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

const asOfPolicy = `
roles:
  - {id: caseworker, grants: [case.read]}
  - {id: supervisor, contains: [caseworker], grants: [case.approve]}
  - {id: auditor, grants: ["rbac.audit.read@all"]}
groups:
  - {id: cover, name: Cover, roles: [supervisor]}
users:
  - {id: admin, roles: [supervisor]}
  - {id: ann, roles: [auditor]}
  - {id: sam, roles: [caseworker]}
`

// decisions checks every user of the grid for every permission on s.
func decisions(s *rbac.Snapshot) map[string]rbac.Reason {
	out := map[string]rbac.Reason{}
	for _, u := range []rbac.UserID{"admin", "ann", "sam", "tom"} {
		for _, p := range []rbac.Permission{"case.read", "case.approve", "rbac.audit.read"} {
			out[fmt.Sprintf("%s %s", u, p)] = s.Check(rbac.Request{User: u, Permission: p}).Reason
		}
	}
	return out
}

// TestAsOf: the snapshot AsOf rebuilds for each revision decides as the
// authorizer's own snapshot did at that revision; AsOfTime picks the
// revision written at or before the instant and holds timed assignments
// as they were then.
func TestAsOf(t *testing.T) {
	ctx := t.Context()
	a, store := newAuthorizer(t, asOfPolicy)
	// The authorizer's snapshot at each revision, kept: decided at the
	// same instant as the rebuilt one.
	was := map[rbac.Revision]*rbac.Snapshot{a.Snapshot().Revision(): a.Snapshot()}
	t0 := time.Now()
	const window = time.Second // sam's timed role: from before the first step until t0+window
	steps := [][]rbac.Change{
		{rbac.PutUser(rbac.User{ID: "sam", Roles: []rbac.RoleID{"caseworker"}, Temporary: []rbac.TimedAssignment{{Role: "supervisor", Until: t0.Add(window)}}})},
		{rbac.PutUser(rbac.User{ID: "tom", Groups: []rbac.GroupID{"cover"}})},
		{{Kind: rbac.EntityUser, Key: "sam"}},
		{rbac.PutRole(rbac.Role{ID: "caseworker", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}, {Permission: "case.approve", Scope: rbac.ScopeGlobal}}})},
		{{Kind: rbac.EntityUser, Key: "tom"}, rbac.PutRole(rbac.Role{ID: "caseworker"})},
	}
	for i, ch := range steps {
		if i == 1 {
			time.Sleep(window + window/5) // the window ends between the first step and the second
		}
		rev, err := a.Admin(rbac.System).Apply(ctx, "step", ch...)
		if err != nil {
			t.Fatal(err)
		}
		was[rev] = a.Snapshot()
	}
	auditor := a.Admin("ann")
	for rev, then := range was {
		want := decisions(then)
		s, err := auditor.AsOf(ctx, rev)
		if err != nil {
			t.Fatalf("AsOf(%d): %v", rev, err)
		}
		if s.Revision() != rev {
			t.Errorf("AsOf(%d) is at revision %d", rev, s.Revision())
		}
		if diff := cmp.Diff(want, decisions(s)); diff != "" {
			t.Errorf("AsOf(%d) (-then +rebuilt):\n%s", rev, diff)
		}
	}
	// AsOfTime: sam's timed role held at half an hour after t0 (revision
	// of the first step), expired two hours after, absent before it.
	hist, err := auditor.History(ctx, rbac.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	first := hist[len(hist)-len(steps)] // the first step's change set
	for _, tc := range []struct {
		reason string
		at     time.Time
		rev    rbac.Revision
		want   rbac.Reason
	}{
		{"just before the first step", first.Time.Add(-time.Nanosecond), first.Revision - 1, rbac.ReasonNoGrant},
		{"at the first step, in the window", first.Time, first.Revision, rbac.ReasonGranted},
		{"still the first step's model, the window over", t0.Add(window), first.Revision, rbac.ReasonNoGrant},
	} {
		s, err := auditor.AsOfTime(ctx, tc.at)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if s.Revision() != tc.rev {
			t.Errorf("%s: revision %d, want %d", tc.reason, s.Revision(), tc.rev)
		}
		if got := s.Check(rbac.Request{User: "sam", Permission: "case.approve"}).Reason; got != tc.want {
			t.Errorf("%s: sam case.approve %s, want %s", tc.reason, got, tc.want)
		}
	}
	later, err := auditor.AsOfTime(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if later.Revision() != hist[len(hist)-1].Revision {
		t.Errorf("AsOfTime(an hour on) is at %d, want the latest %d", later.Revision(), hist[len(hist)-1].Revision)
	}

	// Rights first, then the log.
	if _, err := a.Admin("sam").AsOf(ctx, 1); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("sam AsOf: %v, want ErrForbidden", err)
	}
	if _, err := a.Admin("sam").AsOfTime(ctx, time.Now()); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("sam AsOfTime: %v, want ErrForbidden", err)
	}
	if _, err := a.Admin("sam").AsOf(ctx, 1000); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("sam AsOf a revision not reached: %v, want ErrForbidden first", err)
	}
	if _, err := auditor.AsOf(ctx, 1000); !errors.Is(err, rbac.ErrNotFound) {
		t.Errorf("AsOf a revision not reached: %v, want ErrNotFound", err)
	}
	if err := store.Prune(ctx, first.Revision+1); err != nil {
		t.Fatal(err)
	}
	if _, err := auditor.AsOf(ctx, first.Revision); !errors.Is(err, rbac.ErrTruncated) {
		t.Errorf("AsOf a pruned revision: %v, want ErrTruncated", err)
	}
	if _, err := auditor.AsOfTime(ctx, first.Time); !errors.Is(err, rbac.ErrTruncated) {
		t.Errorf("AsOfTime before the pruned log: %v, want ErrTruncated", err)
	}
	if s, err := auditor.AsOf(ctx, first.Revision+1); err != nil || s.Revision() != first.Revision+1 {
		t.Errorf("AsOf the first kept revision: %v", err)
	}
}
