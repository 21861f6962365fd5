package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// testProposedBy: the change log keeps ChangeSet.ProposedBy (four eyes:
// the proposer of an approved change set), through Changes and, where the
// store reads history pages, ReadHistory.
func testProposedBy(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "Logged", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		rev, err := s.Apply(ctx, rbac.ChangeSet{Actor: "sue", ProposedBy: "sam", Reason: "approved", Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "u"})}})
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, s, rbac.PutUser(rbac.User{ID: "v"}))
		got := mustChanges(t, s, 0)
		if len(got) != 2 || got[0].ProposedBy != "sam" || got[0].Actor != "sue" || got[1].ProposedBy != "" {
			t.Fatalf("Changes: want proposed by sam at %d and by nobody after, got %+v", rev, got)
		}
		if hr, ok := s.(rbac.HistoryReader); ok {
			page, err := hr.ReadHistory(ctx, rbac.HistoryQuery{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Sets) != 2 || page.Sets[1].ProposedBy != "sam" || page.Sets[0].ProposedBy != "" {
				t.Fatalf("ReadHistory: want the older set proposed by sam, got %+v", page.Sets)
			}
		}
	})
}

// testProposals: a store that is an rbac.ProposalStore keeps proposals
// whole, refuses duplicates, lists them oldest first, and resolves by
// compare-and-set: of concurrent resolutions from one state exactly one
// wins.
func testProposals(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	at := time.Date(2027, 1, 2, 3, 4, 5, 678, time.UTC)
	proposal := func(id string, created time.Time) rbac.Proposal {
		return rbac.Proposal{
			ID: id, ProposedBy: "sam", Reason: "ticket " + oddText,
			Changes: []rbac.Change{
				rbac.PutRole(rbac.Role{ID: "r", Title: "R", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeWorkgroup}}}),
				rbac.PutUser(rbac.User{ID: "u", Roles: []rbac.RoleID{"r"}, Groups: []rbac.GroupID{"g"}}),
				rbac.DeleteGroup("old"),
				rbac.PutApproval(rbac.Approval{Name: "a", Sensitive: true, Groups: []rbac.GroupID{"g"}}),
			},
			Approvals: []string{"a"},
			Preview:   []rbac.UserImpact{{User: "u", Gained: []rbac.ScopedPermission{{Permission: "case.read", Scope: rbac.ScopeWorkgroup}}, Lost: []rbac.ScopedPermission{{Permission: "x", Scope: rbac.ScopeAll}}}},
			Base:      7, Created: created, Expires: created.Add(time.Hour), State: rbac.ProposalPending,
		}
	}
	ps := func(t *testing.T, s rbac.Store) rbac.ProposalStore {
		p, ok := s.(rbac.ProposalStore)
		if !ok {
			t.Skipf("%T is not an rbac.ProposalStore", s)
		}
		return p
	}
	opts := cmp.Options{cmpopts.EquateEmpty()}
	subtest(t, "RoundTrip", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		store := ps(t, s)
		want := proposal("p1", at)
		if err := store.PutProposal(ctx, want); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "putting p1 again", store.PutProposal(ctx, want), rbac.ErrExists)
		got, err := store.GetProposal(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, opts); diff != "" {
			t.Errorf("GetProposal (-want +got):\n%s", diff)
		}
		_, err = store.GetProposal(ctx, "nope")
		wantErr(t, "getting an unknown proposal", err, rbac.ErrNotFound)
		wantErr(t, "resolving an unknown proposal", store.ResolveProposal(ctx, proposal("nope", at), rbac.ProposalPending), rbac.ErrNotFound)
		// Oldest first, then by ID.
		for _, p := range []rbac.Proposal{proposal("p0", at.Add(time.Second)), proposal("p2", at.Add(-time.Second)), proposal("p3", at)} {
			if err := store.PutProposal(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		list, err := store.ListProposals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range list {
			ids = append(ids, p.ID)
		}
		if diff := cmp.Diff([]string{"p2", "p1", "p3", "p0"}, ids); diff != "" {
			t.Errorf("ListProposals order (-want +got):\n%s", diff)
		}
		// A resolution replaces the whole proposal.
		done := want
		done.State, done.ResolvedBy, done.Resolution, done.Resolved, done.Revision = rbac.ProposalApproved, "sue", "ok", at.Add(time.Minute), 9
		if err := store.ResolveProposal(ctx, done, rbac.ProposalPending); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "resolving from pending again", store.ResolveProposal(ctx, done, rbac.ProposalPending), rbac.ErrConflict)
		got, _ = store.GetProposal(ctx, "p1")
		if diff := cmp.Diff(done, got, opts); diff != "" {
			t.Errorf("after ResolveProposal (-want +got):\n%s", diff)
		}
	})
	subtest(t, "CompareAndSet", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		store := ps(t, s)
		if err := store.PutProposal(ctx, proposal("race", at)); err != nil {
			t.Fatal(err)
		}
		const racers = 8
		var wg sync.WaitGroup
		errs := make([]error, racers)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := proposal("race", at)
				p.State, p.ResolvedBy = rbac.ProposalApproved, rbac.UserID(fmt.Sprintf("approver%d", i))
				errs[i] = store.ResolveProposal(ctx, p, rbac.ProposalPending)
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("approver%d and approver%d both resolved the proposal", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, rbac.ErrConflict):
				t.Fatalf("approver%d: %v, want ErrConflict", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("nobody resolved the proposal")
		}
		got, _ := store.GetProposal(ctx, "race")
		if want := rbac.UserID(fmt.Sprintf("approver%d", winner)); got.ResolvedBy != want || got.State != rbac.ProposalApproved {
			t.Fatalf("stored %s by %s, want approved by %s", got.State, got.ResolvedBy, want)
		}
	})
}

// testAttestations: a store that is an rbac.AttestationStore keeps one
// attestation per campaign and user, the latest, and lists a campaign's
// by user.
func testAttestations(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "PutAndList", newStore, func(t *testing.T, s rbac.Store) {
		ctx := context.Background()
		as, ok := s.(rbac.AttestationStore)
		if !ok {
			t.Skipf("%T is not an rbac.AttestationStore", s)
		}
		at := time.Date(2027, 3, 1, 9, 30, 0, 123456789, time.UTC)
		for _, a := range []rbac.Attestation{
			{Campaign: "q1", User: "zed", Keep: true, By: "mia", At: at},
			{Campaign: "q1", User: "amy", Keep: true, By: "mia", At: at},
			{Campaign: "q2", User: "amy", Keep: true, By: "mia", At: at},
			{Campaign: "q1", User: "amy", Keep: false, By: "max", At: at.Add(time.Hour)}, // replaces
		} {
			if err := as.PutAttestation(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := as.Attestations(ctx, "q1")
		if err != nil {
			t.Fatal(err)
		}
		want := []rbac.Attestation{
			{Campaign: "q1", User: "amy", Keep: false, By: "max", At: at.Add(time.Hour)},
			{Campaign: "q1", User: "zed", Keep: true, By: "mia", At: at},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Attestations(q1) (-want +got):\n%s", diff)
		}
		if got, _ := as.Attestations(ctx, "none"); len(got) != 0 {
			t.Errorf("Attestations of an unknown campaign: %v", got)
		}
	})
}
