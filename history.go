package rbac

import (
	"context"
	"fmt"
	"time"
)

// HistoryQuery filters the change log. Zero fields match everything.
type HistoryQuery struct {
	Actor    UserID
	Kind     EntityKind // with Key: one entity's history
	Key      string
	From, To time.Time // Time within [From, To)
	After    Revision  // only change sets after this revision
	Limit    int       // at most this many, newest last
}

// History returns the change sets that match q, each with its actor,
// time, reason and the before and after of every entity it touched. It
// needs rbac.audit.read.
func (ad *Admin) History(ctx context.Context, q HistoryQuery) ([]ChangeSet, error) {
	if ad.actor != System && !ad.holds(ad.a.Snapshot(), PermAuditRead) {
		return nil, ad.forbid("reading the audit trail needs %s", PermAuditRead)
	}
	sets, err := ad.a.store.Changes(ctx, q.After)
	if err != nil {
		return nil, err
	}
	var out []ChangeSet
	for _, cs := range sets {
		if q.Actor != "" && cs.Actor != q.Actor ||
			!q.From.IsZero() && cs.Time.Before(q.From) ||
			!q.To.IsZero() && !cs.Time.Before(q.To) {
			continue
		}
		if q.Kind != "" || q.Key != "" {
			keep := ChangeSet{Revision: cs.Revision, Time: cs.Time, Actor: cs.Actor, Reason: cs.Reason}
			for _, c := range cs.Changes {
				if (q.Kind == "" || c.Kind == q.Kind) && (q.Key == "" || c.Key == q.Key) {
					keep.Changes = append(keep.Changes, c)
				}
			}
			if len(keep.Changes) == 0 {
				continue
			}
			cs = keep
		}
		out = append(out, cs)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// Revert applies the inverse of change set rev, if nothing it touched has
// changed since (otherwise ErrConflict naming the entity). The revert is
// itself a change set under the same rules, with its own reason.
func (ad *Admin) Revert(ctx context.Context, rev Revision, reason string) (Revision, error) {
	if rev == 0 {
		return 0, &Error{Op: "revert", Msg: "no revision given", Err: ErrInvalid}
	}
	sets, err := ad.a.store.Changes(ctx, rev-1)
	if err != nil {
		return 0, err
	}
	if len(sets) == 0 || sets[0].Revision != rev {
		return 0, &Error{Op: "revert", Msg: fmt.Sprintf("revision %d is not in the change log", rev), Err: ErrNotFound}
	}
	cs := sets[0]
	cur, _ := ad.a.Policy()
	now := stateOf(cur, 0)
	// Only the last change to each entity in the set says what it should
	// look like now.
	final := map[entityRef]Entity{}
	for _, c := range cs.Changes {
		final[entityRef{c.Kind, c.Key}] = c.After
	}
	for ref, want := range final {
		have := now.get(ref.kind, ref.key)
		if (want == nil) != (have == nil) || want != nil && !sameEntity(want, have) {
			return 0, &Error{Op: "revert", Kind: ref.kind, ID: ref.key, Msg: fmt.Sprintf("changed since revision %d; revert the later change first", rev), Err: ErrConflict}
		}
	}
	var inverse []Change
	done := map[entityRef]bool{}
	for i := len(cs.Changes) - 1; i >= 0; i-- {
		c := cs.Changes[i]
		ref := entityRef{c.Kind, c.Key}
		if done[ref] {
			continue
		}
		done[ref] = true
		// The first Before of the entity in the set is what it was.
		var was Entity
		for _, d := range cs.Changes {
			if d.Kind == c.Kind && d.Key == c.Key {
				was = d.Before
				break
			}
		}
		if was == nil {
			inverse = append(inverse, Change{Kind: c.Kind, Key: c.Key})
		} else {
			inverse = append(inverse, put(was))
		}
	}
	if reason == "" {
		reason = fmt.Sprintf("revert of revision %d", rev)
	}
	return ad.Apply(ctx, reason, inverse...)
}
