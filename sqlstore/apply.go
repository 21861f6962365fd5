package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rolegraph/rbac"
)

// Apply writes cs in one transaction at the next revision. Its first
// statement bumps the revision row: that row lock serializes writers on
// every replica, so commit order is revision order and a reader never sees
// revision n+1 before n. Then, inside the transaction, it checks Expect,
// reads the Before image of every entity the set touches, replaces or
// deletes the rows, and appends the change set to the log. A zero Time is
// replaced by the time of the write; cs is not modified.
//
// Errors wrap rbac.ErrInvalid (an empty set or a malformed change),
// rbac.ErrConflict (cs.Expect is stale, or the database kept rolling the
// transaction back), rbac.ErrNotFound (deleting an entity that does not
// exist), rbac.ErrClosed or ctx's error. On error nothing is written and no
// revision is used up.
func (s *Store) Apply(ctx context.Context, cs rbac.ChangeSet) (rbac.Revision, error) {
	if err := s.enter(ctx, "apply"); err != nil {
		return 0, err
	}
	if len(cs.Changes) == 0 {
		return 0, &rbac.Error{Op: "apply", Msg: "the change set is empty", Err: rbac.ErrInvalid}
	}
	for i, c := range cs.Changes {
		if err := c.Validate(); err != nil {
			return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("change %d of %d", i+1, len(cs.Changes)), Err: err}
		}
	}
	cs = cs.Clone()
	if cs.Time.IsZero() {
		cs.Time = s.now()
	}
	var rev rbac.Revision
	err := s.write(ctx, func(q querier) error {
		var err error
		rev, err = s.applyTx(ctx, q, cs)
		return err
	})
	if err != nil {
		return 0, s.wrap(ctx, "apply", err)
	}
	s.signal() // wake this process's waiters at once
	return rev, nil
}

type entityRef struct {
	kind rbac.EntityKind
	key  string
}

func (s *Store) applyTx(ctx context.Context, q querier, cs rbac.ChangeSet) (rbac.Revision, error) {
	if _, err := q.ExecContext(ctx, "UPDATE rbac_revision SET rev = rev + 1 WHERE id = 1"); err != nil {
		return 0, err
	}
	rev, _, err := s.readRevision(ctx, q)
	if err != nil {
		return 0, err
	}
	if prev := rev - 1; cs.Expect != 0 && cs.Expect != prev {
		return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("expected revision %d, the store is at %d", cs.Expect, prev), Err: rbac.ErrConflict}
	}

	// The stored value of every entity the set touches, read in batches.
	touched := make(map[rbac.EntityKind][][]string)
	seen := make(map[entityRef]bool)
	for _, c := range cs.Changes {
		r := entityRef{c.Kind, c.Key}
		if !seen[r] {
			seen[r] = true
			touched[c.Kind] = append(touched[c.Kind], tableOf(c.Kind).splitKey(c.Key))
		}
	}
	stored := make(map[entityRef]rbac.Entity)
	for kind, keys := range touched {
		t := tableOf(kind)
		recs, err := s.readRecords(ctx, q, t, keys)
		if err != nil {
			return 0, err
		}
		for _, rec := range recs {
			e, err := t.fromRecord(rec)
			if err != nil {
				return 0, &rbac.Error{Op: "apply", Kind: kind, ID: keyString(rec.key), Msg: "stored value: " + err.Error(), Err: rbac.ErrInvalid}
			}
			stored[entityRef{kind, keyString(rec.key)}] = e
		}
	}

	// Resolve the changes in order against an overlay, so that each sees
	// the ones before it and the rows are written once, at the end.
	overlay := make(map[entityRef]rbac.Entity, len(seen))
	for i := range cs.Changes {
		c := &cs.Changes[i]
		r := entityRef{c.Kind, c.Key}
		cur, pending := overlay[r]
		if !pending {
			cur = stored[r]
		}
		if c.IsDelete() && cur == nil {
			return 0, &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("change %d of %d deletes an entity that does not exist", i+1, len(cs.Changes)), Err: rbac.ErrNotFound}
		}
		c.Before = rbac.CloneEntity(cur)
		overlay[r] = c.After
	}

	for _, t := range entityTables {
		var gone [][]string
		var puts []record
		for _, key := range touched[t.kind] {
			r := entityRef{t.kind, keyString(key)}
			if stored[r] != nil {
				gone = append(gone, key)
			}
			if e := overlay[r]; e != nil {
				puts = append(puts, t.toRecord(e))
			}
		}
		if err := s.deleteRecords(ctx, q, t, gone); err != nil {
			return 0, err
		}
		if err := s.insertRecords(ctx, q, t, puts); err != nil {
			return 0, err
		}
	}

	if err := s.appendLog(ctx, q, rev, cs); err != nil {
		return 0, err
	}
	if s.notify != "" {
		if _, err := q.ExecContext(ctx, "SELECT pg_notify($1, $2)", s.notify, strconv.FormatUint(uint64(rev), 10)); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

// appendLog records the change set and its changes, with their images.
func (s *Store) appendLog(ctx context.Context, q querier, rev rbac.Revision, cs rbac.ChangeSet) error {
	if _, err := q.ExecContext(ctx, s.dialect.rebind("INSERT INTO rbac_changes (revision, time_ns, actor, reason) VALUES (?, ?, ?, ?)"),
		int64(rev), cs.Time.UnixNano(), string(cs.Actor), cs.Reason); err != nil {
		return err
	}
	rows := make([][]any, 0, len(cs.Changes))
	for i, c := range cs.Changes {
		before, err := encodeEntity(c.Before)
		if err != nil {
			return &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: "encoding the before image: " + err.Error(), Err: rbac.ErrInvalid}
		}
		after, err := encodeEntity(c.After)
		if err != nil {
			return &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: "encoding the value: " + err.Error(), Err: rbac.ErrInvalid}
		}
		rows = append(rows, []any{int64(rev), i, string(c.Kind), c.Key, c.Cascade, before, after})
	}
	return s.insertRows(ctx, q, "rbac_change_items", []string{"revision", "pos", "kind", "entity_key", "is_cascade", "before_json", "after_json"}, rows)
}
