package integration

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// A bulk write tunes its connection for the write (SQLite's page cache,
// PostgreSQL's plan cache mode) and leaves the connection as it found it.
func TestBulkWriteLeavesConnectionSettings(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		setting, tuned := map[sqlstore.Dialect]string{sqlstore.SQLite: "PRAGMA cache_size", sqlstore.Postgres: "SHOW plan_cache_mode"}[db.dialect]
		if !tuned {
			t.Skipf("a bulk write tunes nothing on %v", db.dialect)
		}
		ctx := context.Background()
		h, _, _ := db.open(t)
		h.SetMaxOpenConns(1) // the write's connection is the one read after it
		s, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		before := queryStrings(t, h, setting)
		p := &rbac.Policy{}
		for i := range 6000 { // a bulk write: 5,000 rows or more
			p.Users = append(p.Users, rbac.User{ID: rbac.UserID(fmt.Sprintf("u%05d", i))})
		}
		if _, err := rbac.Import(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		if after := queryStrings(t, h, setting); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: %q before the import, %q after", setting, before, after)
		}
	})
}
