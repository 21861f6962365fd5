package integration

import (
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/storetest"
)

// sqlstore implements the optional pruning the suite tests.
var _ storetest.Pruner = (*sqlstore.Store)(nil)

func TestContract(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		storetest.Run(t, func(t *testing.T) rbac.Store { return newStore(t, db) })
	})
}

func TestModel(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		storetest.RunModel(t, func(t *testing.T) rbac.Store { return newStore(t, db) })
	})
}
