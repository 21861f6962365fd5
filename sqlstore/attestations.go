package sqlstore

import (
	"context"
	"time"

	"github.com/rolegraph/rbac"
)

// Attestations (rbac.AttestationStore, schema 10) are rows of
// rbac_attestations, one per campaign and user.

var _ rbac.AttestationStore = (*Store)(nil)

// PutAttestation records a, replacing the campaign's attestation of the
// same user (rbac.AttestationStore).
func (s *Store) PutAttestation(ctx context.Context, a rbac.Attestation) error {
	const op = "put attestation"
	if err := s.enter(ctx, op); err != nil {
		return err
	}
	err := s.inTx(ctx, true, func(q querier) error {
		if _, err := q.ExecContext(ctx, s.dialect.rebind("DELETE FROM rbac_attestations WHERE campaign = ? AND user_id = ?"), a.Campaign, string(a.User)); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, s.dialect.rebind("INSERT INTO rbac_attestations (campaign, user_id, keep_access, by_user, at_ns) VALUES (?, ?, ?, ?, ?)"),
			a.Campaign, string(a.User), a.Keep, string(a.By), a.At.UnixNano())
		return err
	})
	return s.wrap(ctx, op, err)
}

// Attestations returns the campaign's attestations, by user
// (rbac.AttestationStore).
func (s *Store) Attestations(ctx context.Context, campaign string) ([]rbac.Attestation, error) {
	const op = "attestations"
	if err := s.enter(ctx, op); err != nil {
		return nil, err
	}
	var out []rbac.Attestation
	err := s.inTx(ctx, false, func(q querier) error {
		out = nil
		rows, err := q.QueryContext(ctx, s.dialect.rebind("SELECT user_id, keep_access, by_user, at_ns FROM rbac_attestations WHERE campaign = ? ORDER BY user_id"), campaign)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var user, by string
			var keep bool
			var ns int64
			if err := rows.Scan(&user, &keep, &by, &ns); err != nil {
				return err
			}
			out = append(out, rbac.Attestation{Campaign: campaign, User: rbac.UserID(user), Keep: keep, By: rbac.UserID(by), At: time.Unix(0, ns).UTC()})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}
