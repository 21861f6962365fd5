// Package authzclock lets the administration console (adminui) read an
// Authorizer's clock (rbac.WithClock) without package rbac exporting it:
// what the console labels expired, running or pending must agree with the
// checks, a fake clock in tests included.
package authzclock

import "time"

// Now returns the time by the clock of authz, an *rbac.Authorizer. Package
// rbac sets it when it is initialised (an import of rbac comes first).
var Now func(authz any) time.Time
