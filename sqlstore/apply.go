package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/rolegraph/rbac"
)

// Apply writes cs in one transaction at the next revision. Its first
// statement bumps the revision row: that row lock serializes writers on
// every replica, so commit order is revision order and a reader never sees
// revision n+1 before n. Then, inside the transaction, it looks cs.ID up
// (an ID already logged: nothing is written, and Apply returns the logged
// revision, or rbac.ErrConflict if the content differs), checks Expect,
// reads the Before image of every entity the set touches, replaces or
// deletes the rows, and appends the change set and its ID to the log. A
// zero Time is replaced by the time of the write, an empty ID by a new
// one; cs is not modified.
//
// COMMIT does not run under ctx. If COMMIT fails in a way that leaves the
// outcome unknown (the connection died), Apply runs the same change set
// again a few times, detached from ctx: the retry finds the ID logged (the
// first attempt committed) or writes it now. If it still cannot tell, the
// error wraps rbac.ErrUnknownOutcome: retry with the same ID.
//
// Other errors wrap rbac.ErrInvalid (a malformed set), rbac.ErrConflict
// (cs.Expect is stale, or the ID is logged with other content),
// rbac.ErrNotFound (deleting an entity that does not exist),
// rbac.ErrClosed, or rbac.ErrUnavailable (a lost connection, a done ctx —
// errors.Is finds ctx's error too — or a transaction the database kept
// rolling back). On those errors nothing is written and no revision is
// used up.
func (s *Store) Apply(ctx context.Context, cs rbac.ChangeSet) (rbac.Revision, error) {
	if err := s.enter(ctx, "apply"); err != nil {
		return 0, err
	}
	if err := cs.Validate(); err != nil {
		return 0, err
	}
	// The digest of a large set is computed while the transaction runs: it
	// is wanted only when the set's ID is found logged, and at the end.
	digest := digestOf(cs)
	defer digest() // the digest reads the caller's changes
	// A copy of the list of changes, not of the entities: Apply fills in
	// Before, Time and ID without touching the caller's set, and only
	// reads the entities (deep copies of an import's 100,000 users cost a
	// tenth of its CPU).
	cs.Changes = slices.Clone(cs.Changes)
	if cs.Time.IsZero() {
		cs.Time = s.now()
	}
	if cs.ID == "" {
		cs.ID = rbac.NewChangeSetID()
	}
	var rev rbac.Revision
	attempt := func(ctx context.Context) error {
		return s.write(ctx, func(q querier) error {
			var err error
			rev, err = s.applyTx(ctx, q, cs, digest)
			return err
		})
	}
	err := attempt(ctx)
	if ce := (*commitError)(nil); errors.As(err, &ce) && classify(s.dialect, ce.err) != classRetry {
		err = s.resolve(ctx, cs.ID, attempt, ce)
	}
	if r := (*replayed)(nil); errors.As(err, &r) {
		return r.rev, nil
	}
	if err != nil {
		return 0, s.wrap(ctx, "apply", err)
	}
	s.signal() // wake this process's waiters at once
	return rev, nil
}

// digestOf returns a function that returns cs.Digest(). A large set's
// digest (JSON of every entity: a tenth of an import's CPU) is computed on
// another goroutine, overlapping the database's work; the changes must not
// be modified until it has returned.
func digestOf(cs rbac.ChangeSet) func() string {
	if len(cs.Changes) < bulkRows {
		d := cs.Digest()
		return func() string { return d }
	}
	var d string
	done := make(chan struct{})
	go func() {
		defer close(done)
		d = cs.Digest()
	}()
	return func() string {
		<-done
		return d
	}
}

// replayed stops a transaction that found its change set's ID logged: it
// rolls back, and Apply returns the logged revision.
type replayed struct{ rev rbac.Revision }

func (r *replayed) Error() string { return fmt.Sprintf("already written at revision %d", r.rev) }

// Attempts and time that Apply spends learning the outcome of a failed
// COMMIT before it reports rbac.ErrUnknownOutcome.
const (
	resolveAttempts = 4
	resolveTimeout  = 10 * time.Second
)

// resolve learns the outcome of a change set whose COMMIT failed by running
// it again (same ID, same content), detached from ctx: the retry waits for
// the revision row, so the first transaction has ended one way or the other,
// and then finds its ID logged or writes it now.
func (s *Store) resolve(ctx context.Context, id string, attempt func(context.Context) error, first *commitError) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
	defer cancel()
	last := error(first)
	wait := 10 * time.Millisecond
	for i := 0; i < resolveAttempts && !s.isClosed() && rctx.Err() == nil; i++ {
		select {
		case <-rctx.Done():
		case <-s.closed:
		case <-time.After(wait):
		}
		wait *= 2
		err := attempt(rctx)
		if err == nil || errors.As(err, new(*replayed)) {
			return err
		}
		var re *rbac.Error
		if errors.As(err, &re) {
			return err // a definite answer: the ID is not logged
		}
		if ce := (*commitError)(nil); errors.As(err, &ce) || classify(s.dialect, err) != classOther {
			last = err
			continue // still unknown
		}
		return err
	}
	return &rbac.Error{Op: "apply", Msg: fmt.Sprintf("change set %q: COMMIT failed and %d retries could not tell whether it committed; retry with the same ChangeSet.ID", id, resolveAttempts), Err: fmt.Errorf("%w: %w", rbac.ErrUnknownOutcome, last)}
}

type entityRef struct {
	kind rbac.EntityKind
	key  string
}

func (s *Store) applyTx(ctx context.Context, q querier, cs rbac.ChangeSet, digest func() string) (rbac.Revision, error) {
	if _, err := q.ExecContext(ctx, "UPDATE rbac_revision SET rev = rev + 1 WHERE id = 1"); err != nil {
		return 0, err
	}
	rev, _, err := s.readRevision(ctx, q)
	if err != nil {
		return 0, err
	}
	// The ID first: a retry of a committed change set is not a conflict.
	var loggedRev int64
	var loggedDigest string
	switch err := q.QueryRowContext(ctx, s.dialect.rebind("SELECT revision, digest FROM rbac_change_ids WHERE change_id = ?"), cs.ID).Scan(&loggedRev, &loggedDigest); {
	case err == nil && loggedDigest != digest():
		return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("change set id %q was used at revision %d for different changes", cs.ID, loggedRev), Err: rbac.ErrConflict}
	case err == nil:
		return 0, &replayed{rbac.Revision(loggedRev)}
	case err != sql.ErrNoRows:
		return 0, err
	}
	if prev := rev - 1; cs.Expect != 0 && cs.Expect != prev {
		return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("expected revision %d, the store is at %d", cs.Expect, prev), Err: rbac.ErrConflict}
	}

	// The stored value of every entity the set touches, read in batches.
	touched := make(map[rbac.EntityKind][][]string)
	seen := make(map[entityRef]bool, len(cs.Changes)) // sized: an import's 110,000 keys grew it 17 times
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

	// A large set's log images are encoded while the entities' rows are
	// written: on two cores, encoding an import's 110,000 images overlaps
	// the database's work instead of following it.
	logRows := make(chan logItems, 1)
	encode := func() {
		rows, err := logItemRows(rev, cs)
		logRows <- logItems{rows, err}
	}
	if len(cs.Changes) >= bulkRows {
		go encode()
	} else {
		encode()
	}

	for _, t := range entityTables {
		keys := touched[t.kind]
		sortKeys(keys) // B-trees grow at their end
		var gone [][]string
		var puts []rbac.Entity
		for _, key := range keys {
			r := entityRef{t.kind, keyString(key)}
			if stored[r] != nil {
				gone = append(gone, key)
			}
			if e := overlay[r]; e != nil {
				puts = append(puts, e)
			}
		}
		if err := s.deleteRecords(ctx, q, t, gone); err != nil {
			return 0, err
		}
		if err := s.insertEntities(ctx, q, t, puts); err != nil {
			return 0, err
		}
	}

	items := <-logRows
	if items.err != nil {
		return 0, items.err
	}
	if err := s.appendLog(ctx, q, rev, cs, items.rows); err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, s.dialect.rebind("INSERT INTO rbac_change_ids (change_id, revision, digest, time_ns) VALUES (?, ?, ?, ?)"),
		cs.ID, int64(rev), digest(), s.now().UnixNano()); err != nil {
		return 0, err
	}
	if s.notify != "" {
		if _, err := q.ExecContext(ctx, "SELECT pg_notify($1, $2)", s.notify, strconv.FormatUint(uint64(rev), 10)); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

type logItems struct {
	rows [][]any
	err  error
}

// logItemRows returns the rbac_change_items rows of cs: each change with
// its images.
func logItemRows(rev rbac.Revision, cs rbac.ChangeSet) ([][]any, error) {
	rows := make([][]any, 0, len(cs.Changes))
	var enc imageEncoder
	for i, c := range cs.Changes {
		before, err := enc.encode(c.Before)
		if err != nil {
			return nil, &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: "encoding the before image: " + err.Error(), Err: rbac.ErrInvalid}
		}
		after, err := enc.encode(c.After)
		if err != nil {
			return nil, &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: "encoding the value: " + err.Error(), Err: rbac.ErrInvalid}
		}
		rows = append(rows, []any{int64(rev), i, string(c.Kind), c.Key, c.Cascade, before, after})
	}
	return rows, nil
}

// appendLog records the change set, its changes (rows from logItemRows)
// and how many changes of each kind it has, for history pages filtered by
// kind (schema 6).
func (s *Store) appendLog(ctx context.Context, q querier, rev rbac.Revision, cs rbac.ChangeSet, items [][]any) error {
	if _, err := q.ExecContext(ctx, s.dialect.rebind("INSERT INTO rbac_changes (revision, time_ns, actor, proposed_by, reason) VALUES (?, ?, ?, ?, ?)"),
		int64(rev), cs.Time.UnixNano(), string(cs.Actor), string(cs.ProposedBy), cs.Reason); err != nil {
		return err
	}
	if err := s.insertRows(ctx, q, "rbac_change_items", []string{"revision", "pos", "kind", "entity_key", "is_cascade", "before_json", "after_json"}, items); err != nil {
		return err
	}
	var kinds []rbac.EntityKind
	perKind := make(map[rbac.EntityKind]int)
	for _, c := range cs.Changes {
		if perKind[c.Kind] == 0 {
			kinds = append(kinds, c.Kind)
		}
		perKind[c.Kind]++
	}
	counts := make([][]any, len(kinds))
	for i, k := range kinds {
		counts[i] = []any{int64(rev), string(k), perKind[k]}
	}
	return s.insertRows(ctx, q, "rbac_change_kinds", []string{"revision", "kind", "changes"}, counts)
}
