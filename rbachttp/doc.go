// Package rbachttp authorizes net/http requests with an rbac.Authorizer.
// It uses the standard library only.
//
// A service supplies two functions: who makes the request (a stored user
// or a principal from a verified token) and which record it is about.
// Guard.Require then decides before the handler runs, answers 404 for a
// record the caller may not see (out_of_scope, not_owner: the record's
// existence is not revealed) and 403 for other denials (configurable with
// Guard.Status), logs each denial's explanation with log/slog, and gives
// the handler the decision and the identity through the request context
// (DecisionFrom, IdentityFrom). Errors are not denials: 401 when the
// caller cannot be identified, 503 when no decision could be made in time,
// 500 otherwise.
//
//	guard := &rbachttp.Guard{Authorizer: authz, Identify: fromToken, Logger: slog.Default()}
//	mux.Handle("GET /cases/{id}", guard.Require("case.read", caseByID, http.HandlerFunc(showCase)))
//	mux.Handle("POST /cases", guard.Require("case.create", nil, http.HandlerFunc(createCase)))
//
// Filter keeps the rows of a list that the caller may see, applying one
// query plan (rbac.Snapshot.Plan); Guard.Plan gives the plan itself, to
// push into SQL with package sqlfilter.
package rbachttp
