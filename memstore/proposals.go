package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

var _ rbac.ProposalStore = (*Store)(nil)

// PutProposal stores a new proposal (rbac.ProposalStore).
func (s *Store) PutProposal(ctx context.Context, p rbac.Proposal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "put proposal"); err != nil {
		return err
	}
	if _, ok := s.proposals[p.ID]; ok {
		return &rbac.Error{Op: "put proposal", Msg: fmt.Sprintf("proposal %q exists", p.ID), Err: rbac.ErrExists}
	}
	if s.proposals == nil {
		s.proposals = map[string]rbac.Proposal{}
	}
	s.proposals[p.ID] = p.Clone()
	return nil
}

// GetProposal returns a copy of the proposal (rbac.ProposalStore).
func (s *Store) GetProposal(ctx context.Context, id string) (rbac.Proposal, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "get proposal"); err != nil {
		return rbac.Proposal{}, err
	}
	p, ok := s.proposals[id]
	if !ok {
		return rbac.Proposal{}, &rbac.Error{Op: "get proposal", Msg: fmt.Sprintf("no proposal %q", id), Err: rbac.ErrNotFound}
	}
	return p.Clone(), nil
}

// ListProposals returns copies of every proposal, oldest first
// (rbac.ProposalStore).
func (s *Store) ListProposals(ctx context.Context) ([]rbac.Proposal, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "list proposals"); err != nil {
		return nil, err
	}
	out := make([]rbac.Proposal, 0, len(s.proposals))
	for _, p := range s.proposals {
		out = append(out, p.Clone())
	}
	slices.SortFunc(out, func(a, b rbac.Proposal) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ResolveProposal replaces the proposal if its state is from
// (rbac.ProposalStore).
func (s *Store) ResolveProposal(ctx context.Context, p rbac.Proposal, from rbac.ProposalState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "resolve proposal"); err != nil {
		return err
	}
	old, ok := s.proposals[p.ID]
	if !ok {
		return &rbac.Error{Op: "resolve proposal", Msg: fmt.Sprintf("no proposal %q", p.ID), Err: rbac.ErrNotFound}
	}
	if old.State != from {
		return &rbac.Error{Op: "resolve proposal", Msg: fmt.Sprintf("proposal %q is %s by %s, not %s", p.ID, old.State, old.ResolvedBy, from), Err: rbac.ErrConflict}
	}
	s.proposals[p.ID] = p.Clone()
	return nil
}
