package rbachttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/rolegraph/rbac"
)

// ErrUnauthenticated wraps the error of a Guard's Identify in Filter.
var ErrUnauthenticated = errors.New("rbachttp: unauthenticated")

// Plan identifies the caller and returns the query plan of the records of
// kind it may use perm on (rbac.Snapshot.Plan): apply it with Plan.Allows,
// or push it into the service's own query with package sqlfilter. An
// Identify error is returned wrapped with ErrUnauthenticated (answer 401).
func (g *Guard) Plan(r *http.Request, perm rbac.Permission, kind string) (rbac.Plan, error) {
	id, err := g.Identify(r)
	if err != nil {
		return rbac.Plan{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	return g.Authorizer.Snapshot().Plan(rbac.PlanRequest{User: id.User, Principal: id.Principal, Permission: perm, Kind: kind}), nil
}

// Filter returns, in order, the items of one kind that the request's
// identity may use perm on: the rows of a list page already loaded. It
// identifies the caller once, makes one Plan and applies it to each item
// (Plan.Allows: what Check would answer, without allocating per item).
// resourceOf describes an item; its Kind is set to kind. An Identify
// error is returned wrapped with ErrUnauthenticated (answer 401). For
// lists too long to load, use Guard.Plan and push it into the query.
func Filter[T any](g *Guard, r *http.Request, perm rbac.Permission, kind string, items []T, resourceOf func(T) rbac.Resource) ([]T, error) {
	plan, err := g.Plan(r, perm, kind)
	if err != nil {
		return nil, err
	}
	var kept []T
	if plan.Kind() == rbac.PlanNone {
		return kept, nil
	}
	for _, it := range items {
		res := resourceOf(it)
		res.Kind = kind
		if plan.Allows(res) {
			kept = append(kept, it)
		}
	}
	return kept, nil
}
