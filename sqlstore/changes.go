package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rolegraph/rbac"
)

// Changes returns the change sets after the given revision, oldest first,
// read in one snapshot. If after is the current revision or beyond, the
// result is empty. If Prune dropped change sets the caller has not seen,
// the error wraps rbac.ErrTruncated: reload with Load.
func (s *Store) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	if err := s.enter(ctx, "changes"); err != nil {
		return nil, err
	}
	var out []rbac.ChangeSet
	err := s.read(ctx, func() error {
		return s.inTx(ctx, false, func(q querier) error {
			out = nil
			rev, horizon, err := s.readRevision(ctx, q)
			if err != nil {
				return err
			}
			if after < horizon {
				return &rbac.Error{Op: "changes", Msg: fmt.Sprintf("change sets up to revision %d were pruned; asked for those after %d", horizon, after), Err: rbac.ErrTruncated}
			}
			if after >= rev {
				return nil
			}
			out, err = s.readLog(ctx, q, after)
			return err
		})
	})
	if err != nil {
		return nil, s.wrap(ctx, "changes", err)
	}
	return out, nil
}

func (s *Store) readLog(ctx context.Context, q querier, after rbac.Revision) ([]rbac.ChangeSet, error) {
	rows, err := q.QueryContext(ctx, s.dialect.rebind("SELECT c.revision, c.time_ns, c.actor, c.proposed_by, c.reason, i.change_id FROM rbac_changes c LEFT JOIN rbac_change_ids i ON i.revision = c.revision WHERE c.revision > ? ORDER BY c.revision"), int64(after))
	if err != nil {
		return nil, err
	}
	var out []rbac.ChangeSet
	index := make(map[rbac.Revision]int)
	for rows.Next() {
		var rev, ns int64
		var actor, proposedBy, reason string
		var id sql.NullString // none for change sets written before schema 2
		if err := rows.Scan(&rev, &ns, &actor, &proposedBy, &reason, &id); err != nil {
			rows.Close()
			return nil, err
		}
		index[rbac.Revision(rev)] = len(out)
		out = append(out, rbac.ChangeSet{ID: id.String, Revision: rbac.Revision(rev), Time: time.Unix(0, ns), Actor: rbac.UserID(actor), ProposedBy: rbac.UserID(proposedBy), Reason: reason})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, cs := range out {
		if want := after + rbac.Revision(i) + 1; cs.Revision != want {
			return nil, &rbac.Error{Op: "changes", Msg: fmt.Sprintf("the change log has no revision %d", want), Err: rbac.ErrTruncated}
		}
	}

	rows, err = q.QueryContext(ctx, s.dialect.rebind("SELECT revision, kind, entity_key, is_cascade, before_json, after_json FROM rbac_change_items WHERE revision > ? ORDER BY revision, pos"), int64(after))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		rev, c, err := scanChangeItem(rows, "changes")
		if err != nil {
			return nil, err
		}
		i, ok := index[rev]
		if !ok {
			continue // written after the change sets were read: not ours
		}
		out[i].Changes = append(out[i].Changes, c)
	}
	return out, rows.Err()
}

// Prune drops the change sets with revisions up to and including through
// (at most the current revision) and records the new horizon in the
// database, for every Store on it. Afterwards Changes(after) with after
// below the horizon wraps rbac.ErrTruncated. Pruning at or below the
// horizon drops no change set. Load and Apply are unaffected.
//
// The IDs of dropped change sets are kept until they are older than the ID
// retention (WithIDRetention, 24 hours by default, by the Store's clock):
// a retry with the same ID within that time is still recognised and not
// applied twice. Each Prune deletes the IDs that have aged past it.
func (s *Store) Prune(ctx context.Context, through rbac.Revision) error {
	if err := s.enter(ctx, "prune"); err != nil {
		return err
	}
	err := s.write(ctx, func(q querier) error {
		// Lock the revision row first, as writers do.
		if _, err := q.ExecContext(ctx, "UPDATE rbac_revision SET horizon = horizon WHERE id = 1"); err != nil {
			return err
		}
		rev, horizon, err := s.readRevision(ctx, q)
		if err != nil {
			return err
		}
		through := min(through, rev)
		if _, err := q.ExecContext(ctx, s.dialect.rebind("DELETE FROM rbac_change_ids WHERE revision <= ? AND time_ns < ?"),
			int64(max(through, horizon)), s.now().Add(-s.keepIDs).UnixNano()); err != nil {
			return err
		}
		if through <= horizon {
			return nil
		}
		for _, stmt := range []string{
			"DELETE FROM rbac_change_items WHERE revision <= ?",
			"DELETE FROM rbac_change_kinds WHERE revision <= ?",
			"DELETE FROM rbac_changes WHERE revision <= ?",
			"UPDATE rbac_revision SET horizon = ? WHERE id = 1",
		} {
			if _, err := q.ExecContext(ctx, s.dialect.rebind(stmt), int64(through)); err != nil {
				return err
			}
		}
		return nil
	})
	return s.wrap(ctx, "prune", err)
}

// scanChangeItem reads a row (for Changes and ReadHistory, named by op) of revision, kind, entity_key, is_cascade,
// before_json and after_json.
func scanChangeItem(rows *sql.Rows, op string) (rbac.Revision, rbac.Change, error) {
	var rev int64
	var kind, key string
	var cascade bool
	var before, after sql.NullString
	if err := rows.Scan(&rev, &kind, &key, &cascade, &before, &after); err != nil {
		return 0, rbac.Change{}, err
	}
	c := rbac.Change{Kind: rbac.EntityKind(kind), Key: key, Cascade: cascade}
	var err error
	if c.Before, err = decodeEntity(c.Kind, before); err == nil {
		c.After, err = decodeEntity(c.Kind, after)
	}
	if err != nil {
		return 0, rbac.Change{}, &rbac.Error{Op: op, Kind: c.Kind, ID: key, Msg: fmt.Sprintf("revision %d: the logged before or after image in rbac_change_items does not decode (was the row written by hand?): %v", rev, err), Err: rbac.ErrInvalid}
	}
	return rbac.Revision(rev), c, nil
}
