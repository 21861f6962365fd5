package integration

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/sqlstore/pgxcopy"
	"github.com/rolegraph/rbac/storetest"
)

// countingCopy wraps pgxcopy.CopyFrom and counts the rows it copied.
func countingCopy(copied *atomic.Int64) sqlstore.CopyFunc {
	return func(ctx context.Context, conn any, table string, cols []string, rows iter.Seq[[]any]) error {
		var n int64
		err := pgxcopy.CopyFrom(ctx, conn, table, cols, func(yield func([]any) bool) {
			for row := range rows {
				n++
				if !yield(row) {
					return
				}
			}
		})
		if err == nil {
			copied.Add(n)
		}
		return err
	}
}

// TestContractCopy runs the contract suite with WithCopy(pgxcopy.CopyFrom):
// on PostgreSQL large sets are written with COPY, elsewhere the copier
// declines the connection and INSERTs write them.
func TestContractCopy(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		var copied atomic.Int64
		storetest.Run(t, func(t *testing.T) rbac.Store { return newStore(t, db, sqlstore.WithCopy(countingCopy(&copied))) })
		switch n := copied.Load(); {
		case db.dialect == sqlstore.Postgres && n == 0:
			t.Errorf("no row was copied: the suite's large sets did not go through COPY")
		case db.dialect != sqlstore.Postgres && n != 0:
			t.Errorf("%d rows copied through pgx on %s", n, db.name)
		}
	})
}

// TestCopyFailure: a COPY that fails halfway fails the write, which leaves
// nothing behind, and the store's next write (on a connection that saw the
// failed COPY, back in the pool) succeeds.
func TestCopyFailure(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		if db.dialect != sqlstore.Postgres {
			t.Skip("COPY is PostgreSQL's")
		}
		ctx := context.Background()
		failing := func(ctx context.Context, conn any, table string, cols []string, rows iter.Seq[[]any]) error {
			return pgxcopy.CopyFrom(ctx, conn, table, cols, func(yield func([]any) bool) {
				i := 0
				for row := range rows {
					if i++; i == 3000 {
						row = append([]any{struct{}{}}, row[1:]...) // pgx cannot encode it
					}
					if !yield(row) {
						return
					}
				}
			})
		}
		h, _, _ := db.open(t)
		broken, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithCopy(failing))
		if err != nil {
			t.Fatal(err)
		}
		defer broken.Close()
		p := scalePolicy(6000, 20, 3)
		_, err = rbac.Import(ctx, broken, p)
		if err == nil {
			t.Fatal("Import through a failing COPY succeeded")
		}
		t.Logf("Import through a failing COPY: %v", err)
		wantUnchanged(t, broken, &rbac.Policy{}, 0) // and writes revision 1
		var copied atomic.Int64
		s, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithCopy(countingCopy(&copied)))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// wantUnchanged wrote user "after" outside any import: Import would
		// refuse to undo it (ErrConflict), so this one overwrites it.
		rev, err := rbac.Import(ctx, s, p, rbac.Overwrite())
		if err != nil || rev != 2 {
			t.Fatalf("Import: revision %d, %v; want 2", rev, err)
		}
		if copied.Load() < 6000 {
			t.Errorf("%d rows copied, want the 6,000 users and their log", copied.Load())
		}
		wantPolicy(t, s, p)
	})
}

// TestCopyDeclined: a copier that declines every connection leaves the
// writes to INSERTs.
func TestCopyDeclined(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		var asked atomic.Int64
		decline := func(context.Context, any, string, []string, iter.Seq[[]any]) error {
			asked.Add(1)
			return fmt.Errorf("not this one: %w", errors.ErrUnsupported)
		}
		s := newStore(t, db, sqlstore.WithCopy(decline))
		p := scalePolicy(6000, 20, 3)
		if _, err := rbac.Import(ctx, s, p); err != nil {
			t.Fatal(err)
		}
		if asked.Load() == 0 {
			t.Errorf("the copier was never asked")
		}
		wantPolicy(t, s, p)
	})
}

// wantPolicy checks that s holds p.
func wantPolicy(t *testing.T, s rbac.Store, p *rbac.Policy) {
	t.Helper()
	got, _, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := cmp.Diff(sortedPolicy(p), sortedPolicy(got), cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(rbac.Policy{})); d != "" {
		t.Errorf("Load: not the imported policy (-want +got):\n%s", d)
	}
}
