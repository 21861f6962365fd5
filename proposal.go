package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// DefaultProposalExpiry is how long a proposal waits for approval unless
// WithProposalExpiry says otherwise: a week. An expired proposal can no
// longer be approved; propose it again.
const DefaultProposalExpiry = 7 * 24 * time.Hour

// WithProposalExpiry sets how long a proposal may be approved after it is
// made (DefaultProposalExpiry by default; at least a minute).
func WithProposalExpiry(d time.Duration) Option {
	return func(o *options) { o.proposalExpiry = max(d, time.Minute) }
}

// ProposalState is where a proposal stands.
type ProposalState string

const (
	ProposalPending  ProposalState = "pending"
	ProposalApproved ProposalState = "approved"
	ProposalRejected ProposalState = "rejected"
	// ProposalExpired is a pending proposal past its Expires (StateAt): a
	// store keeps it pending.
	ProposalExpired ProposalState = "expired"
)

// Proposal is a change set waiting for a second person (four eyes; see
// Approval and Admin.Propose). Nothing of it is applied until it is
// approved.
type Proposal struct {
	ID         string
	ProposedBy UserID
	Reason     string
	Changes    []Change // as proposed, without cascades
	// Approvals are the approval entries the changes matched when
	// proposed; Preview what they would have given and taken then, and
	// Base the revision they were judged at. Approval judges them again.
	Approvals []string
	Preview   []UserImpact
	Base      Revision
	Created   time.Time
	Expires   time.Time
	State     ProposalState // pending, approved or rejected
	// ResolvedBy approved or rejected it, at Resolved, saying Resolution.
	ResolvedBy UserID
	Resolution string
	Resolved   time.Time
	// Revision is the approved change set's revision; zero while an
	// approval is being written.
	Revision Revision
}

// StateAt returns the proposal's state at now: ProposalExpired for a
// pending proposal at or past Expires.
func (p Proposal) StateAt(now time.Time) ProposalState {
	if p.State == ProposalPending && !now.Before(p.Expires) {
		return ProposalExpired
	}
	return p.State
}

// Clone returns a deep copy.
func (p Proposal) Clone() Proposal {
	p.Changes = slices.Clone(p.Changes)
	for i, c := range p.Changes {
		p.Changes[i] = c.Clone()
	}
	p.Approvals = slices.Clone(p.Approvals)
	p.Preview = slices.Clone(p.Preview)
	for i, u := range p.Preview {
		p.Preview[i].Gained = slices.Clone(u.Gained)
		p.Preview[i].Lost = slices.Clone(u.Lost)
	}
	return p
}

// ProposalStore is an optional capability of a Store, found by type
// assertion (as database/sql finds a driver's optional interfaces): it
// keeps proposals, so that any replica may approve what another proposed.
// Admin.Propose, Approve and Reject need it. Every method is safe for
// concurrent use and returns copies.
type ProposalStore interface {
	// PutProposal stores a new proposal; an error wrapping ErrExists if
	// its ID is taken.
	PutProposal(ctx context.Context, p Proposal) error
	// GetProposal returns the proposal; an error wrapping ErrNotFound if
	// there is none with that ID.
	GetProposal(ctx context.Context, id string) (Proposal, error)
	// ListProposals returns every proposal, oldest first (by Created,
	// then ID).
	ListProposals(ctx context.Context) ([]Proposal, error)
	// ResolveProposal replaces the stored proposal of p.ID with p if the
	// stored one's State is from (compare-and-set), so that of several
	// concurrent approvals exactly one proceeds; else an error wrapping
	// ErrConflict (ErrNotFound if there is none).
	ResolveProposal(ctx context.Context, p Proposal, from ProposalState) error
}

// proposals returns the store's ProposalStore.
func (ad *Admin) proposals(op string) (ProposalStore, error) {
	ps, ok := ad.a.store.(ProposalStore)
	if !ok {
		return nil, &Error{Op: op, Msg: fmt.Sprintf("the store (%T) does not keep proposals (rbac.ProposalStore)", ad.a.store), Err: ErrInvalid}
	}
	return ps, nil
}

// Propose stores the changes as a pending proposal for someone else to
// approve (Approve), and applies nothing. The actor is judged as for
// Apply, except that matching an approval entry does not refuse it: the
// actor must have the right to make the changes, save for the second
// pair of eyes. The proposal holds the changes' preview and the approval
// entries they match, and expires after DefaultProposalExpiry (see
// WithProposalExpiry). The store must be a ProposalStore.
func (ad *Admin) Propose(ctx context.Context, reason string, changes ...Change) (Proposal, error) {
	ps, err := ad.proposals("propose")
	if err != nil {
		return Proposal{}, err
	}
	if err := checkAdminInput("propose", reason, changes); err != nil {
		return Proposal{}, err
	}
	w := adminWrite{reason: reason, ownReason: reason, changes: changes, approved: true}
	ev, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Reason: reason, Changes: changes}, ad.rulesFor(w))
	if err != nil {
		return Proposal{}, err
	}
	now := ad.a.opts.clock()
	p := Proposal{
		ID: NewChangeSetID(), ProposedBy: ad.actor, Reason: reason, Changes: cloneChanges(changes),
		Approvals: ev.approvals, Preview: preview(ev.before, ev.after, ev.expanded.Changes), Base: ev.rev,
		Created: now, Expires: now.Add(ad.a.opts.proposalExpiry), State: ProposalPending,
	}
	if err := ps.PutProposal(ctx, p); err != nil {
		return Proposal{}, relabel("propose", "storing the proposal", err)
	}
	return p, nil
}

func cloneChanges(changes []Change) []Change {
	out := make([]Change, len(changes))
	for i, c := range changes {
		out[i] = c.Clone()
		out[i].Before = nil
	}
	return out
}

// pendingProposal returns the proposal id if it can still be resolved.
func (ad *Admin) pendingProposal(ctx context.Context, ps ProposalStore, op, id string) (Proposal, error) {
	if err := checkID(id); err != nil {
		return Proposal{}, &Error{Op: op, Msg: "proposal id: " + err.Error(), Err: ErrInvalid}
	}
	p, err := ps.GetProposal(ctx, id)
	if err != nil {
		return Proposal{}, relabel(op, "reading proposal "+quoteShort(id), err)
	}
	switch state := p.StateAt(ad.a.opts.clock()); state {
	case ProposalPending:
		return p, nil
	case ProposalExpired:
		return Proposal{}, &Error{Op: op, Msg: fmt.Sprintf("proposal %s expired at %s: propose it again", quoteShort(id), p.Expires.UTC().Format(time.RFC3339)), Err: ErrConflict}
	default:
		return Proposal{}, &Error{Op: op, Msg: fmt.Sprintf("proposal %s is already %s by %s", quoteShort(id), state, p.ResolvedBy), Err: ErrConflict}
	}
}

// Approve applies a pending proposal as one change set whose Actor is
// the approver and ProposedBy the proposer, with the proposal's reason
// and the approver's. The approver is not the proposer (ErrForbidden) and
// is judged against the model as it is now, as if he made the changes
// himself: he must have the right to make them and to confer what they
// confer (a model that moved since the proposal is judged afresh). Of
// concurrent approvals, on any replica, exactly one proceeds; the others
// fail with ErrConflict, as does approving an expired, approved or
// rejected proposal. The change set's ID is "proposal." and the
// proposal's, so it is written at most once. A refused approval leaves
// the proposal pending.
func (ad *Admin) Approve(ctx context.Context, id, reason string) (Revision, error) {
	ps, err := ad.proposals("approve")
	if err != nil {
		return 0, err
	}
	if err := checkText("the reason", reason); err != nil {
		return 0, &Error{Op: "approve", Msg: err.Error(), Err: ErrInvalid}
	}
	p, err := ad.pendingProposal(ctx, ps, "approve", id)
	if err != nil {
		return 0, err
	}
	if p.ProposedBy == ad.actor {
		return 0, ad.forbid("%s proposed %s: a proposal needs a second person to approve it", ad.actor, quoteShort(id))
	}
	claim := p
	claim.State, claim.ResolvedBy, claim.Resolution, claim.Resolved = ProposalApproved, ad.actor, reason, ad.a.opts.clock()
	if err := ps.ResolveProposal(ctx, claim, ProposalPending); err != nil {
		return 0, relabel("approve", "claiming proposal "+quoteShort(id), err)
	}
	auditReason := p.Reason
	if reason != "" {
		auditReason = fmt.Sprintf("%s (approved: %s)", p.Reason, reason)
	}
	rev, err := ad.apply(ctx, adminWrite{reason: auditReason, ownReason: reason, changes: p.Changes, approved: true, id: "proposal." + p.ID, proposedBy: p.ProposedBy})
	if err != nil {
		// Refused: the proposal waits for another approver. Releasing is
		// best effort; a failure leaves it approved without a revision.
		_ = ps.ResolveProposal(context.WithoutCancel(ctx), p, ProposalApproved)
		return 0, err
	}
	claim.Revision = rev
	if err := ps.ResolveProposal(context.WithoutCancel(ctx), claim, ProposalApproved); err != nil {
		return rev, relabel("approve", fmt.Sprintf("applied at revision %d, but recording it in the proposal", rev), err)
	}
	return rev, nil
}

// Reject closes a pending proposal without applying it. The proposer may
// withdraw his own; anyone else needs the right to make its changes (the
// rights check of Apply).
func (ad *Admin) Reject(ctx context.Context, id, reason string) error {
	ps, err := ad.proposals("reject")
	if err != nil {
		return err
	}
	if err := checkText("the reason", reason); err != nil {
		return &Error{Op: "reject", Msg: err.Error(), Err: ErrInvalid}
	}
	p, err := ad.pendingProposal(ctx, ps, "reject", id)
	if err != nil {
		return err
	}
	if p.ProposedBy != ad.actor && ad.actor != System {
		rules := evaluationRules{rights: func(st *state, before *Snapshot, changes []Change) error {
			_, err := ad.rights(st, before, changes, nil)
			return err
		}}
		if _, err := ad.a.evaluate(ctx, ChangeSet{Actor: ad.actor, Changes: p.Changes}, rules); err != nil && errors.Is(err, ErrForbidden) {
			return err
		}
	}
	q := p
	q.State, q.ResolvedBy, q.Resolution, q.Resolved = ProposalRejected, ad.actor, reason, ad.a.opts.clock()
	if err := ps.ResolveProposal(ctx, q, ProposalPending); err != nil {
		return relabel("reject", "resolving proposal "+quoteShort(id), err)
	}
	return nil
}

// Proposals returns every proposal the store keeps, oldest first, for
// an administrator's inbox: the actor needs rbac.audit.read or one of
// the administration permissions at scope global or all.
func (ad *Admin) Proposals(ctx context.Context) ([]Proposal, error) {
	ps, err := ad.proposals("proposals")
	if err != nil {
		return nil, err
	}
	if ad.actor != System {
		r, err := ad.actorIn(ad.a.Snapshot())
		if err != nil {
			return nil, err
		}
		if !r.holds(PermAuditRead) && !r.holds(PermRolesManage) && !r.holds(PermGroupsManage) && !r.holds(PermUsersManage) {
			return nil, ad.forbid("listing proposals needs %s or an administration permission at scope global or all", PermAuditRead)
		}
	}
	return ps.ListProposals(ctx)
}
