package integration

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// Four replicas starting at once on a fresh database migrate it exactly
// once, and all of them can then write.
func TestMigrateConcurrently(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		_, dsn, _ := db.open(t)
		const replicas = 4
		stores := make([]*sqlstore.Store, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range replicas {
			h := db.connect(t, dsn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = sqlstore.New(context.Background(), h, db.dialect)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: New: %v", i, err)
			}
			defer stores[i].Close()
		}
		h := db.connect(t, dsn)
		var rows, versions, maxVersion, revisionRows int
		if err := h.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM rbac_schema_migrations").Scan(&rows, &versions, &maxVersion); err != nil {
			t.Fatal(err)
		}
		if rows != versions || versions != maxVersion || rows == 0 {
			t.Errorf("rbac_schema_migrations has %d rows, %d versions, up to %d; want each version once", rows, versions, maxVersion)
		}
		if err := h.QueryRow("SELECT COUNT(*) FROM rbac_revision").Scan(&revisionRows); err != nil || revisionRows != 1 {
			t.Errorf("rbac_revision has %d rows (%v), want 1", revisionRows, err)
		}
		for i, s := range stores {
			rev, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: rbac.UserID("u" + string(rune('0'+i)))})}})
			if err != nil || rev != rbac.Revision(i+1) {
				t.Errorf("replica %d: Apply: %d, %v; want %d", i, rev, err, i+1)
			}
		}
	})
}

// Migrate refuses a schema it does not know, and re-runs cleanly when a
// migration was interrupted before it was recorded.
func TestMigrateRefusesAndRecovers(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		for _, tc := range []struct {
			name    string
			tamper  string // SQL run on a migrated database
			wantErr error
			wantMsg string
			why     string
		}{
			{"Newer", "INSERT INTO rbac_schema_migrations (version, name, checksum, applied_ns) VALUES (999, '0999_future.sql', 'abc', 0)", sqlstore.ErrSchema, "newer", "a newer program migrated this database; an old one must not write to it"},
			{"Edited", "UPDATE rbac_schema_migrations SET checksum = 'edited' WHERE version = 1", sqlstore.ErrSchema, "edited", "the schema may not be what the file now says"},
			{"Interrupted", "DELETE FROM rbac_schema_migrations", nil, "", "MariaDB commits DDL as it goes: an interrupted migration must re-run"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h, _, _ := db.open(t)
				if err := sqlstore.Migrate(ctx, h, db.dialect); err != nil {
					t.Fatalf("Migrate: %v", err)
				}
				if _, err := h.Exec(tc.tamper); err != nil {
					t.Fatal(err)
				}
				err := sqlstore.Migrate(ctx, h, db.dialect)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("Migrate again (%s): %v", tc.why, err)
					}
					s, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate())
					if err != nil {
						t.Fatalf("New after re-running: %v", err)
					}
					s.Close()
					return
				}
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("Migrate (%s): %v; want an error wrapping %q saying %q", tc.why, err, tc.wantErr, tc.wantMsg)
				}
				if _, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate()); !errors.Is(err, tc.wantErr) {
					t.Errorf("New WithoutMigrate (%s): %v; want an error wrapping %q", tc.why, err, tc.wantErr)
				}
			})
		}
		t.Run("NotMigrated", func(t *testing.T) {
			h, _, _ := db.open(t)
			_, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate())
			if !errors.Is(err, sqlstore.ErrSchema) {
				t.Errorf("New WithoutMigrate on an empty database: %v; want an error wrapping %q", err, sqlstore.ErrSchema)
			}
		})
	})
}
