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
// needs rbac.audit.read at scope global or all.
func (ad *Admin) History(ctx context.Context, q HistoryQuery) ([]ChangeSet, error) {
	if err := ad.mayReadAudit("reading the audit trail"); err != nil {
		return nil, err
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

// mayReadAudit: the actor is a known, enabled user holding rbac.audit.read
// at scope global or all (System always may).
func (ad *Admin) mayReadAudit(what string) error {
	if ad.actor == System {
		return nil
	}
	r, err := ad.actorIn(ad.a.Snapshot())
	if err != nil {
		return err
	}
	if !r.holds(PermAuditRead) {
		return ad.forbid("%s needs %s at scope global or all", what, PermAuditRead)
	}
	return nil
}

// Revert applies the inverse of change set rev, if nothing it touched has
// changed since (otherwise ErrConflict naming the entity). It reads the
// audit trail, so it needs rbac.audit.read, checked first; the inverse is
// then judged like any change set, with the actor's own reason (the audit
// trail records "revert of revision N" when there is none, but the
// sensitivity rule sees no reason).
func (ad *Admin) Revert(ctx context.Context, rev Revision, reason string) (Revision, error) {
	if err := checkText("the reason", reason); err != nil {
		return 0, &Error{Op: "revert", Msg: err.Error(), Err: ErrInvalid}
	}
	if err := ad.mayReadAudit("reverting a change set"); err != nil {
		return 0, err
	}
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
	im := imagesOf(sets[0].Changes)
	// The inverse restores each entity to its first Before, newest first,
	// so that references are restored after what they refer to.
	var inverse []Change
	for i := len(im.refs) - 1; i >= 0; i-- {
		ref := im.refs[i]
		if was := im.before[ref]; was != nil {
			inverse = append(inverse, put(was))
		} else {
			inverse = append(inverse, Change{Kind: ref.kind, Key: ref.key})
		}
	}
	// Only after the rights: whether anything changed since names entities.
	unchanged := func(st *state) error {
		for _, ref := range im.refs {
			if !equalEntities(im.after[ref], st.get(ref.kind, ref.key)) {
				return &Error{Op: "revert", Kind: ref.kind, ID: ref.key, Msg: fmt.Sprintf("changed since revision %d; revert the later change first", rev), Err: ErrConflict}
			}
		}
		return nil
	}
	audit := reason
	if audit == "" {
		audit = fmt.Sprintf("revert of revision %d", rev)
	}
	return ad.apply(ctx, adminWrite{reason: audit, ownReason: reason, changes: inverse, precheck: unchanged})
}
