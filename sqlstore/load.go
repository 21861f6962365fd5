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
			for _, r := range recs {
				e, err := t.fromRecord(r)
				if err != nil {
					return &rbac.Error{Op: "load", Kind: t.kind, ID: keyString(r.key), Msg: err.Error(), Err: rbac.ErrInvalid}
				}
				addToPolicy(p, e)
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

// addToPolicy appends e to p's list of its kind.
func addToPolicy(p *rbac.Policy, e rbac.Entity) {
	switch v := e.(type) {
	case rbac.AccountTypeDef:
		p.AccountTypes = append(p.AccountTypes, v)
	case rbac.PermissionDef:
		p.Permissions = append(p.Permissions, v)
	case rbac.Role:
		p.Roles = append(p.Roles, v)
	case rbac.Group:
		p.Groups = append(p.Groups, v)
	case rbac.Workgroup:
		p.Workgroups = append(p.Workgroups, v)
	case rbac.User:
		p.Users = append(p.Users, v)
	case rbac.Constraint:
		p.Constraints = append(p.Constraints, v)
	case rbac.Kind:
		p.Kinds = append(p.Kinds, v)
	case rbac.OwnershipRule:
		p.OwnershipRules = append(p.OwnershipRules, v)
	case rbac.Ownership:
		p.Ownerships = append(p.Ownerships, v)
	}
}
