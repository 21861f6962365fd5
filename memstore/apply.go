package memstore

import (
	"context"
	"fmt"

	"github.com/rolegraph/rbac"
)

// Apply writes cs atomically at the next revision and returns that
// revision. The store keeps its own deep copy of cs and records each
// change's Before image itself, overwriting whatever cs carried; cs is not
// modified. A set may change one entity several times: each change sees the
// ones before it (a put then a delete of one key is fine).
//
// A change set whose ID is already known writes nothing: Apply returns the
// revision it was written at, or rbac.ErrConflict if its content
// (rbac.ChangeSet.Digest) differs. An empty ID is replaced by a new one.
//
// Errors wrap rbac.ErrInvalid (a malformed set, see rbac.ChangeSet.Validate),
// rbac.ErrConflict (cs.Expect is not zero and not the current revision),
// rbac.ErrNotFound (deleting an entity that does not exist), rbac.ErrClosed
// or ctx's error. On error nothing is written.
func (s *Store) Apply(ctx context.Context, cs rbac.ChangeSet) (rbac.Revision, error) {
	// Validate and copy before taking the lock: the caller's memory is
	// never retained, and a malformed set costs writers nothing.
	if ctx.Err() != nil {
		return 0, ctxError(ctx, "apply")
	}
	if err := cs.Validate(); err != nil {
		return 0, err
	}
	cs = cs.Clone()
	if cs.ID == "" {
		cs.ID = rbac.NewChangeSetID()
	}
	digest := cs.Digest()
	for i := range cs.Changes {
		// Users are kept as *rbac.User, so that LoadEach hands over the
		// stored user itself (never changed in place) instead of a copy.
		if u, ok := cs.Changes[i].After.(rbac.User); ok {
			cs.Changes[i].After = &u
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "apply"); err != nil {
		return 0, err
	}
	if logged, ok := s.ids[cs.ID]; ok {
		if logged.digest != digest {
			return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("change set id %q was used at revision %d for different changes", cs.ID, logged.rev), Err: rbac.ErrConflict}
		}
		return logged.rev, nil
	}
	if cs.Expect != 0 && cs.Expect != s.rev {
		return 0, &rbac.Error{Op: "apply", Msg: fmt.Sprintf("expected revision %d, the store is at %d", cs.Expect, s.rev), Err: rbac.ErrConflict}
	}

	// Resolve every change against an overlay of the pending changes, so
	// that nothing is mutated until the whole set is known to succeed.
	type ref struct {
		kind rbac.EntityKind
		key  string
	}
	overlay := make(map[ref]rbac.Entity) // nil value: deleted by this set
	for i := range cs.Changes {
		c := &cs.Changes[i]
		r := ref{c.Kind, c.Key}
		cur, pending := overlay[r]
		if !pending {
			cur = s.entities[c.Kind][c.Key]
		}
		if c.IsDelete() && cur == nil {
			return 0, &rbac.Error{Op: "apply", Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("change %d of %d deletes an entity that does not exist", i+1, len(cs.Changes)), Err: rbac.ErrNotFound}
		}
		// Entities are never mutated in place, so the log and the state
		// may share values; everything handed out is cloned.
		c.Before = cur
		overlay[r] = c.After
	}

	for r, e := range overlay {
		if e == nil {
			delete(s.entities[r.kind], r.key)
		} else {
			s.entities[r.kind][r.key] = e
		}
	}
	s.rev++
	cs.Revision = s.rev
	if cs.Time.IsZero() {
		cs.Time = s.now()
	}
	s.log = append(s.log, cs)
	s.ids[cs.ID] = loggedID{rev: s.rev, digest: digest, time: s.now()}
	close(s.changed)
	s.changed = make(chan struct{})
	return s.rev, nil
}
