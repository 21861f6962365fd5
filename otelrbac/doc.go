// Package otelrbac reports an rbac.Authorizer's metrics through
// OpenTelemetry: the revision it serves, how stale that may be, how long
// compiles and writes take, and how many checks ended for each reason.
//
// It lives in its own module so that the rbac module depends on nothing
// but the standard library, go-cmp, rapid and yaml.v3.
//
//	m, err := otelrbac.New(otel.GetMeterProvider())
//	a, err := rbac.New(ctx, store, m.Options()...)
//	reg, err := m.Observe(a) // revision and lag gauges
//	defer reg.Unregister()
//
// The instruments:
//
//	rbac.revision          gauge      the revision of the current snapshot
//	rbac.lag               gauge, s   time since the authorizer last confirmed it was up to date
//	rbac.compile.duration  histogram, s   per compile; attribute rbac.compile.full (bool)
//	rbac.apply.duration    histogram, s   per Authorizer.Apply; attribute rbac.apply.outcome (ok, error)
//	rbac.checks            counter    Authorizer.Check and Explain decisions; attributes rbac.reason, rbac.allowed
//
// Snapshot.Check is not counted: it stays free of any hook. Counting a
// decision allocates nothing beyond what the meter provider does.
package otelrbac
