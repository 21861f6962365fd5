package otelrbac_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/otelrbac"
)

const policy = `
permissions:
  - {name: doc.read}
  - {name: doc.write}
roles:
  - {id: viewer, grants: [doc.read]}
users:
  - {id: alice, roles: [viewer]}
`

func TestMetricsFromAnInMemoryReader(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	m, err := otelrbac.New(provider)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rbac.LoadPolicy(strings.NewReader(policy))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, append(m.Options(), rbac.WithoutFollow())...)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	reg, err := m.Observe(a)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	// Three checks: granted twice, no_grant once, invalid_request once;
	// a Snapshot.Check that is not counted.
	for _, req := range []rbac.Request{
		{User: "alice", Permission: "doc.read"},
		{User: "alice", Permission: "doc.read"},
		{User: "alice", Permission: "doc.write"},
		{User: "alice", Permission: "doc.raed"},
	} {
		if _, err := a.Check(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	a.Snapshot().Check(rbac.Request{User: "alice", Permission: "doc.read"})
	// One write that succeeds (an incremental compile) and one refused.
	rev, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: "bob", Roles: []rbac.RoleID{"viewer"}})}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteUser("nobody")}}); err == nil {
		t.Fatal("deleting nobody succeeded")
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelrbac.ScopeName {
			continue
		}
		for _, mt := range sm.Metrics {
			got[mt.Name] = mt.Data
		}
	}

	checks := map[string]int64{}
	for _, dp := range got["rbac.checks"].(metricdata.Sum[int64]).DataPoints {
		reason, _ := dp.Attributes.Value("rbac.reason")
		allowed, _ := dp.Attributes.Value("rbac.allowed")
		checks[reason.AsString()+"/"+allowed.String()] = dp.Value
	}
	if diff := cmp.Diff(map[string]int64{"granted/true": 2, "no_grant/false": 1, "invalid_request/false": 1}, checks); diff != "" {
		t.Errorf("rbac.checks (-want +got):\n%s", diff)
	}

	revision := got["rbac.revision"].(metricdata.Gauge[int64]).DataPoints
	if len(revision) != 1 || revision[0].Value != int64(rev) {
		t.Errorf("rbac.revision = %+v, want %d", revision, rev)
	}
	lag := got["rbac.lag"].(metricdata.Gauge[float64]).DataPoints
	if len(lag) != 1 || lag[0].Value < 0 || lag[0].Value > 60 {
		t.Errorf("rbac.lag = %+v", lag)
	}

	compiles := map[bool]uint64{}
	for _, dp := range got["rbac.compile.duration"].(metricdata.Histogram[float64]).DataPoints {
		full, _ := dp.Attributes.Value("rbac.compile.full")
		compiles[full.AsBool()] = dp.Count
	}
	// The initial load is a full compile; adding a user is incremental.
	if diff := cmp.Diff(map[bool]uint64{true: 1, false: 1}, compiles); diff != "" {
		t.Errorf("rbac.compile.duration counts (-want +got):\n%s", diff)
	}

	applies := map[string]uint64{}
	for _, dp := range got["rbac.apply.duration"].(metricdata.Histogram[float64]).DataPoints {
		outcome, _ := dp.Attributes.Value(attribute.Key("rbac.apply.outcome"))
		applies[outcome.AsString()] = dp.Count
		if dp.Sum <= 0 {
			t.Errorf("apply %s took %v s", outcome.AsString(), dp.Sum)
		}
	}
	if diff := cmp.Diff(map[string]uint64{"ok": 1, "error": 1}, applies); diff != "" {
		t.Errorf("rbac.apply.duration counts (-want +got):\n%s", diff)
	}
}
