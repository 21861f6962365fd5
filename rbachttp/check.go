package rbachttp

import (
	"net/http"

	"github.com/rolegraph/rbac"
)

// Check decides, inside a handler, whether the request's identity may use
// perm on res (nil: a capability check): the second check of a create (the
// workgroup or the assignee of the new record), say. It goes through the
// authorizer, so the decision log records it, and logs a denial with its
// explanation as Require does. The identity is the one Require found
// (IdentityFrom), else Identify's. It returns the decision and true when
// allowed; otherwise it has answered the request — 401 when the caller
// cannot be identified, the mapped status of the denial, 503 or 500 for an
// error — and the handler must return.
func (g *Guard) Check(w http.ResponseWriter, r *http.Request, perm rbac.Permission, res *rbac.Resource) (rbac.Decision, bool) {
	id, err := g.identity(r)
	if err != nil {
		g.logUnauthenticated(r.Context(), r, err)
		g.deny(w, r, http.StatusUnauthorized)
		return rbac.Decision{}, false
	}
	req := rbac.Request{User: id.User, Principal: id.Principal, Permission: perm, Resource: res}
	if g.AtLeast != nil {
		req.AtLeast = g.AtLeast(r)
	}
	d, status := g.check(r, req)
	if status != 0 {
		g.deny(w, r, status)
		return d, false
	}
	return d, true
}
