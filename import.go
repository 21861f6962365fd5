package rbac

import (
	"context"
	"errors"
	"reflect"
)

// Import makes the store hold exactly policy p (its tests excepted): one
// change set that puts what is new or different and deletes what p does
// not have, written only if p is valid and the store did not move
// meanwhile (it retries a few times if it did). It returns the store's
// revision afterwards; when nothing differs, nothing is written.
func Import(ctx context.Context, s Store, p *Policy) (Revision, error) {
	// A large policy's validation (tenths of a second at 100,000 users)
	// runs while the store is read and compared with p, which only read p
	// too; nothing is written, and no other error is returned, before it
	// has passed.
	validation := make(chan error, 1)
	go func() { validation <- p.Validate() }()
	validated := false
	valid := func() error {
		if !validated {
			if err := <-validation; err != nil {
				return err
			}
			validated = true
		}
		return nil
	}
	for attempt := 0; ; attempt++ {
		cur, rev, err := s.Load(ctx)
		if err != nil {
			if verr := valid(); verr != nil {
				return 0, verr
			}
			return 0, err
		}
		changes := importChanges(cur.Entities(), p.Entities())
		if err := valid(); err != nil {
			return 0, err
		}
		if len(changes) == 0 {
			return rev, nil
		}
		next, err := s.Apply(ctx, ChangeSet{Expect: rev, Actor: System, Reason: "import", Changes: changes})
		switch {
		case err == nil && next == rev+1:
			return next, nil
		case err == nil && attempt < 5:
			// Expect 0 cannot say "the store is empty": someone wrote
			// before this first write. Diff again until the store holds p.
			continue
		case err == nil:
			return next, &Error{Op: "import", Msg: "other writers kept changing the store", Err: ErrConflict}
		case !errors.Is(err, ErrConflict) || attempt >= 5:
			return next, err
		}
	}
}

// importChanges returns the changes that turn the stored entities into the
// wanted ones: puts of the new and the changed, then deletions of the rest.
// wanted are copies that the changes may keep (put would copy them again).
func importChanges(stored, wanted []Entity) []Change {
	changes := make([]Change, 0, len(wanted))
	if len(stored) == 0 {
		// A first import: every entity is new, and indexing them by key
		// to compare with nothing was a third of the diff.
		for _, e := range wanted {
			changes = append(changes, Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e})
		}
		return changes
	}
	have := make(map[entityRef]Entity, len(stored))
	for _, e := range stored {
		have[entityRef{e.EntityKind(), e.EntityKey()}] = e
	}
	want := make(map[entityRef]bool, len(wanted))
	for _, e := range wanted {
		ref := entityRef{e.EntityKind(), e.EntityKey()}
		want[ref] = true
		if old, ok := have[ref]; !ok || !sameEntity(old, e) {
			changes = append(changes, Change{Kind: ref.kind, Key: ref.key, After: e})
		}
	}
	for _, e := range stored {
		if !want[entityRef{e.EntityKind(), e.EntityKey()}] {
			changes = append(changes, Change{Kind: e.EntityKind(), Key: e.EntityKey()})
		}
	}
	return changes
}

// sameEntity compares two entities, taking nil and empty lists as equal.
func sameEntity(a, b Entity) bool {
	return reflect.DeepEqual(emptyAsNil(a), emptyAsNil(b))
}

func emptyAsNil(e Entity) any {
	v := reflect.New(reflect.TypeOf(e)).Elem()
	v.Set(reflect.ValueOf(e))
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return v.Interface()
}
