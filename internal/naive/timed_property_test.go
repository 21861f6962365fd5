package naive_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/internal/naive"
	"github.com/rolegraph/rbac/memstore"
)

// instants are the bounds timed assignments are drawn from; checks are
// made at each, a nanosecond either side, and between.
var instants = []time.Time{
	time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 8, 17, 0, 0, 0, time.UTC),
	time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
}

// genTimed draws a timed assignment of one of p's roles or groups (now and
// then an unknown one, or a malformed window, for principals).
func genTimed(t *rapid.T, p *rbac.Policy, malformed bool) rbac.TimedAssignment {
	var ta rbac.TimedAssignment
	if len(p.Groups) > 0 && rapid.IntRange(0, 2).Draw(t, "timed group?") == 0 {
		ta.Group = rapid.SampledFrom(p.Groups).Draw(t, "timed group").ID
	} else {
		ta.Role = rapid.SampledFrom(p.Roles).Draw(t, "timed role").ID
	}
	bound := func(label string) time.Time {
		i := rapid.IntRange(-1, len(instants)-1).Draw(t, label)
		if i < 0 {
			return time.Time{}
		}
		return instants[i]
	}
	ta.From, ta.Until = bound("from"), bound("until")
	if !malformed {
		if ta.From.IsZero() && ta.Until.IsZero() {
			ta.Until = instants[2]
		}
		if !ta.From.IsZero() && !ta.Until.IsZero() && !ta.From.Before(ta.Until) {
			ta.From, ta.Until = ta.Until, ta.From.Add(time.Hour)
		}
	}
	return ta
}

// TestTimedMatchesNaiveModel: on random policies whose users hold timed
// roles and groups, and random principals carrying them, Check at each
// bound, a nanosecond either side and between bounds decides as the naive
// model does at that instant, on a snapshot compiled at another instant
// (the clock moves; nothing is recompiled).
func TestTimedMatchesNaiveModel(t *testing.T) {
	if testing.Short() {
		t.Skip("property suite: run without -short")
	}
	var granted, changed int
	rapid.Check(t, func(t *rapid.T) {
		p := genPolicy(t)
		for i := range p.Users {
			for n := rapid.IntRange(0, 3).Draw(t, "timed"); n > 0; n-- {
				u := p.Users[i].Clone()
				u.Temporary = append(u.Temporary, genTimed(t, p, false))
				was := p.Users[i]
				p.Users[i] = u
				if p.Validate() != nil { // closed to the account type, or breaking a static constraint
					p.Users[i] = was
				}
			}
		}
		var clock atomic.Int64
		clock.Store(rapid.SampledFrom(instants).Draw(t, "compiled at").UnixNano())
		ctx := context.Background()
		store := memstore.New()
		if _, err := rbac.Import(ctx, store, p); err != nil {
			t.Fatalf("import: %v", err)
		}
		a, err := rbac.New(ctx, store, rbac.WithoutFollow(), rbac.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
		if err != nil {
			t.Fatalf("new: %v", err)
		}
		defer a.Close()
		snap := a.Snapshot()
		for k := 0; k < 30; k++ {
			req := genRequest(t, p)
			if req.Principal != nil && rapid.Bool().Draw(t, "timed principal?") {
				req.Principal.Temporary = append(req.Principal.Temporary, genTimed(t, p, rapid.IntRange(0, 5).Draw(t, "malformed?") == 0))
			}
			at := rapid.SampledFrom(instants).Draw(t, "at").Add(time.Duration(rapid.IntRange(-1, 1).Draw(t, "offset")) * rapid.SampledFrom([]time.Duration{time.Nanosecond, 36 * time.Hour}).Draw(t, "by"))
			clock.Store(at.UnixNano())
			want := naive.EvaluateAt(p, req, at)
			got := snap.Check(req)
			if diff := cmp.Diff(verdictOf(want), verdictOf(got)); diff != "" {
				t.Fatalf("at %s, request %+v (principal %+v)\n(-naive +engine):\n%s", at, req, req.Principal, diff)
			}
			if ex := snap.Explain(req); verdictOf(ex) != verdictOf(got) {
				t.Fatalf("Explain %v disagrees with Check %v", ex, got)
			}
			if got.Allowed {
				granted++
			}
			if verdictOf(naive.Evaluate(p, req)) != verdictOf(want) {
				changed++ // a window made the difference
			}
		}
	})
	if changed == 0 || granted == 0 {
		t.Errorf("%d decisions changed by a window, %d granted: the property says little", changed, granted)
	}
}
