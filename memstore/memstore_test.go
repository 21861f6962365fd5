package memstore_test

import (
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/storetest"
)

func newStore(t *testing.T) rbac.Store {
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, newStore)
}

// memstore implements the optional pruning the suite tests.
var _ storetest.Pruner = (*memstore.Store)(nil)

func TestModel(t *testing.T) {
	storetest.RunModel(t, newStore)
}
