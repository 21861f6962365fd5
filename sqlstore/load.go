package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rolegraph/rbac"
)

// Load reads the whole state in one read-only transaction, so that it is
// the state at one revision. Each list of the policy is sorted by key in
// byte order (like memstore); lists inside entities keep the order they
// were put in.
func (s *Store) Load(ctx context.Context) (*rbac.Policy, rbac.Revision, error) {
	if err := s.enter(ctx, "load"); err != nil {
		return nil, 0, err
	}
	var p *rbac.Policy
	var rev rbac.Revision
	err := s.inTx(ctx, false, func(q querier) error {
		p = &rbac.Policy{}
		var err error
		if rev, _, err = s.readRevision(ctx, q); err != nil {
			return err
		}
		for _, t := range entityTables {
			recs, err := s.readRecords(ctx, q, t, nil)
			if err != nil {
				return fmt.Errorf("reading %s: %w", t.name, err)
			}
			growPolicy(p, t.kind, len(recs))
			for _, r := range recs {
				e, err := t.fromRecord(r)
				if err != nil {
					return &rbac.Error{Op: "load", Kind: t.kind, ID: keyString(r.key), Msg: err.Error(), Err: rbac.ErrInvalid}
				}
				p.Add(e)
			}
		}
		// (kind, id) order differs from "kind/id" order when one kind is
		// a prefix of another.
		slices.SortFunc(p.Ownerships, func(a, b rbac.Ownership) int {
			return strings.Compare(a.EntityKey(), b.EntityKey())
		})
		return nil
	})
	if err != nil {
		return nil, 0, s.wrap(ctx, "load", err)
	}
	return p, rev, nil
}

// growPolicy makes room for n more entities of kind in p.
func growPolicy(p *rbac.Policy, kind rbac.EntityKind, n int) {
	switch kind {
	case rbac.EntityAccountType:
		p.AccountTypes = slices.Grow(p.AccountTypes, n)
	case rbac.EntityPermission:
		p.Permissions = slices.Grow(p.Permissions, n)
	case rbac.EntityRole:
		p.Roles = slices.Grow(p.Roles, n)
	case rbac.EntityGroup:
		p.Groups = slices.Grow(p.Groups, n)
	case rbac.EntityWorkgroup:
		p.Workgroups = slices.Grow(p.Workgroups, n)
	case rbac.EntityUser:
		p.Users = slices.Grow(p.Users, n)
	case rbac.EntityConstraint:
		p.Constraints = slices.Grow(p.Constraints, n)
	case rbac.EntityApproval:
		p.Approvals = slices.Grow(p.Approvals, n)
	case rbac.EntityCampaign:
		p.Campaigns = slices.Grow(p.Campaigns, n)
	case rbac.EntityResourceKind:
		p.Kinds = slices.Grow(p.Kinds, n)
	case rbac.EntityOwnershipRule:
		p.OwnershipRules = slices.Grow(p.OwnershipRules, n)
	case rbac.EntityOwnership:
		p.Ownerships = slices.Grow(p.Ownerships, n)
	case rbac.EntityElevation:
		p.Elevations = slices.Grow(p.Elevations, n)
	}
}

// LoadEach reads the whole state in one read-only transaction, like Load,
// and calls f with each entity as its row is read (a table with list
// tables, as its table is read), users after every kind but stored
// ownership (rbac.StreamKinds): rbac.StreamLoader, which an Authorizer uses
// to start without building, sorting and copying a Policy, compiling the
// roles while the users arrive. size is called with each table's count
// before its entities. Users are handed over as *rbac.User, which the
// Authorizer keeps as they are, and equal lists share one array (a hundred
// thousand users holding one of a few role lists keep a few arrays), as
// StreamLoader allows. An error from f stops the load and is returned as
// is.
func (s *Store) LoadEach(ctx context.Context, size func(rbac.EntityKind, int), f func(rbac.Entity) error) (rbac.Revision, error) {
	if err := s.enter(ctx, "load"); err != nil {
		return 0, err
	}
	var rev rbac.Revision
	var stop error // f's error, returned unwrapped
	err := s.inTx(ctx, false, func(q querier) error {
		var err error
		if rev, _, err = s.readRevision(ctx, q); err != nil {
			return err
		}
		dec := newSharingListDecoder()
		for _, kind := range rbac.StreamKinds() {
			t := tableOf(kind)
			var n int
			announce := func(count int) {
				n = count
				size(t.kind, count)
			}
			var users []rbac.User // users are handed over as *User, carved from chunks
			err := s.streamRecords(ctx, q, t, dec, announce, func(r record) error {
				e, err := t.fromRecord(r)
				if err != nil {
					return &rbac.Error{Op: "load", Kind: t.kind, ID: keyString(r.key), Msg: err.Error(), Err: rbac.ErrInvalid}
				}
				if u, ok := e.(rbac.User); ok {
					if len(users) == cap(users) {
						users = make([]rbac.User, 0, max(1, min(n, 1024)))
					}
					users = append(users, u)
					e = &users[len(users)-1]
				}
				stop = f(e)
				return stop
			})
			if stop != nil {
				return stop
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", t.name, err)
			}
		}
		return nil
	})
	if stop != nil {
		return 0, stop
	}
	if err != nil {
		return 0, s.wrap(ctx, "load", err)
	}
	return rev, nil
}

var _ rbac.StreamLoader = (*Store)(nil)
