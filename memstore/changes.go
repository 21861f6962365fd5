package memstore

import (
	"context"
	"fmt"

	"github.com/rolegraph/rbac"
)

// Changes returns deep copies of the change sets after the given revision,
// oldest first. If after is the current revision or beyond it, the result
// is empty (a follower that is up to date simply has nothing to apply). If
// Prune dropped change sets that the caller has not seen, the error wraps
// rbac.ErrTruncated: reload with Load.
func (s *Store) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "changes"); err != nil {
		return nil, err
	}
	if after < s.horizon {
		return nil, &rbac.Error{Op: "changes", Msg: fmt.Sprintf("change sets up to revision %d were pruned; asked for those after %d", s.horizon, after), Err: rbac.ErrTruncated}
	}
	if after >= s.rev {
		return nil, nil
	}
	pending := s.log[after-s.horizon:] // s.log[i] has revision horizon+1+i
	out := make([]rbac.ChangeSet, len(pending))
	for i, cs := range pending {
		out[i] = cs.Clone()
	}
	return out, nil
}

var _ rbac.HistoryReader = (*Store)(nil)

// ReadHistory implements rbac.HistoryReader: it walks the log newest
// first from q.Before and copies only the changes the page shows.
func (s *Store) ReadHistory(ctx context.Context, q rbac.HistoryQuery, maxChanges int) (rbac.HistoryPage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "history"); err != nil {
		return rbac.HistoryPage{}, err
	}
	page := rbac.HistoryPage{Horizon: s.horizon}
	newest := s.rev
	if q.Before > 0 {
		newest = min(newest, q.Before-1)
	}
	below := max(q.After, s.horizon)
	for rev := newest; rev > below && (q.Limit <= 0 || len(page.Sets) < q.Limit); rev-- {
		// s.log[i] has revision horizon+1+i.
		if hs, ok := q.Select(s.log[rev-s.horizon-1], maxChanges); ok {
			page.Sets = append(page.Sets, hs)
		}
	}
	return page, nil
}

// Prune drops the change sets with revisions up to and including through,
// bounding the log's memory. Later, Changes(after) with after < through
// wraps rbac.ErrTruncated. The IDs of dropped change sets are kept until
// they are older than the ID retention (WithIDRetention), so a retry with
// the same ID is still not applied twice. A value beyond the current revision prunes the
// whole log (the horizon never passes the current revision); a value at or
// below an earlier horizon does nothing. Load and Apply are unaffected.
func (s *Store) Prune(ctx context.Context, through rbac.Revision) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "prune"); err != nil {
		return err
	}
	through = min(through, s.rev)
	if through > s.horizon {
		drop := int(through - s.horizon)
		// Copy the survivors so the dropped change sets can be collected.
		s.log = append([]rbac.ChangeSet(nil), s.log[drop:]...)
		s.horizon = through
	}
	cutoff := s.now().Add(-s.keepIDs)
	for id, l := range s.ids {
		if l.rev <= s.horizon && l.time.Before(cutoff) {
			delete(s.ids, id)
		}
	}
	return nil
}

// Wait returns the current revision once it is greater than after. It
// returns ctx's error if ctx ends first, and an error wrapping
// rbac.ErrClosed if the store is closed before or while waiting.
func (s *Store) Wait(ctx context.Context, after rbac.Revision) (rbac.Revision, error) {
	for {
		s.mu.RLock()
		err := s.check(ctx, "wait")
		rev, changed := s.rev, s.changed
		s.mu.RUnlock()
		if err != nil {
			return 0, err
		}
		if rev > after {
			return rev, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctxError(ctx, "wait")
		case <-changed:
		}
	}
}
