package bench

import (
	"context"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

func newStore(tb testing.TB, s *shape) rbac.Store { return newStoreFromPolicy(tb, s.policy()) }

func newStoreFromPolicy(tb testing.TB, p *rbac.Policy) rbac.Store {
	tb.Helper()
	store := memstore.New()
	if _, err := rbac.Import(context.Background(), store, p); err != nil {
		tb.Fatal(err)
	}
	return store
}
