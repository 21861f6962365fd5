package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
)

func testContext(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		why  string
	}{
		{"Cancelled", cancelled, "a cancelled request must not start work"},
		{"Expired", expired, "a request past its deadline must not start work"},
	} {
		subtest(t, tc.name, newStore, func(t *testing.T, s rbac.Store) {
			want := tc.ctx.Err()
			a := withKey(rbac.EntityUser, "a")
			mustApply(t, s, put(a))

			_, err := s.Apply(tc.ctx, rbac.ChangeSet{Changes: []rbac.Change{put(withKey(rbac.EntityUser, "b")), del(a)}})
			wantErr(t, "Apply ("+tc.why+")", err, want)
			_, _, err = s.Load(tc.ctx)
			wantErr(t, "Load ("+tc.why+")", err, want)
			_, err = s.Changes(tc.ctx, 0)
			wantErr(t, "Changes ("+tc.why+")", err, want)
			r := result(t, startWait(tc.ctx, s, 1), "Wait with a done context")
			wantErr(t, "Wait at the revision ("+tc.why+")", r.err, want)
			// Nothing was written.
			wantState(t, s, policyOf(a), 1)
			if log := mustChanges(t, s, 1); len(log) != 0 {
				t.Errorf("Changes(1) after an Apply with a done context: %d change sets, want none", len(log))
			}
		})
	}
}
