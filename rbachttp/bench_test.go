package rbachttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/rbachttp"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmark
// measures the guard rather than a recorder.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// BenchmarkGuard: an allowed request for one record through Require,
// beside the Snapshot.Check it makes. Identify and the ResourceFunc return
// values prepared once, as a service's cached session and loaded record
// would, so the difference is the guard's own cost:
//
//	go test -run '^$' -bench Guard -benchmem ./rbachttp
func BenchmarkGuard(b *testing.B) {
	a := newAuthorizer(b)
	resource := &rbac.Resource{Kind: "case", ID: "1", Owners: rbac.Orgs("council")}
	req := rbac.Request{User: "colin", Permission: "case.read", Resource: resource}
	b.Run("Snapshot.Check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !a.Snapshot().Check(req).Allowed {
				b.Fatal("denied")
			}
		}
	})
	b.Run("Guard.Require", func(b *testing.B) {
		g := &rbachttp.Guard{Authorizer: a,
			Identify: func(*http.Request) (rbachttp.Identity, error) { return rbachttp.Identity{User: "colin"}, nil }}
		ran := false
		h := g.Require("case.read", func(*http.Request) (*rbac.Resource, error) { return resource, nil },
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true }))
		r := httptest.NewRequest("GET", "/cases/1", nil)
		w := discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			ran = false
			h.ServeHTTP(w, r)
			if !ran {
				b.Fatal("denied")
			}
		}
	})
}
