package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// Pruner is implemented by stores whose change log can be truncated.
// Prune drops the change sets with revisions up to and including through;
// afterwards Changes(after) with after < through wraps rbac.ErrTruncated,
// while Changes(through) and later still work and Load is unaffected.
// Run tests truncation only on stores that implement it.
type Pruner interface {
	Prune(ctx context.Context, through rbac.Revision) error
}

// Run runs the contract tests, each in its own subtest on a fresh store
// from newStore.
func Run(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	t.Run("Apply", func(t *testing.T) { testApply(t, newStore) })
	t.Run("Invalid", func(t *testing.T) { testInvalid(t, newStore) })
	t.Run("IDs", func(t *testing.T) { testIDs(t, newStore) })
	t.Run("ChangeSetIDs", func(t *testing.T) { testChangeSetIDs(t, newStore) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, newStore) })
	t.Run("History", func(t *testing.T) { testHistory(t, newStore) })
	t.Run("Wait", func(t *testing.T) { testWait(t, newStore) })
	t.Run("Close", func(t *testing.T) { testClose(t, newStore) })
	t.Run("Context", func(t *testing.T) { testContext(t, newStore) })
	t.Run("Aliasing", func(t *testing.T) { testAliasing(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
	t.Run("Import", func(t *testing.T) { testImport(t, newStore) })
	t.Run("ProposedBy", func(t *testing.T) { testProposedBy(t, newStore) })
	t.Run("Proposals", func(t *testing.T) { testProposals(t, newStore) })
	t.Run("Attestations", func(t *testing.T) { testAttestations(t, newStore) })
}

// subtest runs f on a fresh store in a subtest; the store is closed after.
func subtest(t *testing.T, name string, newStore func(t *testing.T) rbac.Store, f func(t *testing.T, s rbac.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		f(t, s)
	})
}

// mustApply applies a set of the changes and returns its revision.
func mustApply(t testing.TB, s rbac.Store, changes ...rbac.Change) rbac.Revision {
	t.Helper()
	rev, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: changes})
	if err != nil {
		t.Fatalf("Apply(%v): %v", changes, err)
	}
	return rev
}

func mustLoad(t testing.TB, s rbac.Store) (*rbac.Policy, rbac.Revision) {
	t.Helper()
	p, rev, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if p == nil {
		t.Fatalf("Load returned a nil policy and no error")
	}
	return p, rev
}

func mustChanges(t testing.TB, s rbac.Store, after rbac.Revision) []rbac.ChangeSet {
	t.Helper()
	log, err := s.Changes(context.Background(), after)
	if err != nil {
		t.Fatalf("Changes(%d): %v", after, err)
	}
	return log
}

// wantErr fails unless err wraps sentinel, and no other rbac sentinel.
func wantErr(t testing.TB, what string, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Errorf("%s: error %v, want one wrapping %q", what, err, sentinel)
	}
	wantOneSentinel(t, what, err)
}

// wantOneSentinel fails unless err is nil or wraps exactly one of
// rbac.Sentinels, inside an *rbac.Error.
func wantOneSentinel(t interface {
	Helper()
	Errorf(format string, args ...any)
}, what string, err error) {
	t.Helper()
	if msg := SentinelProblem(err); msg != "" {
		t.Errorf("%s: %s", what, msg)
	}
}

// SentinelProblem says what is wrong with err as an error of a Store or of
// the rbac package: it must be nil or an *rbac.Error that wraps exactly
// one of rbac.Sentinels. It returns "" when err is fine.
func SentinelProblem(err error) string {
	if err == nil {
		return ""
	}
	var e *rbac.Error
	if !errors.As(err, &e) {
		return fmt.Sprintf("error %q (%T) is not an *rbac.Error", err, err)
	}
	var found []string
	for _, s := range rbac.Sentinels {
		if errors.Is(err, s) {
			found = append(found, fmt.Sprintf("%q", s))
		}
	}
	if len(found) != 1 {
		return fmt.Sprintf("error %q wraps %d rbac sentinels %v, want exactly one", err, len(found), found)
	}
	return ""
}

// wantState fails unless the store holds exactly want at revision rev.
func wantState(t testing.TB, s rbac.Store, want *rbac.Policy, rev rbac.Revision) {
	t.Helper()
	got, gotRev := mustLoad(t, s)
	if gotRev != rev {
		t.Errorf("Load: revision %d, want %d", gotRev, rev)
	}
	if d := diffPolicy(want, got); d != "" {
		t.Errorf("Load: policy mismatch (-want +got):\n%s", d)
	}
	if len(got.Tests) != 0 {
		t.Errorf("Load: the policy has %d tests; stores never hold tests", len(got.Tests))
	}
}

// policyOf builds a policy holding the entities.
func policyOf(entities ...rbac.Entity) *rbac.Policy {
	p := &rbac.Policy{}
	for _, e := range entities {
		p.Add(rbac.CloneEntity(e))
	}
	return p
}

// sorted returns a copy of p with each list sorted by key (byte order):
// the suite does not require stores to return lists in any order.
func sorted(p *rbac.Policy) *rbac.Policy {
	q := p.Clone()
	q.Tests = nil
	sortByKey(q.AccountTypes)
	sortByKey(q.Permissions)
	sortByKey(q.Roles)
	sortByKey(q.Groups)
	sortByKey(q.Workgroups)
	sortByKey(q.Users)
	sortByKey(q.Constraints)
	sortByKey(q.Approvals)
	sortByKey(q.Campaigns)
	sortByKey(q.Kinds)
	sortByKey(q.OwnershipRules)
	sortByKey(q.Ownerships)
	sortByKey(q.Elevations)
	return q
}

func sortByKey[E rbac.Entity](list []E) {
	slices.SortStableFunc(list, func(a, b E) int { return strings.Compare(a.EntityKey(), b.EntityKey()) })
}

// cmpOptions compare policies and change sets: nil and empty lists are
// equal, positions recorded from policy files are ignored.
var cmpOptions = cmp.Options{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreUnexported(rbac.Policy{}),
}

// diffPolicy compares two policies regardless of the order of their lists
// (but not of the lists inside entities).
func diffPolicy(want, got *rbac.Policy) string {
	if got == nil {
		got = &rbac.Policy{}
	}
	want, got = sorted(want), sorted(got)
	if reflect.DeepEqual(want, got) { // fast path; cmp also equates nil and empty
		return ""
	}
	return cmp.Diff(want, got, cmpOptions)
}

// diffLog compares change logs, ignoring Time (checked on its own) and
// Expect (a request, not part of the log).
//
// A want with an empty ID matches any ID the store generated, but not none.
func diffLog(want, got []rbac.ChangeSet) string {
	want = slices.Clone(want)
	for i := range want {
		if i < len(got) && want[i].ID == "" {
			if got[i].ID == "" {
				return fmt.Sprintf("revision %d has no ID; a store generates one when the caller gives none", got[i].Revision)
			}
			want[i].ID = got[i].ID
		}
	}
	if len(want) == len(got) {
		// Fast path (cmp is slow on big sets), with what cmp ignores zeroed.
		w, g := slices.Clone(want), slices.Clone(got)
		for i := range w {
			w[i].Time, w[i].Expect = time.Time{}, 0
			g[i].Time, g[i].Expect = time.Time{}, 0
		}
		if reflect.DeepEqual(w, g) {
			return ""
		}
	}
	return cmp.Diff(want, got, cmpOptions, cmpopts.IgnoreFields(rbac.ChangeSet{}, "Time", "Expect"))
}
