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
// kind it may use perm on (rbac.Authorizer.Plan, which the decision log
// records): apply it with Plan.Allows, or push it into the service's own
// query with package sqlfilter. An Identify error is returned wrapped with
// ErrUnauthenticated (answer 401). Guard.List does the same and answers
// for the handler.
func (g *Guard) Plan(r *http.Request, perm rbac.Permission, kind string) (rbac.Plan, error) {
	id, err := g.identity(r)
	if err != nil {
		return rbac.Plan{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	return g.Authorizer.Plan(r.Context(), g.planRequest(r, id, perm, kind))
}

func (g *Guard) planRequest(r *http.Request, id Identity, perm rbac.Permission, kind string) rbac.PlanRequest {
	req := rbac.PlanRequest{User: id.User, Principal: id.Principal, Permission: perm, Kind: kind}
	if g.AtLeast != nil {
		req.AtLeast = g.AtLeast(r)
	}
	return req
}

// identity is the identity Require found for r, else Identify's.
func (g *Guard) identity(r *http.Request) (Identity, error) {
	if id, ok := IdentityFrom(r.Context()); ok {
		return id, nil
	}
	return g.Identify(r)
}

// List is Guard.Plan for a list handler, answering for it as Require
// does: it returns the plan and true, or answers the request and returns
// false (the handler then returns). The identity is the one Require found,
// else Identify's (401 when that fails). A none plan whose reason is
// out_of_scope or not_owner is a list that happens to be empty (workgroup
// scope without workgroups; an owned kind and no org): it is returned, and
// admits nothing. Any other none plan denies the whole list: it is logged
// with its explanation, as Require logs a denial, and answered with the
// mapped status (403 by default). The decision log records every list
// (rbac.Authorizer.Plan). Errors: 503 when no plan could be made in time,
// 500 otherwise.
func (g *Guard) List(w http.ResponseWriter, r *http.Request, perm rbac.Permission, kind string) (rbac.Plan, bool) {
	ctx := r.Context()
	id, err := g.identity(r)
	if err != nil {
		g.logUnauthenticated(ctx, r, err)
		g.deny(w, r, http.StatusUnauthorized)
		return rbac.Plan{}, false
	}
	req := g.planRequest(r, id, perm, kind)
	plan, err := g.Authorizer.Plan(ctx, req)
	if err != nil {
		g.deny(w, r, g.failed(r, "rbachttp: plan", err))
		return rbac.Plan{}, false
	}
	if plan.Kind() != rbac.PlanNone || plan.Reason() == rbac.ReasonOutOfScope || plan.Reason() == rbac.ReasonNotOwner {
		return plan, true
	}
	status := g.status(plan.Reason())
	// Explained as the capability check the plan's reason is about.
	g.logDenial(ctx, r, rbac.Request{User: id.User, Principal: id.Principal, Permission: perm}, status)
	g.deny(w, r, status)
	return plan, false
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
