package rbac

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Elevation is a break-glass declared in advance: a user who holds Invoke
// may give itself Roles for at most MaxDuration (Admin.Elevate), with a
// reason, as a timed assignment that ends by itself. Whoever declares an
// elevation must be able to confer its roles (it is judged as the gain of
// those roles), so that invoking it later gains only what was declared.
//
// In a policy file:
//
//	elevations:
//	  - {id: incident, title: Incident response, roles: [case_admin], max_duration: 4h, invoke: case.break_glass}
type Elevation struct {
	ID          string        `yaml:"id"`
	Title       string        `yaml:"title,omitempty"`
	Roles       []RoleID      `yaml:"roles"`
	MaxDuration time.Duration `yaml:"max_duration"` // a Go duration in a policy file: 4h, 30m
	Invoke      Permission    `yaml:"invoke"`
}

// EntityElevation is the entity kind of an Elevation.
const EntityElevation EntityKind = "elevation"

// Clone returns a deep copy.
func (e Elevation) Clone() Elevation {
	e.Roles = slices.Clone(e.Roles)
	return e
}

func (e Elevation) EntityKind() EntityKind { return EntityElevation }
func (e Elevation) EntityKey() string      { return e.ID }
func (e Elevation) cloneEntity() Entity    { return e.Clone() }

// PutElevation declares (or changes) an elevation.
func PutElevation(e Elevation) Change { return put(e) }

// DeleteElevation removes an elevation; running elevations end when their
// time is up, as declared.
func DeleteElevation(id string) Change { return Change{Kind: EntityElevation, Key: id} }

// validate checks the declared elevations.
func (v *validator) elevations() {
	st := v.st
	for _, id := range sortedKeys(st.elevations) {
		e := st.elevations[id]
		v.id(EntityElevation, id, "id", id)
		if err := checkText("the title", e.Title); err != nil {
			v.add(ErrInvalid, EntityElevation, id, "%v", err)
		}
		if len(e.Roles) == 0 {
			v.add(ErrInvalid, EntityElevation, id, "gives no role: list the roles it gives in roles")
		}
		for i, r := range e.Roles {
			switch {
			case slices.Contains(e.Roles[:i], r):
				v.add(ErrInvalid, EntityElevation, id, "role %q is listed twice", r)
			default:
				if _, ok := st.roles[r]; !ok {
					v.add(ErrNotFound, EntityElevation, id, "role %q does not exist", r)
				}
			}
		}
		if e.MaxDuration <= 0 {
			v.add(ErrInvalid, EntityElevation, id, "max_duration is %s; it must be positive (a Go duration such as 4h)", e.MaxDuration)
		}
		if err := checkPermission(e.Invoke); err != nil {
			v.add(ErrInvalid, EntityElevation, id, "invoke: %v", err)
		} else if e.Invoke.IsWildcard() {
			v.add(ErrInvalid, EntityElevation, id, "invoke %q is a wildcard: name the one permission that may invoke it", e.Invoke)
		} else if !v.catalogued(e.Invoke) {
			v.add(ErrNotFound, EntityElevation, id, "invoke %q is not in the permission catalogue", e.Invoke)
		}
	}
}

// Reasons of the change sets Elevate and EndElevation write start with
// these, followed by the elevation's id, ": " and the actor's reason: the
// history flags them, and Elevations reads them back.
const (
	elevationReasonPrefix    = "elevation "
	endElevationReasonPrefix = "end of elevation "
)

// ElevationObserver is an optional capability of an Observer (found by type
// assertion): it is told of every elevation and every early end.
type ElevationObserver interface {
	Elevated(e ElevationRecord)
}

// ElevationRecord is one use of an elevation, for review: who, why, from
// when until when, and whether it was ended early.
type ElevationRecord struct {
	ID       string // the elevation
	Actor    UserID
	Reason   string // the actor's reason
	Revision Revision
	From     time.Time
	Until    time.Time
	Roles    []RoleID
	// Ended is set when EndElevation ended it early: its revision, time
	// and reason.
	EndedAt     Revision
	EndedTime   time.Time
	EndedReason string
}

// Open reports whether the elevation is running at now.
func (r ElevationRecord) Open(now time.Time) bool {
	return r.EndedAt == 0 && now.Before(r.Until)
}

// Elevate gives the actor the roles of elevation id until now+d, as timed
// assignments, if the actor holds the elevation's Invoke permission now, d
// is positive and at most its MaxDuration, and a reason is given. The
// change set is judged like any other (Admin) but for one allowance: what
// it gains is the elevation's, judged when it was declared (declaring it,
// or giving one of its roles a grant, is conferring that gain, sensitivity
// included), so the actor changing only its own timed assignments of the
// elevation's roles, for at most MaxDuration, holding Invoke, is not asked
// for the rights an Admin change needs, nor to exercise the roles itself,
// nor for rbac.sensitive.grant. Every other rule still holds: the model
// stays valid (separation of duty, account types), an approval entry
// naming one of its roles needs a second person (Propose the same change
// instead), no lockout. The
// actor must be a stored user: an elevation is stored on the user, and a
// principal's roles come from its token (AdminAs is refused, ErrInvalid).
// The change set's reason is "elevation ID: REASON"; the logger warns of
// it, and an Observer that is an ElevationObserver is told.
func (ad *Admin) Elevate(ctx context.Context, reason, id string, d time.Duration) (Revision, error) {
	const op = "elevate"
	s, el, err := ad.elevationFor(ctx, op, reason, id)
	if err != nil {
		return 0, err
	}
	if d <= 0 || d > el.MaxDuration {
		return 0, &Error{Op: op, Kind: EntityElevation, ID: id, Msg: fmt.Sprintf("the duration %s is not between 0 and the elevation's max_duration %s", d, el.MaxDuration), Err: ErrInvalid}
	}
	if u, ok := s.User(ad.actor); !ok || u.Disabled {
		return 0, ad.forbid("the actor is not a known, enabled user")
	}
	if !s.Check(Request{User: ad.actor, Permission: el.Invoke}).Allowed {
		return 0, ad.forbid("invoking elevation %q needs %s", id, el.Invoke)
	}
	var from, until time.Time
	build := func(s *Snapshot) ([]Change, error) {
		u, ok := s.User(ad.actor)
		if !ok {
			return nil, ad.forbid("the actor is not a known user")
		}
		from = ad.a.opts.clock()
		until = from.Add(d)
		for _, r := range el.Roles {
			u.Temporary = append(u.Temporary, TimedAssignment{Role: r, From: from, Until: until})
		}
		return []Change{PutUser(u)}, nil
	}
	rev, err := ad.apply(ctx, adminWrite{reason: elevationReasonPrefix + id + ": " + reason, ownReason: reason, build: build, elevation: &el})
	if err != nil {
		return 0, relabel(op, fmt.Sprintf("invoking elevation %q", id), err)
	}
	ad.a.elevated(ctx, ElevationRecord{ID: id, Actor: ad.actor, Reason: reason, Revision: rev, From: from, Until: until, Roles: slices.Clone(el.Roles)}, "rbac: elevation invoked")
	return rev, nil
}

// EndElevation ends the actor's running elevation id early: its timed
// assignments of the elevation's roles that have not ended are removed. A
// reason is required; the change set's reason is "end of elevation ID:
// REASON". It only takes away, so it is judged like any change (lockout,
// approval entries) except that removing its own timed assignments of the
// elevation's roles needs no rights of administration.
func (ad *Admin) EndElevation(ctx context.Context, reason, id string) (Revision, error) {
	const op = "end elevation"
	_, el, err := ad.elevationFor(ctx, op, reason, id)
	if err != nil {
		return 0, err
	}
	var now time.Time
	build := func(s *Snapshot) ([]Change, error) {
		u, ok := s.User(ad.actor)
		if !ok {
			return nil, ad.forbid("the actor is not a known user")
		}
		now = ad.a.opts.clock()
		kept := u.Temporary[:0]
		for _, t := range u.Temporary {
			if t.Role != "" && slices.Contains(el.Roles, t.Role) && !t.Expired(now) {
				continue
			}
			kept = append(kept, t)
		}
		if len(kept) == len(u.Temporary) {
			return nil, &Error{Op: op, Kind: EntityUser, ID: string(ad.actor), Msg: "it is not running", Err: ErrNotFound}
		}
		u.Temporary = kept
		if len(u.Temporary) == 0 {
			u.Temporary = nil
		}
		return []Change{PutUser(u)}, nil
	}
	rev, err := ad.apply(ctx, adminWrite{reason: endElevationReasonPrefix + id + ": " + reason, ownReason: reason, build: build, elevation: &el})
	if err != nil {
		return 0, relabel(op, fmt.Sprintf("ending elevation %q", id), err)
	}
	ad.a.elevated(ctx, ElevationRecord{ID: id, Actor: ad.actor, Revision: rev, EndedAt: rev, EndedTime: now, EndedReason: reason, Roles: slices.Clone(el.Roles)}, "rbac: elevation ended early")
	return rev, nil
}

// elevationFor is what Elevate and EndElevation first ask: a reason, an
// actor that is a stored user, the store caught up with, and the declared
// elevation id. It returns the current snapshot and the elevation.
func (ad *Admin) elevationFor(ctx context.Context, op, reason, id string) (*Snapshot, Elevation, error) {
	if reason == "" {
		return nil, Elevation{}, &Error{Op: op, ID: id, Msg: "a reason is required: say why", Err: ErrInvalid}
	}
	if err := checkText("the reason", reason); err != nil {
		return nil, Elevation{}, &Error{Op: op, ID: id, Msg: err.Error(), Err: ErrInvalid}
	}
	switch {
	case ad.principal != nil && ad.principalErr != nil:
		return nil, Elevation{}, ad.principalErr
	case ad.principal != nil:
		// A principal's roles are its token's: a timed assignment stored
		// under its id would not reach its checks, nor be its token's.
		return nil, Elevation{}, &Error{Op: op, Kind: EntityUser, ID: string(ad.actor), Msg: "the actor is a principal (AdminAs): an elevation is a timed assignment stored on a stored user (Authorizer.Admin); a principal's roles come from its token, so its identity provider must issue the elevation's roles", Err: ErrInvalid}
	case ad.actor == System:
		return nil, Elevation{}, ad.forbid("%s is not a user: it cannot elevate", System)
	}
	a := ad.a
	if _, err := a.Sync(ctx); err != nil {
		return nil, Elevation{}, relabel(op, "catching up with the store", err)
	}
	s := a.Snapshot()
	el, ok := a.elevation(id)
	if !ok {
		return nil, Elevation{}, &Error{Op: op, Kind: EntityElevation, ID: id, Msg: "no such elevation", Err: ErrNotFound}
	}
	return s, el, nil
}

// elevationRows reports whether changing the actor from old to cur changes
// only its timed assignments of el's roles, by adding windows that end no
// later than now+el.MaxDuration (Elevate) or removing windows (EndElevation),
// and whether it adds any. This is the allowance of an elevation: such a
// change needs no rights of administration (Admin.rights), and what it
// adds is the elevation's gain (judgement.judgeGain), if the actor holds
// el.Invoke.
func elevationRows(el *Elevation, old, cur User, now time.Time) (adds, ok bool) {
	same := cur
	same.Temporary = old.Temporary
	if !equalUsersExceptGroups(old, same) || !slices.Equal(old.Groups, cur.Groups) {
		return false, false
	}
	ofElevation := func(t TimedAssignment) bool { return t.Role != "" && slices.Contains(el.Roles, t.Role) }
	changed := false
	for _, t := range cur.Temporary {
		if slices.ContainsFunc(old.Temporary, t.within) {
			continue
		}
		if !ofElevation(t) || t.Until.IsZero() || t.Until.After(now.Add(el.MaxDuration)) {
			return false, false
		}
		adds, changed = true, true
	}
	for _, t := range old.Temporary {
		if slices.ContainsFunc(cur.Temporary, t.equal) {
			continue
		}
		if !ofElevation(t) {
			return false, false
		}
		changed = true
	}
	return adds, changed
}

// elevationAllows reports whether the user change c is the actor's own
// elevation rows (elevationRows) that the actor may write without rights
// of administration: removing them always, adding them holding el.Invoke.
func (ad *Admin) elevationAllows(el *Elevation, r *actorRights, c Change, old User, had bool, now time.Time) bool {
	if el == nil || !had || c.After == nil || UserID(c.Key) != ad.actor || ad.principal != nil {
		return false
	}
	adds, ok := elevationRows(el, old, c.After.(User), now)
	return ok && (!adds || r.can.canName(el.Invoke) != 0)
}

// elevation returns the declared elevation id.
func (a *Authorizer) elevation(id string) (Elevation, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	el, ok := a.st.elevations[id]
	return el.Clone(), ok
}

// elevated reports an elevation, or its early end, to the logger (warn)
// and to observers that want it.
func (a *Authorizer) elevated(ctx context.Context, r ElevationRecord, msg string) {
	if l := a.opts.obs.logger; l != nil {
		attrs := []slog.Attr{slog.String("elevation", r.ID), slog.String("actor", string(r.Actor)), slog.Uint64("revision", uint64(r.Revision))}
		if r.EndedAt == 0 {
			attrs = append(attrs, slog.String("reason", r.Reason), slog.Time("until", r.Until), slog.Any("roles", r.Roles))
		} else {
			attrs = append(attrs, slog.String("reason", r.EndedReason))
		}
		l.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
	}
	for _, o := range a.opts.obs.observers {
		if eo, ok := o.(ElevationObserver); ok {
			eo.Elevated(r)
		}
	}
}

// Elevations lists every use of an elevation the change log holds, oldest
// first, open and closed, with reasons: for review. It needs
// rbac.audit.read; ErrTruncated when the log was pruned.
func (ad *Admin) Elevations(ctx context.Context) ([]ElevationRecord, error) {
	sets, err := ad.History(ctx, HistoryQuery{})
	if err != nil {
		return nil, err
	}
	var out []ElevationRecord
	open := map[[2]string]int{} // (actor, id) → index of its last record not ended
	for _, cs := range sets {
		switch {
		case strings.HasPrefix(cs.Reason, elevationReasonPrefix):
			id, reason, _ := strings.Cut(strings.TrimPrefix(cs.Reason, elevationReasonPrefix), ": ")
			r := ElevationRecord{ID: id, Actor: cs.Actor, Reason: reason, Revision: cs.Revision}
			// The window is the one the set added to the actor.
			for _, c := range cs.Changes {
				u, ok := c.After.(User)
				if !ok || u.ID != cs.Actor {
					continue
				}
				var was []TimedAssignment
				if b, ok := c.Before.(User); ok {
					was = b.Temporary
				}
				for _, t := range u.Temporary {
					if !slices.ContainsFunc(was, t.equal) {
						r.From, r.Until = t.From, t.Until
						r.Roles = append(r.Roles, t.Role)
					}
				}
			}
			open[[2]string{string(cs.Actor), id}] = len(out)
			out = append(out, r)
		case strings.HasPrefix(cs.Reason, endElevationReasonPrefix):
			id, reason, _ := strings.Cut(strings.TrimPrefix(cs.Reason, endElevationReasonPrefix), ": ")
			key := [2]string{string(cs.Actor), id}
			if i, ok := open[key]; ok {
				out[i].EndedAt, out[i].EndedTime, out[i].EndedReason = cs.Revision, cs.Time, reason
				delete(open, key)
			}
		}
	}
	return out, nil
}
