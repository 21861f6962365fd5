// Package rbachttp authorizes net/http requests with an rbac.Authorizer.
// It uses the standard library only.
//
// A service supplies two functions: who makes the request (a stored user
// or a principal from a verified token) and which record it is about.
// Guard.Require then decides before the handler runs, answers 404 for a
// record the caller may not see (out_of_scope, not_owner: the record's
// existence is not revealed) and 403 for other denials (configurable with
// Guard.Status), logs each denial's explanation with log/slog, and gives
// the handler the decision, the identity, the resource and the record the
// ResourceFunc loaded (Keep) through the request context (DecisionFrom,
// IdentityFrom, ResourceFrom, RecordFrom), so the handler does not load it
// again. Errors are not denials: 401 when the caller cannot be identified,
// 503 when no decision could be made in time, 500 otherwise.
//
//	guard := &rbachttp.Guard{Authorizer: authz, Identify: fromToken, Logger: slog.Default()}
//	mux.Handle("GET /cases/{id}", guard.Require("case.read", caseByID, http.HandlerFunc(showCase)))
//	mux.Handle("POST /cases", guard.Require("case.create", nil, http.HandlerFunc(createCase)))
//
// Inside a handler, Guard.Check makes a further check (the workgroup or
// the assignee of a record being created) and Guard.List the query plan
// of a list (rbac.Authorizer.Plan): both use the identity Require found,
// log like Require, and answer the request themselves when they return
// false. Every decision — Require's, Check's and each list's — goes to the
// authorizer's decision log (rbac.WithDecisionLog; rbac.SlogDecisionLog
// writes it to a *slog.Logger). Filter keeps the rows of a list already
// loaded; Guard.Plan gives the plan without answering, to push into SQL
// with package sqlfilter.
//
// The guard's cost over Snapshot.Check on an allowed request is two
// allocations (BenchmarkGuard): the request's copy that
// http.Request.WithContext makes, and one context node carrying the
// identity, decision, resource and record. Both are what handing values to
// a handler through the standard library's context costs.
package rbachttp
