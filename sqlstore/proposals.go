package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rolegraph/rbac"
)

// Proposals (rbac.ProposalStore, schema 10) are rows of rbac_proposals:
// the id, the state (the compare-and-set of ResolveProposal reads it) and
// the creation time beside the whole proposal as a JSON document, its
// changes' values encoded as the change log's images.

var _ rbac.ProposalStore = (*Store)(nil)

type proposalJSON struct {
	ID         string
	ProposedBy rbac.UserID
	Reason     string
	Changes    []proposedChangeJSON
	Approvals  []string
	Preview    []rbac.UserImpact
	Base       rbac.Revision
	Created    time.Time
	Expires    time.Time
	State      rbac.ProposalState
	ResolvedBy rbac.UserID
	Resolution string
	Resolved   time.Time
	Revision   rbac.Revision
}

type proposedChangeJSON struct {
	Kind  rbac.EntityKind
	Key   string
	After *string // the image, nil for a deletion
}

func encodeProposal(p rbac.Proposal) (string, error) {
	pj := proposalJSON{ID: p.ID, ProposedBy: p.ProposedBy, Reason: p.Reason, Approvals: p.Approvals, Preview: p.Preview, Base: p.Base,
		Created: p.Created, Expires: p.Expires, State: p.State, ResolvedBy: p.ResolvedBy, Resolution: p.Resolution, Resolved: p.Resolved, Revision: p.Revision}
	for _, c := range p.Changes {
		img, err := encodeEntity(c.After)
		if err != nil {
			return "", err
		}
		cj := proposedChangeJSON{Kind: c.Kind, Key: c.Key}
		if img.Valid {
			cj.After = &img.String
		}
		pj.Changes = append(pj.Changes, cj)
	}
	b, err := json.Marshal(pj)
	return string(b), err
}

func decodeProposal(body string) (rbac.Proposal, error) {
	var pj proposalJSON
	if err := json.Unmarshal([]byte(body), &pj); err != nil {
		return rbac.Proposal{}, err
	}
	p := rbac.Proposal{ID: pj.ID, ProposedBy: pj.ProposedBy, Reason: pj.Reason, Approvals: pj.Approvals, Preview: pj.Preview, Base: pj.Base,
		Created: pj.Created, Expires: pj.Expires, State: pj.State, ResolvedBy: pj.ResolvedBy, Resolution: pj.Resolution, Resolved: pj.Resolved, Revision: pj.Revision}
	for _, cj := range pj.Changes {
		var img sql.NullString
		if cj.After != nil {
			img = sql.NullString{String: *cj.After, Valid: true}
		}
		after, err := decodeEntity(cj.Kind, img)
		if err != nil {
			return rbac.Proposal{}, fmt.Errorf("proposal %q: %s %q: %w", pj.ID, cj.Kind, cj.Key, err)
		}
		p.Changes = append(p.Changes, rbac.Change{Kind: cj.Kind, Key: cj.Key, After: after})
	}
	return p, nil
}

// PutProposal stores a new proposal (rbac.ProposalStore).
func (s *Store) PutProposal(ctx context.Context, p rbac.Proposal) error {
	const op = "put proposal"
	if err := s.enter(ctx, op); err != nil {
		return err
	}
	body, err := encodeProposal(p)
	if err != nil {
		return &rbac.Error{Op: op, Msg: err.Error(), Err: rbac.ErrInvalid}
	}
	exists := false
	err = s.inTx(ctx, true, func(q querier) error {
		var n int
		if err := q.QueryRowContext(ctx, s.dialect.rebind("SELECT COUNT(*) FROM rbac_proposals WHERE id = ?"), p.ID).Scan(&n); err != nil {
			return err
		}
		if exists = n > 0; exists {
			return nil
		}
		_, err := q.ExecContext(ctx, s.dialect.rebind("INSERT INTO rbac_proposals (id, state, created_ns, body) VALUES (?, ?, ?, ?)"),
			p.ID, string(p.State), p.Created.UnixNano(), body)
		return err
	})
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	if exists {
		return &rbac.Error{Op: op, Msg: fmt.Sprintf("proposal %q exists", p.ID), Err: rbac.ErrExists}
	}
	return nil
}

// GetProposal returns the proposal (rbac.ProposalStore).
func (s *Store) GetProposal(ctx context.Context, id string) (rbac.Proposal, error) {
	const op = "get proposal"
	if err := s.enter(ctx, op); err != nil {
		return rbac.Proposal{}, err
	}
	var body string
	found := true
	err := s.inTx(ctx, false, func(q querier) error {
		err := q.QueryRowContext(ctx, s.dialect.rebind("SELECT body FROM rbac_proposals WHERE id = ?"), id).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return rbac.Proposal{}, s.wrap(ctx, op, err)
	}
	if !found {
		return rbac.Proposal{}, &rbac.Error{Op: op, Msg: fmt.Sprintf("no proposal %q", id), Err: rbac.ErrNotFound}
	}
	p, err := decodeProposal(body)
	if err != nil {
		return rbac.Proposal{}, &rbac.Error{Op: op, Msg: err.Error(), Err: ErrSchema}
	}
	return p, nil
}

// ListProposals returns every proposal, oldest first (rbac.ProposalStore).
func (s *Store) ListProposals(ctx context.Context) ([]rbac.Proposal, error) {
	const op = "list proposals"
	if err := s.enter(ctx, op); err != nil {
		return nil, err
	}
	var bodies []string
	err := s.inTx(ctx, false, func(q querier) error {
		bodies = nil
		rows, err := q.QueryContext(ctx, "SELECT body FROM rbac_proposals ORDER BY created_ns, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				return err
			}
			bodies = append(bodies, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	out := make([]rbac.Proposal, 0, len(bodies))
	for _, b := range bodies {
		p, err := decodeProposal(b)
		if err != nil {
			return nil, &rbac.Error{Op: op, Msg: err.Error(), Err: ErrSchema}
		}
		out = append(out, p)
	}
	return out, nil
}

// ResolveProposal replaces the proposal if its stored state is from, in
// one UPDATE whose WHERE compares the state (rbac.ProposalStore).
func (s *Store) ResolveProposal(ctx context.Context, p rbac.Proposal, from rbac.ProposalState) error {
	const op = "resolve proposal"
	if err := s.enter(ctx, op); err != nil {
		return err
	}
	body, err := encodeProposal(p)
	if err != nil {
		return &rbac.Error{Op: op, Msg: err.Error(), Err: rbac.ErrInvalid}
	}
	updated, absent, state := false, false, ""
	err = s.inTx(ctx, true, func(q querier) error {
		updated, absent, state = false, false, ""
		res, err := q.ExecContext(ctx, s.dialect.rebind("UPDATE rbac_proposals SET state = ?, body = ? WHERE id = ? AND state = ?"),
			string(p.State), body, p.ID, string(from))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if updated = n > 0; updated {
			return nil
		}
		// Nothing updated: no such proposal, another state, or (MySQL
		// counts changed rows only) the very same proposal again.
		var stored string
		err = q.QueryRowContext(ctx, s.dialect.rebind("SELECT state, body FROM rbac_proposals WHERE id = ?"), p.ID).Scan(&state, &stored)
		if errors.Is(err, sql.ErrNoRows) {
			absent = true
			return nil
		}
		updated = err == nil && state == string(from) && stored == body
		return err
	})
	switch {
	case err != nil:
		return s.wrap(ctx, op, err)
	case updated:
		return nil
	case absent:
		return &rbac.Error{Op: op, Msg: fmt.Sprintf("no proposal %q", p.ID), Err: rbac.ErrNotFound}
	}
	return &rbac.Error{Op: op, Msg: fmt.Sprintf("proposal %q is %s, not %s", p.ID, state, from), Err: rbac.ErrConflict}
}
