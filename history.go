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
	Before   Revision  // if not zero: only change sets before this revision
	Limit    int       // at most this many: the newest that match
}

// Select returns cs as a history page shows it: with the first maxChanges
// of its changes that match q.Kind and q.Key (all when maxChanges < 0),
// copied, and Matched counting them all. ok is false when cs is outside
// q's revisions, actor or times, or none of its changes matches. Stores
// that implement HistoryReader over change sets in memory use it, so that
// they filter exactly as Admin.History does.
func (q HistoryQuery) Select(cs ChangeSet, maxChanges int) (set HistorySet, ok bool) {
	if cs.Revision <= q.After || q.Before > 0 && cs.Revision >= q.Before ||
		q.Actor != "" && cs.Actor != q.Actor ||
		!q.From.IsZero() && cs.Time.Before(q.From) ||
		!q.To.IsZero() && !cs.Time.Before(q.To) {
		return HistorySet{}, false
	}
	set.ChangeSet = cs
	set.Changes = nil
	if q.Kind == "" && q.Key == "" {
		set.Matched = len(cs.Changes)
	} else {
		for _, c := range cs.Changes {
			if (q.Kind == "" || c.Kind == q.Kind) && (q.Key == "" || c.Key == q.Key) {
				set.Matched++
			}
		}
		if set.Matched == 0 {
			return HistorySet{}, false
		}
	}
	shown := set.Matched
	if maxChanges >= 0 {
		shown = min(shown, maxChanges)
	}
	if shown > 0 {
		set.Changes = make([]Change, 0, shown)
	}
	for _, c := range cs.Changes {
		if len(set.Changes) == shown {
			break
		}
		if (q.Kind == "" || c.Kind == q.Kind) && (q.Key == "" || c.Key == q.Key) {
			set.Changes = append(set.Changes, c.Clone())
		}
	}
	return set, true
}

// History returns the change sets that match q, oldest first (with
// q.Limit, the newest that many), each with its actor, time, reason and
// the before and after of every entity it touched that matches q.Kind and
// q.Key. If the log was pruned after q.After, the error wraps
// ErrTruncated. It needs rbac.audit.read at scope global or all.
func (ad *Admin) History(ctx context.Context, q HistoryQuery) ([]ChangeSet, error) {
	if err := ad.mayReadAudit("reading the audit trail"); err != nil {
		return nil, err
	}
	page, err := readHistory(ctx, ad.a.store, q, -1)
	if err != nil {
		return nil, err
	}
	if q.After < page.Horizon {
		return nil, &Error{Op: "history", Msg: fmt.Sprintf("change sets up to revision %d were pruned; asked for those after %d", page.Horizon, q.After), Err: ErrTruncated}
	}
	out := make([]ChangeSet, len(page.Sets))
	for i, hs := range page.Sets {
		out[len(out)-1-i] = hs.ChangeSet
	}
	return out, nil
}

// HistoryPage returns a page of the change sets that match q, newest
// first, each with at most maxChanges of its matching changes (all when
// maxChanges < 0) and the number of them in all: what an audit screen
// shows. See HistoryReader for the details. On a store that is not a
// HistoryReader it reads the whole log with Changes (a pruned log then
// fails with ErrTruncated, as History does). It needs rbac.audit.read at
// scope global or all.
func (ad *Admin) HistoryPage(ctx context.Context, q HistoryQuery, maxChanges int) (HistoryPage, error) {
	if err := ad.mayReadAudit("reading the audit trail"); err != nil {
		return HistoryPage{}, err
	}
	return readHistory(ctx, ad.a.store, q, maxChanges)
}

// readHistory reads a page with the store's HistoryReader, or else from
// the whole log after q.After.
func readHistory(ctx context.Context, s Store, q HistoryQuery, maxChanges int) (HistoryPage, error) {
	if hr, ok := s.(HistoryReader); ok {
		return hr.ReadHistory(ctx, q, maxChanges)
	}
	sets, err := s.Changes(ctx, q.After)
	if err != nil {
		return HistoryPage{}, err
	}
	var page HistoryPage
	for i := len(sets) - 1; i >= 0 && (q.Limit <= 0 || len(page.Sets) < q.Limit); i-- {
		if hs, ok := q.Select(sets[i], maxChanges); ok {
			page.Sets = append(page.Sets, hs)
		}
	}
	return page, nil
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
	// Only that revision, whole: not the log after it.
	page, err := readHistory(ctx, ad.a.store, HistoryQuery{After: rev - 1, Before: rev + 1, Limit: 1}, -1)
	if err != nil {
		return 0, err
	}
	if len(page.Sets) == 0 || page.Sets[0].Revision != rev {
		msg := fmt.Sprintf("revision %d is not in the change log", rev)
		if rev <= page.Horizon {
			msg += fmt.Sprintf(" (pruned: the log starts after revision %d)", page.Horizon)
		}
		return 0, &Error{Op: "revert", Msg: msg, Err: ErrNotFound}
	}
	im := imagesOf(page.Sets[0].Changes)
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
