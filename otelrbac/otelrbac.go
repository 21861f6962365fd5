package otelrbac

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/rolegraph/rbac"
)

// ScopeName is the instrumentation scope of the meter.
const ScopeName = "github.com/rolegraph/rbac/otelrbac"

// Metrics holds the instruments. It is safe for concurrent use and may
// serve several authorizers (each Observe registers one's gauges).
type Metrics struct {
	meter    metric.Meter
	revision metric.Int64ObservableGauge
	lag      metric.Float64ObservableGauge
	compile  metric.Float64Histogram
	apply    metric.Float64Histogram
	checks   metric.Int64Counter

	// Attribute sets built once, so that recording allocates nothing here.
	byReason     map[rbac.Reason]metric.AddOption
	undecided    metric.AddOption
	fullCompile  metric.RecordOption
	deltaCompile metric.RecordOption
	applyOK      metric.RecordOption
	applyError   metric.RecordOption
}

// Reasons lists every reason a decision can have.
var reasons = []rbac.Reason{
	rbac.ReasonGranted, rbac.ReasonNoGrant, rbac.ReasonOutOfScope, rbac.ReasonNotOwner, rbac.ReasonUnknownUser,
	rbac.ReasonDisabled, rbac.ReasonRoleNotHeld, rbac.ReasonSeparationOfDuty, rbac.ReasonMissingPrerequisite,
	rbac.ReasonInvalidRequest,
}

// New creates the instruments on mp's meter for this package.
func New(mp metric.MeterProvider) (*Metrics, error) {
	m := &Metrics{meter: mp.Meter(ScopeName)}
	var err error
	if m.revision, err = m.meter.Int64ObservableGauge("rbac.revision",
		metric.WithDescription("The store revision of the authorizer's current snapshot.")); err != nil {
		return nil, err
	}
	if m.lag, err = m.meter.Float64ObservableGauge("rbac.lag", metric.WithUnit("s"),
		metric.WithDescription("Time since the authorizer last confirmed it was up to date with its store: how stale its answers may be.")); err != nil {
		return nil, err
	}
	if m.compile, err = m.meter.Float64Histogram("rbac.compile.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to compile a new snapshot.")); err != nil {
		return nil, err
	}
	if m.apply, err = m.meter.Float64Histogram("rbac.apply.duration", metric.WithUnit("s"),
		metric.WithDescription("Latency of Authorizer.Apply: validation, the store write and the compile.")); err != nil {
		return nil, err
	}
	if m.checks, err = m.meter.Int64Counter("rbac.checks",
		metric.WithDescription("Decisions of Authorizer.Check and Explain, by reason.")); err != nil {
		return nil, err
	}
	m.byReason = make(map[rbac.Reason]metric.AddOption, len(reasons))
	for _, r := range reasons {
		m.byReason[r] = metric.WithAttributeSet(attribute.NewSet(
			attribute.String("rbac.reason", string(r)), attribute.Bool("rbac.allowed", r == rbac.ReasonGranted)))
	}
	m.undecided = metric.WithAttributeSet(attribute.NewSet(attribute.String("rbac.reason", "other"), attribute.Bool("rbac.allowed", false)))
	m.fullCompile = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("rbac.compile.full", true)))
	m.deltaCompile = metric.WithAttributeSet(attribute.NewSet(attribute.Bool("rbac.compile.full", false)))
	m.applyOK = metric.WithAttributeSet(attribute.NewSet(attribute.String("rbac.apply.outcome", "ok")))
	m.applyError = metric.WithAttributeSet(attribute.NewSet(attribute.String("rbac.apply.outcome", "error")))
	return m, nil
}

// Options returns the rbac.New options that feed the compile, apply and
// check instruments.
func (m *Metrics) Options() []rbac.Option {
	return []rbac.Option{rbac.WithObserver(observer{m}), rbac.WithDecisionLog(m.RecordDecision)}
}

// RecordDecision counts one decision; it is an rbac.DecisionLog.
func (m *Metrics) RecordDecision(ctx context.Context, _ rbac.Request, d rbac.Decision) {
	opt, ok := m.byReason[d.Reason]
	if !ok {
		opt = m.undecided
	}
	m.checks.Add(ctx, 1, opt)
}

// Observe registers a's revision and lag with the gauges, read at each
// collection. Unregister the registration when a is closed.
func (m *Metrics) Observe(a *rbac.Authorizer) (metric.Registration, error) {
	return m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := a.Status()
		o.ObserveInt64(m.revision, int64(st.Revision))
		o.ObserveFloat64(m.lag, st.Lag.Seconds())
		return nil
	}, m.revision, m.lag)
}

// observer adapts Metrics to rbac.Observer.
type observer struct{ m *Metrics }

func (o observer) Compiled(_ rbac.Revision, full bool, took time.Duration) {
	opt := o.m.deltaCompile
	if full {
		opt = o.m.fullCompile
	}
	o.m.compile.Record(context.Background(), took.Seconds(), opt)
}

func (o observer) Applied(_ rbac.Revision, took time.Duration, err error) {
	opt := o.m.applyOK
	if err != nil {
		opt = o.m.applyError
	}
	o.m.apply.Record(context.Background(), took.Seconds(), opt)
}
