// Package memstore is an rbac.Store held in memory: the store for tests,
// for single-process services whose policy comes from files, and the
// reference that sqlstore is tested against (both pass storetest).
//
// A Store keeps the current state, the revision counter and the change log
// with before-images, so an Authorizer can follow it with Changes and Wait
// exactly as it follows a database. Everything going in and out is copied:
// a caller can never change the store's memory by mutating a policy, an
// entity or a change set it passed or received. Load returns each list
// sorted by key, in byte order, so output built from it is deterministic.
// The log grows with every Apply; call Prune to bound it.
//
// Wait blocks on a channel that each commit closes, so followers wake at
// once, without polling.
package memstore
