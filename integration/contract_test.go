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

// modelChecks is the number of rapid runs per database, unless
// -rapid.checks or RAPID_CHECKS says otherwise: each run needs a fresh
// database (~0.3s on PostgreSQL and MariaDB), and the model itself is
// checked 100 times against memstore; here it checks the SQL mapping.
const modelChecks = "25"

func TestModel(t *testing.T) {
	fewerChecks(t, modelChecks)
	forEachDatabase(t, func(t *testing.T, db database) {
		storetest.RunModel(t, func(t *testing.T) rbac.Store { return newStore(t, db) })
	})
}
