package rbac

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestAtMicrosMatchesAt: picking the interval by the instant rounded down
// to the microsecond (what a check reading the system clock does) gives
// the interval of the instant itself, at every nanosecond near each bound,
// or says it cannot tell, which it may only within the microsecond of a
// bound with a finer part.
func TestAtMicrosMatchesAt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := time.Date(rapid.IntRange(1, 9999).Draw(t, "year"), 6, 1, 0, 0, 0, 0, time.UTC)
		var ts []TimedAssignment
		for range rapid.IntRange(1, 3).Draw(t, "entries") {
			from := base.Add(time.Duration(rapid.Int64Range(-5e6, 5e6).Draw(t, "from")) * time.Microsecond)
			from = from.Add(time.Duration(rapid.SampledFrom([]int{0, 1, 500, 999}).Draw(t, "from ns")))
			until := from.Add(time.Duration(rapid.Int64Range(1, 5e6).Draw(t, "length")) * time.Microsecond)
			until = until.Add(time.Duration(rapid.SampledFrom([]int{0, 1, 500, 999}).Draw(t, "until ns")))
			ts = append(ts, TimedAssignment{Role: "r", From: from, Until: until})
		}
		tp := newTimedProfiles(timedBounds(ts))
		tp.profs = make([]*profile, len(tp.bounds)+1)
		for i := range tp.profs {
			tp.profs[i] = &profile{id: int32(i)}
		}
		micros := func(t time.Time) int64 { return t.Unix()*1e6 + int64(t.Nanosecond()/1000) } // rounded down, as gettimeofday reads
		var instants []time.Time
		for _, b := range tp.bounds {
			for _, d := range []time.Duration{-1001, -1000, -999, -501, -500, -1, 0, 1, 499, 500, 999, 1000, 1001} {
				instants = append(instants, b.Add(d))
			}
		}
		for _, at := range instants {
			got, ok := tp.atMicros(micros(at))
			if !ok {
				if !slices.ContainsFunc(tp.bounds, func(b time.Time) bool { return b.Nanosecond()%1000 != 0 && micros(b) == micros(at) }) {
					t.Fatalf("bounds %v at %s: undecided by microseconds, outside the microsecond of a finer bound", tp.bounds, at.Format(time.RFC3339Nano))
				}
				continue
			}
			if want := tp.at(at); got != want {
				t.Fatalf("bounds %v at %s: interval %d by microseconds, %d by the instant", tp.bounds, at.Format(time.RFC3339Nano), got.id, want.id)
			}
		}
	})
}

// TestWallMicros: the microsecond clock reads the wall clock time.Now
// reads.
func TestWallMicros(t *testing.T) {
	before := time.Now()
	now, ok := wallMicros()
	after := time.Now()
	if !ok {
		t.Skip("no microsecond clock on this platform: checks read time.Now")
	}
	micros := func(t time.Time) int64 { return t.Unix()*1e6 + int64(t.Nanosecond()/1000) }
	if now < micros(before) || now > micros(after) {
		t.Errorf("wallMicros = %d, not between time.Now's %d and %d", now, micros(before), micros(after))
	}
}

// TestTimedChecksOnTheSystemClock: a snapshot without a clock of its own
// (an authorizer without WithClock) decides timed assignments by the
// system clock, with bounds in whole seconds or finer than microseconds,
// without allocating.
func TestTimedChecksOnTheSystemClock(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	snap := compileText(t, fmt.Sprintf(`
roles:
  - {id: caseworker, grants: [case.read]}
users:
  - {id: open, temporary: [{role: caseworker, from: %s, until: %s}]}
  - {id: ended, temporary: [{role: caseworker, until: %s}]}
  - {id: later, temporary: [{role: caseworker, from: %s}]}
  - {id: fine, temporary: [{role: caseworker, from: %s, until: %s}]}
`, at(-time.Hour), at(time.Hour), at(-time.Hour), at(time.Hour), at(-time.Hour+time.Nanosecond), at(time.Hour+time.Nanosecond)))
	if snap.clock != nil {
		t.Fatal("a snapshot compiled without a clock has one")
	}
	for user, want := range map[UserID]bool{"open": true, "ended": false, "later": false, "fine": true} {
		req := Request{User: user, Permission: "case.read"}
		if got := snap.Check(req).Allowed; got != want {
			t.Errorf("%s: allowed = %v, want %v", user, got, want)
		}
		if n := testing.AllocsPerRun(100, func() { snap.Check(req) }); n != 0 {
			t.Errorf("%s: %v allocations a check", user, n)
		}
	}
	if (&Authorizer{opts: options{clock: time.Now}}).snapshotClock() != nil {
		t.Error("an authorizer without WithClock gives its snapshots a clock")
	}
	var o options
	WithClock(time.Now)(&o)
	if (&Authorizer{opts: o}).snapshotClock() == nil {
		t.Error("an authorizer WithClock gives its snapshots none")
	}
}

// BenchmarkClockRead: what a timed user's check pays for the time, by
// time.Now (the wall and the monotonic clock) and by wallMicros (the wall
// clock alone, to the microsecond).
func BenchmarkClockRead(b *testing.B) {
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			time.Now()
		}
	})
	b.Run("wallMicros", func(b *testing.B) {
		if _, ok := wallMicros(); !ok {
			b.Skip("no microsecond clock on this platform")
		}
		for b.Loop() {
			wallMicros()
		}
	})
}
