package sqlstore

import (
	"context"
	"time"

	"github.com/rolegraph/rbac"
)

// Wait returns the current revision once it is greater than after. It reads
// the revision row every poll interval, sooner when a Listener or an Apply
// of this Store signals. It returns ctx's error if ctx ends first, an error
// wrapping rbac.ErrClosed if the Store is closed, and the database's error
// if the revision cannot be read (the caller decides whether to retry).
func (s *Store) Wait(ctx context.Context, after rbac.Revision) (rbac.Revision, error) {
	timer := time.NewTimer(s.poll)
	defer timer.Stop()
	for {
		if err := s.enter(ctx, "wait"); err != nil {
			return 0, err
		}
		wake := s.wakeChan() // taken before reading, so no signal is missed
		var rev rbac.Revision
		err := s.read(ctx, func() (err error) {
			rev, _, err = s.readRevision(ctx, s.db)
			return err
		})
		if err != nil {
			return 0, s.wrap(ctx, "wait", err)
		}
		if rev > after {
			return rev, nil
		}
		timer.Reset(s.poll)
		select {
		case <-ctx.Done():
			return 0, ctxError(ctx, "wait")
		case <-s.closed:
			return 0, &rbac.Error{Op: "wait", Err: rbac.ErrClosed}
		case <-wake:
		case <-timer.C:
		}
	}
}

func (s *Store) wakeChan() <-chan struct{} {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	return s.wake
}

// signal wakes every pending Wait to read the revision again.
func (s *Store) signal() {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	close(s.wake)
	s.wake = make(chan struct{})
}

// runListener keeps the Listener running until Close.
func (s *Store) runListener(ctx context.Context) {
	defer s.listening.Done()
	for ctx.Err() == nil {
		s.listen.Listen(ctx, s.signal)
		s.signal() // whatever happened, look again
		select {
		case <-ctx.Done():
		case <-time.After(s.poll):
		}
	}
}
