package rbac

import (
	"fmt"
	"slices"
	"time"

	"github.com/rolegraph/rbac/internal/compile"
)

// TimedAssignment is a role or a group a user holds for a time: cover for
// an absent colleague, a contractor's term, an emergency (Elevation).
// Exactly one of Role and Group is set. The assignment holds from From
// (zero: always held before Until) until just before Until (zero: it does
// not end): no check at or after Until, or before From, uses it, with no
// write needed.
//
// In a policy file, under a user:
//
//	temporary: [{role: supervisor, until: 2027-01-08T17:00:00Z}]
//
// with times in RFC 3339.
type TimedAssignment struct {
	Role  RoleID    `yaml:"role,omitempty" json:",omitempty"`
	Group GroupID   `yaml:"group,omitempty" json:",omitempty"`
	From  time.Time `yaml:"from,omitempty" json:",omitzero"`
	Until time.Time `yaml:"until,omitempty" json:",omitzero"`
}

// HeldAt reports whether the assignment holds at t: From ≤ t < Until, a
// zero bound being no bound.
func (t TimedAssignment) HeldAt(at time.Time) bool {
	return (t.From.IsZero() || !at.Before(t.From)) && (t.Until.IsZero() || at.Before(t.Until))
}

// Expired reports whether the assignment can never hold again at or after t.
func (t TimedAssignment) Expired(at time.Time) bool {
	return !t.Until.IsZero() && !at.Before(t.Until)
}

// String names the assignment and its window, for messages.
func (t TimedAssignment) String() string {
	what := "role " + string(t.Role)
	if t.Group != "" {
		what = "group " + string(t.Group)
	}
	switch {
	case !t.From.IsZero() && !t.Until.IsZero():
		return fmt.Sprintf("%s from %s until %s", what, t.From.Format(time.RFC3339), t.Until.Format(time.RFC3339))
	case !t.Until.IsZero():
		return fmt.Sprintf("%s until %s", what, t.Until.Format(time.RFC3339))
	case !t.From.IsZero():
		return fmt.Sprintf("%s from %s", what, t.From.Format(time.RFC3339))
	}
	return what
}

// checkTimed reports why a timed assignment's shape is wrong, apart from
// the ids it names: exactly one of Role and Group, a window that is one.
func checkTimed(t TimedAssignment) error {
	switch {
	case t.Role == "" && t.Group == "":
		return fmt.Errorf("names neither a role nor a group: set exactly one")
	case t.Role != "" && t.Group != "":
		return fmt.Errorf("names both role %q and group %q: set exactly one (write two entries for both)", t.Role, t.Group)
	case t.From.IsZero() && t.Until.IsZero():
		return fmt.Errorf("has neither from nor until: a permanent assignment belongs in roles or groups")
	case !t.From.IsZero() && (t.From.Year() < 1 || t.From.Year() > 9999), !t.Until.IsZero() && (t.Until.Year() < 1 || t.Until.Year() > 9999):
		return fmt.Errorf("has a time outside the years 1 to 9999")
	case !t.From.IsZero() && !t.Until.IsZero() && !t.From.Before(t.Until):
		return fmt.Errorf("from %s is not before until %s", t.From.Format(time.RFC3339Nano), t.Until.Format(time.RFC3339Nano))
	}
	return nil
}

// WithClock sets where the authorizer reads the time (default: the
// system clock, as time.Now reads it): timed assignments hold by it. Tests
// move a fake clock to cross a window's bounds.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock, o.ownClock = now, true
		}
	}
}

// Now returns the time by the authorizer's clock (WithClock; time.Now by
// default): the instant checks, Elevate, Approve and campaigns judge timed
// assignments against. A console or report that labels assignments
// running or expired reads it, so that it agrees with the checks.
func (a *Authorizer) Now() time.Time { return a.opts.clock() }

// equal compares two assignments, their times as instants (a time read
// back from a store may have another location).
func (t TimedAssignment) equal(u TimedAssignment) bool {
	return t.Role == u.Role && t.Group == u.Group && t.From.Equal(u.From) && t.Until.Equal(u.Until)
}

// How checks honour windows. A user with timed assignments is compiled to
// one profile per interval between the instants where what the user holds
// changes (timedProfiles): a check of such a user reads the clock once and
// picks the interval's profile, so it is exact at every instant, on a
// Snapshot held for as long as one likes, with no write and no allocation.
// A user without timed assignments costs a nil test and never reads the
// clock. The record's own profile (userRec.prof, what Explain's route, the
// review functions and the admin judgement read) is the one of the
// compile's instant; the snapshot carries its next boundary (Snapshot.next),
// and the authorizer's follow loop recompiles the users concerned once its
// clock has passed it (Authorizer.retime), so those stay current too.

// timedProfiles are the profiles of one user with timed assignments, by
// interval: profs[i] holds before bounds[i], and the last one after every
// bound.
type timedProfiles struct {
	bounds []time.Time // sorted, distinct
	profs  []*profile  // len(bounds)+1
	// micros are the bounds again, to the microsecond: a check compares
	// them with the system clock read to the microsecond (wallMicros),
	// one clock read where time.Now costs two (atMicros).
	micros []microBound
}

// microBound is a bound in microseconds since 1970, rounded down, and
// whether it had a finer part.
type microBound struct {
	us   int64
	fine bool
}

// newTimedProfiles returns the timed profiles of bounds, profiles to come.
func newTimedProfiles(bounds []time.Time) *timedProfiles {
	t := &timedProfiles{bounds: bounds, micros: make([]microBound, len(bounds))}
	for i, b := range bounds {
		t.micros[i] = microBound{b.Unix()*1e6 + int64(b.Nanosecond()/1000), b.Nanosecond()%1000 != 0}
	}
	return t
}

// at returns the profile that holds at now. Users hold few timed
// assignments: a scan beats a binary search.
func (t *timedProfiles) at(now time.Time) *profile {
	i := 0
	for i < len(t.bounds) && !now.Before(t.bounds[i]) {
		i++
	}
	return t.profs[i]
}

// atMicros is at for an instant T known only as us, T rounded down to
// the microsecond (us ≤ T < us+1µs), and reports false when that cannot
// tell. Against a bound b rounded down to m: if us > m, then T ≥ us ≥
// m+1µs > b; if us < m, then T < us+1µs ≤ m ≤ b; if us = m and b is a
// whole microsecond (b = m), then T ≥ us = b. Only an instant within the
// same microsecond as a bound with a finer part is left undecided.
func (t *timedProfiles) atMicros(us int64) (*profile, bool) {
	i := 0
	for ; i < len(t.micros); i++ {
		m := t.micros[i]
		if us < m.us {
			break
		}
		if us == m.us && m.fine {
			return nil, false
		}
	}
	return t.profs[i], true
}

// timedAt returns the profile of a user with timed assignments at the
// snapshot's clock. Without a clock of its own (WithClock) that is the
// system clock, read to the microsecond where that is one clock read
// (wallMicros), and with time.Now only in the microsecond of a bound finer
// than that.
func (s *Snapshot) timedAt(t *timedProfiles) *profile {
	if s.clock == nil {
		if us, ok := wallMicros(); ok {
			if p, ok := t.atMicros(us); ok {
				return p
			}
		}
	}
	return t.at(s.now())
}

// nextAfter returns the first bound after now, or the zero time.
func (t *timedProfiles) nextAfter(now time.Time) time.Time {
	for _, b := range t.bounds {
		if b.After(now) {
			return b
		}
	}
	return time.Time{}
}

// timedBounds returns the distinct From and Until instants of ts, sorted.
func timedBounds(ts []TimedAssignment) []time.Time {
	var out []time.Time
	for _, t := range ts {
		for _, b := range [2]time.Time{t.From, t.Until} {
			if !b.IsZero() {
				out = append(out, b)
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// intervalInstant returns an instant inside interval i of bounds: just
// before the first bound, else at bound i-1.
func intervalInstant(bounds []time.Time, i int) time.Time {
	if i == 0 {
		return bounds[0].Add(-time.Nanosecond)
	}
	return bounds[i-1]
}

// earlier returns the earlier of two instants, the zero time being none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// snapshotClock is the clock the authorizer's snapshots read: nil for
// the system clock, which Snapshot.timedAt reads more cheaply than
// time.Now.
func (a *Authorizer) snapshotClock() func() time.Time {
	if !a.opts.ownClock {
		return nil
	}
	return a.opts.clock
}

// now reads the snapshot's clock (time.Now for a snapshot compiled outside
// an authorizer).
func (s *Snapshot) now() time.Time {
	if s.clock == nil {
		return time.Now()
	}
	return s.clock()
}

// now reads the state's clock: the authorizer's (WithClock), else time.Now.
func (st *state) now() time.Time {
	if st.clock == nil {
		return time.Now()
	}
	return st.clock()
}

// retimeLocked brings the records' own profiles to the authorizer's
// clock once it has passed the snapshot's next bound: checks are exact
// without it, but Explain's route, the review functions and the admin
// judgement read those profiles. It publishes a snapshot of the same
// revision. It costs a pass over the users, once per bound passed. The
// caller holds mu.
func (a *Authorizer) retimeLocked() {
	s := a.snap.Load()
	if s == nil || s.next.IsZero() {
		return
	}
	now := a.opts.clock()
	if now.Before(s.next) {
		return
	}
	ns := *s
	ns.at, ns.next = now, time.Time{}
	for id, u := range a.st.users {
		if len(u.Temporary) == 0 {
			continue
		}
		rec, ok := ns.users.Get(string(id))
		if !ok || rec == nil || rec.timed == nil {
			continue
		}
		ns.next = earlier(ns.next, rec.timed.nextAfter(now))
		if p := rec.timed.at(now); p != rec.prof {
			r := *rec
			r.prof = p
			ns.users = ns.users.With(string(id), &r, false)
		}
	}
	if !ns.users.SameBase(s.review.users) {
		ns.review = newReviewIndex(ns.users, a.comp.profiles.n, func(f func(*userRec)) {
			ns.users.RangeBase(func(_ string, rec *userRec) bool { f(rec); return true })
		}, nil)
	}
	a.publish(&ns)
}

// untilBoundary returns how long the follow loop may wait for the store:
// d, or less when the snapshot's next bound comes first by the clock.
func (a *Authorizer) untilBoundary(d time.Duration) time.Duration {
	s := a.snap.Load()
	if s == nil || s.next.IsZero() {
		return d
	}
	return min(d, max(s.next.Sub(a.opts.clock()), time.Millisecond))
}

// within reports whether o gives what t gives, for at least t's window:
// the same role or group, from no later, until no earlier.
func (t TimedAssignment) within(o TimedAssignment) bool {
	return o.Role == t.Role && o.Group == t.Group &&
		(o.From.IsZero() || (!t.From.IsZero() && !t.From.Before(o.From))) &&
		(o.Until.IsZero() || (!t.Until.IsZero() && !t.Until.After(o.Until)))
}

// profileNow returns the profile rec holds at the snapshot's clock.
func (s *Snapshot) profileNow(rec *userRec) *profile {
	if rec.timed == nil {
		return rec.prof
	}
	return s.timedAt(rec.timed)
}

// profileAhead returns what rec holds now or will hold before its last
// window ends: its permanent roles and every timed assignment not expired
// at the snapshot's clock. The judgement of a change compares these, so
// that a window opening later is a gain now.
func (s *Snapshot) profileAhead(rec *userRec) *profile {
	if rec.timed == nil {
		return rec.prof
	}
	now := s.now()
	i := 0
	for i < len(rec.timed.bounds) && !now.Before(rec.timed.bounds[i]) {
		i++
	}
	if i == len(rec.timed.bounds) {
		return rec.timed.profs[i]
	}
	set := compile.NewBits(len(s.roles.roles))
	for _, p := range rec.timed.profs[i:] {
		set.Or(p.roles)
	}
	return s.roles.cache.get(s.roles, set, true)
}
