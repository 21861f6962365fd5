package rbachttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rolegraph/rbac"
)

// ErrUnauthenticated wraps the error of a Guard's Identify in Filter.
var ErrUnauthenticated = errors.New("rbachttp: unauthenticated")

// Filter returns, in order, the items of one kind that the request's
// identity may use perm on: the rows of a list page. It identifies the
// caller once and decides every item on one snapshot. resourceOf
// describes an item; its Kind is set to kind. An Identify error is
// returned wrapped with ErrUnauthenticated (answer 401).
//
// Filter decides in Go, item by item (Snapshot.Check: no allocation per
// item). For lists too long to load, push the decision into the query
// instead.
func Filter[T any](g *Guard, r *http.Request, perm rbac.Permission, kind string, items []T, resourceOf func(T) rbac.Resource) ([]T, error) {
	id, err := g.Identify(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	snap := g.Authorizer.Snapshot()
	req := rbac.Request{User: id.User, Principal: id.Principal, Permission: perm}
	var kept []T
	for _, it := range items {
		res := resourceOf(it)
		res.Kind = kind
		req.Resource = &res
		if snap.Check(req).Allowed {
			kept = append(kept, it)
		}
	}
	return kept, nil
}
