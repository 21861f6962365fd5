package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/rolegraph/rbac"
)

var _ rbac.AttestationStore = (*Store)(nil)

type attestationKey struct {
	campaign string
	user     rbac.UserID
}

// PutAttestation records a, replacing the campaign's attestation of the
// same user (rbac.AttestationStore).
func (s *Store) PutAttestation(ctx context.Context, a rbac.Attestation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "put attestation"); err != nil {
		return err
	}
	if s.attestations == nil {
		s.attestations = map[attestationKey]rbac.Attestation{}
	}
	s.attestations[attestationKey{a.Campaign, a.User}] = a
	return nil
}

// Attestations returns the campaign's attestations, by user
// (rbac.AttestationStore).
func (s *Store) Attestations(ctx context.Context, campaign string) ([]rbac.Attestation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, "attestations"); err != nil {
		return nil, err
	}
	var out []rbac.Attestation
	for k, a := range s.attestations {
		if k.campaign == campaign {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y rbac.Attestation) int { return cmp.Compare(x.User, y.User) })
	return out, nil
}
