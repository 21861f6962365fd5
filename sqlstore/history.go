package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

var _ rbac.HistoryReader = (*Store)(nil)

// ReadHistory implements rbac.HistoryReader in one read snapshot. The
// page's change sets are read newest first with LIMIT, filtered in SQL:
// actor and times on rbac_changes, kind and key by a probe of
// rbac_change_items (indexed by kind and entity_key). Then each set's
// matching changes are counted and its first maxChanges read through the
// (revision, pos) key, so a page costs what it shows, not the sets it shows
// part of: the page of a 100,000-entity import reads 25 of its rows. With
// maxChanges < 0 the changes of every set on the page are read in one
// range query instead, as Changes does.
func (s *Store) ReadHistory(ctx context.Context, q rbac.HistoryQuery, maxChanges int) (rbac.HistoryPage, error) {
	if err := s.enter(ctx, "history"); err != nil {
		return rbac.HistoryPage{}, err
	}
	var page rbac.HistoryPage
	err := s.inTx(ctx, false, func(tx querier) error {
		page = rbac.HistoryPage{}
		if s.dialect == Postgres {
			// Until autoanalyze has seen an import, PostgreSQL estimates
			// a handful of a kind's changes in the set and gathers all
			// 100,000 in a bitmap to sort them for the first 25 (60 ms);
			// the (kind, revision, pos) index yields them in order.
			// Every query here is an index range read in order.
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_bitmapscan = off"); err != nil {
				return err
			}
		}
		rev, horizon, err := s.readRevision(ctx, tx)
		if err != nil {
			return err
		}
		page.Horizon = horizon
		newest := rev
		if q.Before > 0 {
			newest = min(newest, q.Before-1)
		}
		below := max(q.After, horizon)
		if newest <= below {
			return nil
		}
		if page.Sets, err = s.historySets(ctx, tx, q, below, newest); err != nil || len(page.Sets) == 0 {
			return err
		}
		if maxChanges < 0 {
			return s.historyEveryChange(ctx, tx, q, page.Sets)
		}
		for i := range page.Sets {
			if err := s.historyFirstChanges(ctx, tx, q, &page.Sets[i], maxChanges); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rbac.HistoryPage{}, s.wrap(ctx, "history", err)
	}
	return page, nil
}

// historySets reads the change sets in (below, newest] that match q,
// newest first, at most q.Limit, without their changes.
func (s *Store) historySets(ctx context.Context, tx querier, q rbac.HistoryQuery, below, newest rbac.Revision) ([]rbac.HistorySet, error) {
	var b strings.Builder
	b.WriteString("SELECT c.revision, c.time_ns, c.actor, c.proposed_by, c.reason, i.change_id FROM rbac_changes c LEFT JOIN rbac_change_ids i ON i.revision = c.revision WHERE c.revision > ? AND c.revision <= ?")
	args := []any{int64(below), int64(newest)}
	if q.Actor != "" {
		b.WriteString(" AND c.actor = ?")
		args = append(args, string(q.Actor))
		if s.dialect == MySQL {
			// utf8mb4_bin pads: 'a' = 'a ' there. Equal and as long is
			// the same string.
			b.WriteString(" AND LENGTH(c.actor) = ?")
			args = append(args, len(q.Actor))
		}
	}
	if !q.From.IsZero() {
		b.WriteString(" AND c.time_ns >= ?")
		args = append(args, unixNanoClamped(q.From))
	}
	if !q.To.IsZero() {
		b.WriteString(" AND c.time_ns < ?")
		args = append(args, unixNanoClamped(q.To))
	}
	if q.Kind != "" || q.Key != "" {
		filter, filterArgs := s.changeFilter(q)
		// A scalar subquery, not EXISTS: PostgreSQL and MariaDB turn an
		// EXISTS into a semi-join that first gathers every matching item
		// (an import's 100,000 users for kind=user: 50-85 ms), where a
		// page needs one index probe per change set it reads.
		b.WriteString(" AND (SELECT 1 FROM rbac_change_items x WHERE x.revision = c.revision" + filter + " LIMIT 1) IS NOT NULL")
		args = append(args, filterArgs...)
	}
	b.WriteString(" ORDER BY c.revision DESC")
	if q.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(q.Limit))
	}
	rows, err := tx.QueryContext(ctx, s.dialect.rebind(b.String()), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rbac.HistorySet
	for rows.Next() {
		var rev, ns int64
		var actor, proposedBy, reason string
		var id sql.NullString // none for change sets written before schema 2
		if err := rows.Scan(&rev, &ns, &actor, &proposedBy, &reason, &id); err != nil {
			return nil, err
		}
		out = append(out, rbac.HistorySet{ChangeSet: rbac.ChangeSet{ID: id.String, Revision: rbac.Revision(rev), Time: time.Unix(0, ns), Actor: rbac.UserID(actor), ProposedBy: rbac.UserID(proposedBy), Reason: reason}})
	}
	return out, rows.Err()
}

// changeFilter renders q's kind and key as conditions on the change items
// aliased x.
func (s *Store) changeFilter(q rbac.HistoryQuery) (string, []any) {
	var b strings.Builder
	var args []any
	if q.Kind != "" {
		b.WriteString(" AND x.kind = ?")
		args = append(args, string(q.Kind))
	}
	if q.Key != "" {
		b.WriteString(" AND x.entity_key = ?")
		args = append(args, q.Key)
		if s.dialect == MySQL {
			b.WriteString(" AND LENGTH(x.entity_key) = ?") // see historySets
			args = append(args, len(q.Key))
		}
	}
	return b.String(), args
}

// historyFirstChanges counts the set's changes that match q and reads the
// first maxChanges of them, each by the (revision, pos) key.
func (s *Store) historyFirstChanges(ctx context.Context, tx querier, q rbac.HistoryQuery, hs *rbac.HistorySet, maxChanges int) error {
	filter, filterArgs := s.changeFilter(q)
	args := append([]any{int64(hs.Revision)}, filterArgs...)
	if filter == "" {
		// Apply numbers a set's changes 0, 1, ... in order: the last
		// position counts them without reading them all.
		var last int
		switch err := tx.QueryRowContext(ctx, s.dialect.rebind("SELECT pos FROM rbac_change_items WHERE revision = ? ORDER BY pos DESC LIMIT 1"), args...).Scan(&last); err {
		case nil:
			hs.Matched = last + 1
		case sql.ErrNoRows:
			hs.Matched = 0
		default:
			return err
		}
	} else if err := s.countMatching(ctx, tx, q, hs.Revision, filter, args, &hs.Matched); err != nil {
		return err
	}
	if maxChanges == 0 || hs.Matched == 0 {
		return nil
	}
	query := "SELECT x.revision, x.kind, x.entity_key, x.is_cascade, x.before_json, x.after_json FROM rbac_change_items x WHERE x.revision = ? ORDER BY x.pos LIMIT " + strconv.Itoa(maxChanges)
	if filter != "" {
		// The positions from the entity's or kind's index (schema 6), then
		// the rows by key: asked in one, SQLite walks the whole set in
		// (revision, pos) order to save a sort.
		query = "SELECT i.revision, i.kind, i.entity_key, i.is_cascade, i.before_json, i.after_json FROM (SELECT x.revision, x.pos FROM rbac_change_items x WHERE x.revision = ?" + filter + " ORDER BY x.pos LIMIT " + strconv.Itoa(maxChanges) + ") p JOIN rbac_change_items i ON i.revision = p.revision AND i.pos = p.pos ORDER BY i.pos"
	}
	rows, err := tx.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		_, c, err := scanChangeItem(rows, "history")
		if err != nil {
			return err
		}
		hs.Changes = append(hs.Changes, c)
	}
	return rows.Err()
}

// countMatching counts the set's changes that match q: of a kind, from
// rbac_change_kinds; otherwise, or for a set logged before schema 6 (it has
// no rows there), from the entity's or kind's index.
func (s *Store) countMatching(ctx context.Context, tx querier, q rbac.HistoryQuery, rev rbac.Revision, filter string, args []any, n *int) error {
	if q.Key == "" {
		err := tx.QueryRowContext(ctx, s.dialect.rebind("SELECT changes FROM rbac_change_kinds WHERE revision = ? AND kind = ?"), int64(rev), string(q.Kind)).Scan(n)
		if err != sql.ErrNoRows {
			return err
		}
	}
	return tx.QueryRowContext(ctx, s.dialect.rebind("SELECT COUNT(*) FROM rbac_change_items x WHERE x.revision = ?"+filter), args...).Scan(n)
}

// historyEveryChange reads every matching change of the sets (newest
// first) in one range query, and counts them.
func (s *Store) historyEveryChange(ctx context.Context, tx querier, q rbac.HistoryQuery, sets []rbac.HistorySet) error {
	index := make(map[rbac.Revision]int, len(sets))
	for i, hs := range sets {
		index[hs.Revision] = i
	}
	filter, filterArgs := s.changeFilter(q)
	args := append([]any{int64(sets[len(sets)-1].Revision), int64(sets[0].Revision)}, filterArgs...)
	rows, err := tx.QueryContext(ctx, s.dialect.rebind("SELECT x.revision, x.kind, x.entity_key, x.is_cascade, x.before_json, x.after_json FROM rbac_change_items x WHERE x.revision >= ? AND x.revision <= ?"+filter+" ORDER BY x.revision, x.pos"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		rev, c, err := scanChangeItem(rows, "history")
		if err != nil {
			return err
		}
		if i, ok := index[rev]; ok { // not a set that another filter left out
			sets[i].Changes = append(sets[i].Changes, c)
			sets[i].Matched++
		}
	}
	return rows.Err()
}

// unixNanoClamped is t in nanoseconds since 1970, clamped to what int64
// holds (years 1678 to 2262), as time_ns stores times.
func unixNanoClamped(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}
