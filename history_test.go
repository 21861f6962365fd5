package rbac_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// logOnly is a Store that is not a HistoryReader (it hides memstore's), and
// counts reads of the log.
type logOnly struct {
	rbac.Store
	reads atomic.Int32
}

func (s *logOnly) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	s.reads.Add(1)
	return s.Store.Changes(ctx, after)
}

// countingReader is memstore with its HistoryReader, counting its reads.
type countingReader struct {
	*memstore.Store
	reads atomic.Int32
}

func (s *countingReader) ReadHistory(ctx context.Context, q rbac.HistoryQuery, maxChanges int) (rbac.HistoryPage, error) {
	s.reads.Add(1)
	return s.Store.ReadHistory(ctx, q, maxChanges)
}

func (s *countingReader) Changes(ctx context.Context, after rbac.Revision) ([]rbac.ChangeSet, error) {
	s.reads.Add(1)
	return s.Store.Changes(ctx, after)
}

// History and HistoryPage answer alike whether the store reads pages
// itself or only has Changes, and refuse an actor without rbac.audit.read
// before reading anything.
func TestHistoryPageWithAndWithoutHistoryReader(t *testing.T) {
	ctx := context.Background()
	a, store := adminSetup(t)
	sam := a.Admin("sam")
	if _, err := sam.AddMember(ctx, "", "writers", "int1"); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.DeleteGroup(ctx, "", "writers"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin("rita").AssignRole(ctx, "", "int1", "case_viewer"); err != nil {
		t.Fatal(err)
	}
	fallback := &logOnly{Store: store}
	reader := &countingReader{Store: store}
	viaChanges, err := rbac.New(ctx, fallback)
	if err != nil {
		t.Fatal(err)
	}
	defer viaChanges.Close()
	viaReader, err := rbac.New(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	defer viaReader.Close()
	if _, ok := rbac.Store(fallback).(rbac.HistoryReader); ok {
		t.Fatal("the fallback store is a HistoryReader")
	}

	for _, q := range []rbac.HistoryQuery{
		{}, {Limit: 1}, {Actor: "rita"}, {Kind: rbac.EntityUser}, {Key: "int1"}, {Kind: rbac.EntityGroup, Key: "writers"},
		{After: 1}, {Before: 3}, {After: 1, Before: 3, Kind: rbac.EntityUser}, {Actor: "nobody"},
	} {
		for _, maxChanges := range []int{-1, 0, 1} {
			want, err := viaChanges.Admin("sam").HistoryPage(ctx, q, maxChanges)
			if err != nil {
				t.Fatal(err)
			}
			got, err := viaReader.Admin("sam").HistoryPage(ctx, q, maxChanges)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("HistoryPage(%+v, %d): HistoryReader differs from Changes (-changes +reader):\n%s", q, maxChanges, d)
			}
			for _, hs := range got.Sets {
				if hs.Matched < len(hs.Changes) || maxChanges >= 0 && len(hs.Changes) > maxChanges {
					t.Errorf("HistoryPage(%+v, %d): revision %d shows %d of %d changes", q, maxChanges, hs.Revision, len(hs.Changes), hs.Matched)
				}
			}
		}
		wantSets, err := viaChanges.Admin("sam").History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		gotSets, err := viaReader.Admin("sam").History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(wantSets, gotSets, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("History(%+v): HistoryReader differs from Changes (-changes +reader):\n%s", q, d)
		}
		for i := 1; i < len(gotSets); i++ {
			if gotSets[i-1].Revision >= gotSets[i].Revision {
				t.Errorf("History(%+v): revision %d before %d; want oldest first", q, gotSets[i-1].Revision, gotSets[i].Revision)
			}
		}
	}

	fallback.reads.Store(0)
	reader.reads.Store(0)
	for _, a := range []*rbac.Authorizer{viaChanges, viaReader} {
		for _, actor := range []rbac.UserID{"rita", "int1", "nobody"} {
			if _, err := a.Admin(actor).HistoryPage(ctx, rbac.HistoryQuery{}, 25); !errors.Is(err, rbac.ErrForbidden) {
				t.Errorf("HistoryPage as %s: %v, want ErrForbidden", actor, err)
			}
			if _, err := a.Admin(actor).History(ctx, rbac.HistoryQuery{}); !errors.Is(err, rbac.ErrForbidden) {
				t.Errorf("History as %s: %v, want ErrForbidden", actor, err)
			}
		}
	}
	if n := fallback.reads.Load() + reader.reads.Load(); n != 0 {
		t.Errorf("refused actors read the log %d times", n)
	}
}

// After Prune, History from before the horizon wraps ErrTruncated on
// either path; HistoryPage from a HistoryReader reports the horizon
// instead and shows what is left.
func TestHistoryAfterPrune(t *testing.T) {
	ctx := context.Background()
	a, store := adminSetup(t)
	sam := a.Admin("sam")
	for _, u := range []rbac.UserID{"int1", "ext1"} {
		if _, err := sam.DisableUser(ctx, "", u); err != nil {
			t.Fatal(err)
		}
	}
	rev := store.Revision()
	if err := store.Prune(ctx, rev-1); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.History(ctx, rbac.HistoryQuery{}); !errors.Is(err, rbac.ErrTruncated) {
		t.Errorf("History from revision 0 after Prune: %v, want ErrTruncated", err)
	}
	got, err := sam.History(ctx, rbac.HistoryQuery{After: rev - 1})
	if err != nil || len(got) != 1 || got[0].Revision != rev {
		t.Errorf("History after the horizon: %+v, %v; want revision %d", got, err, rev)
	}
	page, err := sam.HistoryPage(ctx, rbac.HistoryQuery{}, 25)
	if err != nil || page.Horizon != rev-1 || len(page.Sets) != 1 || page.Sets[0].Revision != rev {
		t.Errorf("HistoryPage after Prune: %+v, %v; want horizon %d and revision %d", page, err, rev-1, rev)
	}
	if _, err := sam.Revert(ctx, rev-1, "undo"); !errors.Is(err, rbac.ErrNotFound) || !strings.Contains(err.Error(), "pruned") {
		t.Errorf("Revert of a pruned revision: %v, want ErrNotFound saying it was pruned", err)
	}
	if _, err := sam.Revert(ctx, rev+1, "undo"); !errors.Is(err, rbac.ErrNotFound) || strings.Contains(err.Error(), "pruned") {
		t.Errorf("Revert of a revision not yet written: %v, want ErrNotFound", err)
	}
}
