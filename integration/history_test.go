package integration

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// A change set logged before schema 6 has no rows in rbac_change_kinds: a
// page filtered by kind counts its changes from rbac_change_items and says
// the same.
func TestHistoryCountsSetsWithoutKindCounts(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		s, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, cs := range [][]rbac.Change{
			{rbac.PutUser(rbac.User{ID: "a"}), rbac.PutUser(rbac.User{ID: "b"}), rbac.PutRole(rbac.Role{ID: "r"})},
			{rbac.PutRole(rbac.Role{ID: "r", Title: "R"}), rbac.DeleteUser("a")},
		} {
			if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: cs}); err != nil {
				t.Fatal(err)
			}
		}
		read := func() []rbac.HistoryPage {
			var out []rbac.HistoryPage
			for _, kind := range []rbac.EntityKind{rbac.EntityUser, rbac.EntityRole, rbac.EntityGroup} {
				page, err := s.ReadHistory(ctx, rbac.HistoryQuery{Kind: kind}, 1)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, page)
			}
			return out
		}
		withCounts := read()
		if got := withCounts[0].Sets; len(got) != 2 || got[0].Matched != 1 || got[1].Matched != 2 {
			t.Fatalf("users by revision, newest first: %+v; want 1 then 2", got)
		}
		if _, err := h.ExecContext(ctx, "DELETE FROM rbac_change_kinds"); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(withCounts, read(), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("pages without rbac_change_kinds rows differ (-with +without):\n%s", d)
		}
	})
}
