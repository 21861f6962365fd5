package rbac

import (
	"context"
	"fmt"
	"time"
)

// AsOf returns a read-only Snapshot of the model as it was at revision rev:
// the current model with the change log's Before images put back, newest
// first, for every change set after rev. Its checks and review functions
// answer as they would have then; timed assignments hold by the
// authorizer's clock (AsOfTime fixes the instant as well). It needs
// rbac.audit.read at scope global or all, checked first; if the log was
// pruned after rev the error wraps ErrTruncated, and a revision the
// authorizer has not reached is ErrNotFound.
func (ad *Admin) AsOf(ctx context.Context, rev Revision) (*Snapshot, error) {
	if err := ad.mayReadAudit("reading the model as it was"); err != nil {
		return nil, err
	}
	return ad.asOf(ctx, "as of", rev, ad.a.snapshotClock())
}

// AsOfTime returns a read-only Snapshot of the model as it was at the
// instant t: at the last revision written at or before t, with timed
// assignments held as they were at t (the snapshot's clock stands still at
// t). "Who could read this case on that day" is a check on it. It needs
// rbac.audit.read, checked first; ErrTruncated when the log no longer
// reaches back to t.
func (ad *Admin) AsOfTime(ctx context.Context, t time.Time) (*Snapshot, error) {
	if err := ad.mayReadAudit("reading the model as it was"); err != nil {
		return nil, err
	}
	if t.IsZero() {
		return nil, &Error{Op: "as of time", Msg: "no time given", Err: ErrInvalid}
	}
	page, err := readHistory(ctx, ad.a.store, HistoryQuery{To: t.Add(time.Nanosecond), Limit: 1}, 0)
	if err != nil {
		return nil, relabel("as of time", "", err)
	}
	var rev Revision
	switch {
	case len(page.Sets) > 0:
		rev = page.Sets[0].Revision
	case page.Horizon > 0:
		return nil, &Error{Op: "as of time", Msg: fmt.Sprintf("the change log was pruned up to revision %d, which is after %s", page.Horizon, t.Format(time.RFC3339)), Err: ErrTruncated}
	}
	return ad.asOf(ctx, "as of time", rev, func() time.Time { return t })
}

// asOf rebuilds and compiles the model at rev, whose snapshot reads clock.
func (ad *Admin) asOf(ctx context.Context, op string, rev Revision, clock func() time.Time) (*Snapshot, error) {
	p, cur := ad.a.Policy()
	if rev > cur {
		return nil, &Error{Op: op, Msg: fmt.Sprintf("revision %d is not reached: the authorizer is at %d", rev, cur), Err: ErrNotFound}
	}
	st := stateOwning(p, cur) // p is a copy: ours to change
	if rev < cur {
		sets, err := ad.a.store.Changes(ctx, rev)
		if err != nil {
			return nil, relabel(op, fmt.Sprintf("reading the change log after revision %d", rev), err)
		}
		for i := len(sets) - 1; i >= 0; i-- {
			if sets[i].Revision <= cur {
				st.undo(sets[i].Changes)
			}
		}
	}
	st.rev, st.clock = rev, clock
	_, snap, err := compileFull(st)
	if err != nil {
		return nil, relabel(op, fmt.Sprintf("compiling the model at revision %d", rev), err)
	}
	return snap, nil
}
