package rbac_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// giveMerger is a sensitive gain: int1 newly reaches client.merge.
var giveMerger = rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Roles: []rbac.RoleID{"merger"}})

// TestProposeThenApprove: a proposal applies nothing and holds its preview
// and the approvals it matches; another administrator's approval writes
// it as one change set with both people.
func TestProposeThenApprove(t *testing.T) {
	ctx := context.Background()
	a, store := newAuthorizer(t, fourEyesPolicy)
	rev := store.Revision()
	p, err := a.Admin("sam").Propose(ctx, "ticket 7", giveMerger)
	if err != nil {
		t.Fatal(err)
	}
	if store.Revision() != rev {
		t.Fatal("Propose wrote to the model")
	}
	want := []rbac.UserImpact{{User: "int1", Gained: []rbac.ScopedPermission{{Permission: "client.merge", Scope: rbac.ScopeGlobal}}}}
	if diff := cmp.Diff(want, p.Preview); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sensitive-changes"}, p.Approvals); diff != "" {
		t.Errorf("approvals matched (-want +got):\n%s", diff)
	}
	if p.State != rbac.ProposalPending || p.ProposedBy != "sam" || p.Expires.Sub(p.Created) != rbac.DefaultProposalExpiry {
		t.Errorf("proposal: %+v", p)
	}
	got, err := a.Admin("sue").Approve(ctx, p.ID, "checked with the team")
	if err != nil {
		t.Fatal(err)
	}
	sets, _ := store.Changes(ctx, rev)
	if len(sets) != 1 {
		t.Fatalf("%d change sets written, want 1", len(sets))
	}
	cs := sets[0]
	if cs.Revision != got || cs.Actor != "sue" || cs.ProposedBy != "sam" || cs.ID != "proposal."+p.ID || cs.Reason != "ticket 7 (approved: checked with the team)" {
		t.Errorf("change set: %+v", cs)
	}
	if d, err := a.Check(ctx, rbac.Request{User: "int1", Permission: "client.merge"}); err != nil || !d.Allowed {
		t.Error("the approved change is not in force")
	}
	list, err := a.Admin("sue").Proposals(ctx)
	if err != nil || len(list) != 1 || list[0].State != rbac.ProposalApproved || list[0].ResolvedBy != "sue" || list[0].Revision != got {
		t.Errorf("Proposals: %+v, %v", list, err)
	}
	_, err = a.Admin("sue").Approve(ctx, p.ID, "again")
	if !errors.Is(err, rbac.ErrConflict) {
		t.Errorf("approving twice: %v, want ErrConflict", err)
	}
}

// TestApproveRefusals: the proposer cannot approve his own proposal, nor
// can an approver who could not make the change himself; a refusal leaves
// the proposal pending and writes nothing.
func TestApproveRefusals(t *testing.T) {
	ctx := context.Background()
	a, store := newAuthorizer(t, fourEyesPolicy)
	p, err := a.Admin("sam").Propose(ctx, "ticket 7", giveMerger)
	if err != nil {
		t.Fatal(err)
	}
	rev := store.Revision()
	for _, tt := range []struct {
		reason   string
		approver rbac.UserID
	}{
		{"the proposer himself", "sam"},
		{"a roles manager without client.merge nor rbac.sensitive.grant", "rita"},
		{"a user with no rights", "int2"},
	} {
		_, err := a.Admin(tt.approver).Approve(ctx, p.ID, "ok")
		if !errors.Is(err, rbac.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", tt.reason, err)
		}
		if store.Revision() != rev {
			t.Fatalf("%s: refused but written", tt.reason)
		}
		if q, _ := store.GetProposal(ctx, p.ID); q.State != rbac.ProposalPending {
			t.Fatalf("%s: the proposal is %s after a refused approval", tt.reason, q.State)
		}
	}
	// rita may not even propose it: she could not make the change.
	if _, err := a.Admin("rita").Propose(ctx, "", giveMerger); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("rita proposing a sensitive gain: %v, want ErrForbidden", err)
	}
	if _, err := a.Admin("sue").Approve(ctx, p.ID, "ok"); err != nil {
		t.Errorf("sue after the refusals: %v", err)
	}
}

// TestApprovalIsJudgedAgainstTheModelNow: a proposal valid when made but
// not on the model at approval is refused then, and stays pending.
func TestApprovalIsJudgedAgainstTheModelNow(t *testing.T) {
	ctx := context.Background()
	a, store := newAuthorizer(t, fourEyesPolicy)
	p, err := a.Admin("sam").Propose(ctx, "ticket 7", giveMerger)
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile the role goes.
	if _, err := a.Admin(rbac.System).Apply(ctx, "", rbac.DeleteRole("merger")); err != nil {
		t.Fatal(err)
	}
	rev := store.Revision()
	_, err = a.Admin("sue").Approve(ctx, p.ID, "ok")
	if !errors.Is(err, rbac.ErrNotFound) {
		t.Fatalf("approval on the moved model: %v, want ErrNotFound", err)
	}
	if store.Revision() != rev {
		t.Fatal("refused but written")
	}
	// And the approver's rights are his at approval: sue loses hers.
	p2, err := a.Admin("sam").Propose(ctx, "ticket 8", rbac.PutUser(rbac.User{ID: "int2", AccountType: "internal", Roles: []rbac.RoleID{"security_admin"}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin(rbac.System).Apply(ctx, "", rbac.PutUser(rbac.User{ID: "sue", AccountType: "internal", Roles: []rbac.RoleID{"role_manager"}})); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin("sue").Approve(ctx, p2.ID, "ok"); !errors.Is(err, rbac.ErrForbidden) {
		t.Fatalf("approval by someone who lost the right: %v, want ErrForbidden", err)
	}
	if q, _ := store.GetProposal(ctx, p2.ID); q.State != rbac.ProposalPending {
		t.Fatalf("the proposal is %s after a refused approval", q.State)
	}
}

// TestProposalsExpireAndReject: an expired proposal cannot be approved; a
// rejected one neither; only the proposer or someone with the rights may
// reject.
func TestProposalsExpireAndReject(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	a, _ := newAuthorizer(t, fourEyesPolicy, rbac.WithClock(func() time.Time { return *clock.Load() }), rbac.WithProposalExpiry(48*time.Hour))
	p, err := a.Admin("sam").Propose(ctx, "ticket 7", giveMerger)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Expires.Equal(now.Add(48 * time.Hour)) {
		t.Errorf("expires %v, want two days after %v", p.Expires, now)
	}
	later := now.Add(48 * time.Hour)
	clock.Store(&later)
	if p.StateAt(later) != rbac.ProposalExpired {
		t.Errorf("state at expiry: %s", p.StateAt(later))
	}
	if _, err := a.Admin("sue").Approve(ctx, p.ID, "ok"); !errors.Is(err, rbac.ErrConflict) {
		t.Errorf("approving an expired proposal: %v, want ErrConflict", err)
	}
	clock.Store(&now)
	p2, err := a.Admin("sam").Propose(ctx, "ticket 8", giveMerger)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Admin("int2").Reject(ctx, p2.ID, "no"); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("rejection by a user with no rights: %v, want ErrForbidden", err)
	}
	if err := a.Admin("sue").Reject(ctx, p2.ID, "not needed"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin("sue").Approve(ctx, p2.ID, "ok"); !errors.Is(err, rbac.ErrConflict) {
		t.Errorf("approving a rejected proposal: %v, want ErrConflict", err)
	}
	p3, _ := a.Admin("sam").Propose(ctx, "ticket 9", giveMerger)
	if err := a.Admin("sam").Reject(ctx, p3.ID, "withdrawn"); err != nil {
		t.Errorf("the proposer withdrawing: %v", err)
	}
}

// TestConcurrentApprovalsWriteOnce: two authorizers on one store, several
// approvers each: exactly one approval is written, the others fail with
// ErrConflict.
func TestConcurrentApprovalsWriteOnce(t *testing.T) {
	ctx := context.Background()
	a, store := newAuthorizer(t, fourEyesPolicy)
	b, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for round := range 20 {
		p, err := a.Admin("rita").Propose(ctx, "ticket", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Groups: []rbac.GroupID{"writers"}[:1-round%2]}))
		if err != nil {
			t.Fatal(err)
		}
		rev := store.Revision()
		var wg sync.WaitGroup
		var won, conflicts atomic.Int32
		start := make(chan struct{})
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				az := []*rbac.Authorizer{a, b}[i%2]
				approver := []rbac.UserID{"sam", "sue"}[i/2%2]
				_, err := az.Admin(approver).Approve(ctx, p.ID, "ok")
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, rbac.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("approval: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		sets, _ := store.Changes(ctx, rev)
		if won.Load() != 1 || conflicts.Load() != 7 || len(sets) != 1 || sets[0].ID != "proposal."+p.ID {
			t.Fatalf("round %d: %d approvals won, %d conflicts, %d change sets written; want 1, 7, 1", round, won.Load(), conflicts.Load(), len(sets))
		}
	}
}

// TestProposalsNeedAProposalStore: a store without the capability says so.
func TestProposalsNeedAProposalStore(t *testing.T) {
	ctx := context.Background()
	p, _ := rbac.LoadPolicy(strings.NewReader(fourEyesPolicy))
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, storeOnly{store})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Admin("sam").Propose(ctx, "x", giveMerger); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("Propose on a store without proposals: %v, want ErrInvalid", err)
	}
}

// storeOnly hides every optional capability of a store.
type storeOnly struct{ rbac.Store }
