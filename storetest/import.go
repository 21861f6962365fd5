package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// testImport checks that rbac.Import finds the last import in the store's
// change log: it refuses to undo what others changed since, overwrites and
// records it when told to, leaves the sections a policy does not manage
// alone, and writes nothing when the store already holds the policy.
func testImport(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	model := func() *rbac.Policy {
		return &rbac.Policy{
			Roles: []rbac.Role{
				{ID: "clerk", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeMine}}},
				{ID: "auditor", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeAll}}},
			},
		}
	}
	edit := func(t *testing.T, s rbac.Store, actor rbac.UserID, reason string, at time.Time, c rbac.Change) rbac.Revision {
		t.Helper()
		rev, err := s.Apply(ctx, rbac.ChangeSet{Actor: actor, Reason: reason, Time: at, Changes: []rbac.Change{c}})
		if err != nil {
			t.Fatalf("the console's edit: %v", err)
		}
		return rev
	}
	mustImport := func(t *testing.T, s rbac.Store, p *rbac.Policy, opts ...rbac.ImportOption) rbac.Revision {
		t.Helper()
		rev, err := rbac.Import(ctx, s, p, opts...)
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		return rev
	}
	conflictOf := func(t *testing.T, err error) []rbac.Edit {
		t.Helper()
		wantErr(t, "Import over edits", err, rbac.ErrConflict)
		var c *rbac.ImportConflict
		if !errors.As(err, &c) {
			t.Fatalf("Import over edits: %v, want an *rbac.ImportConflict", err)
		}
		return c.Edits
	}
	edited := rbac.Role{ID: "clerk", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeAll}}}

	subtest(t, "RefusesEdits", newStore, func(t *testing.T, s rbac.Store) {
		first := mustImport(t, s, model())
		changed := edit(t, s, "alice", "clerks read every case", t0, put(edited))
		deleted := edit(t, s, "bob", "nobody audits", t0.Add(time.Minute), del(rbac.Role{ID: "auditor"}))
		created := edit(t, s, "carol", "", t0.Add(2*time.Minute), put(rbac.Role{ID: "temp"}))
		before, rev, _ := s.Load(ctx)

		_, err := rbac.Import(ctx, s, model())
		want := []rbac.Edit{
			{Kind: rbac.EntityRole, Key: "clerk", Revision: changed, Actor: "alice", Time: t0, Reason: "clerks read every case"},
			{Kind: rbac.EntityRole, Key: "auditor", Revision: deleted, Actor: "bob", Time: t0.Add(time.Minute), Reason: "nobody audits"},
			{Kind: rbac.EntityRole, Key: "temp", Revision: created, Actor: "carol", Time: t0.Add(2 * time.Minute)},
		}
		if diff := cmp.Diff(want, conflictOf(t, err), cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
			t.Errorf("the edits Import refuses to undo after revision %d (-want +got):\n%s", first, diff)
		}
		for _, name := range []string{`role "clerk"`, "alice", "clerks read every case", "revision 2"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("the refusal %q does not say %q", err, name)
			}
		}
		// A dry run says the same, and with Overwrite that it would write.
		_, dryErr := rbac.Import(ctx, s, model(), rbac.DryRun())
		if diff := cmp.Diff(want, conflictOf(t, dryErr), cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
			t.Errorf("the edits a dry run reports (-want +got):\n%s", diff)
		}
		if dry, err := rbac.Import(ctx, s, model(), rbac.DryRun(), rbac.Overwrite()); err != nil || dry != rev {
			t.Errorf("a dry run with Overwrite: %d, %v; want %d, nil", dry, err, rev)
		}
		after, afterRev, _ := s.Load(ctx)
		if afterRev != rev {
			t.Errorf("the refused import wrote: revision %d, want %d", afterRev, rev)
		}
		if diff := entitiesDiff(before, after); diff != "" {
			t.Errorf("the refused import changed the store (-before +after):\n%s", diff)
		}
	})

	subtest(t, "Overwrite", newStore, func(t *testing.T, s rbac.Store) {
		p := model()
		mustImport(t, s, p)
		changed := edit(t, s, "alice", "clerks read every case", t0, put(edited))
		rev := mustImport(t, s, p, rbac.Overwrite())
		if rev != changed+1 {
			t.Errorf("Import with Overwrite: revision %d, want %d", rev, changed+1)
		}
		got, _, _ := s.Load(ctx)
		if diff := entitiesDiff(p, got); diff != "" {
			t.Errorf("after Import with Overwrite the store does not hold the policy (-file +store):\n%s", diff)
		}
		log := mustChanges(t, s, changed)
		if len(log) != 1 {
			t.Fatalf("the log after the edit holds %d change sets, want the import's", len(log))
		}
		wantReason := "import" + `; overwrote 1 edit: role "clerk" (revision 2 by alice)`
		if log[0].Actor != rbac.System || log[0].Reason != wantReason || !strings.HasPrefix(log[0].ID, "import-"+p.Digest()+"-") {
			t.Errorf("the overwriting import's change set: %s by %q for %q, want import-%s-... by %q for %q", log[0].ID, log[0].Actor, log[0].Reason, p.Digest(), rbac.System, wantReason)
		}
		if diff := cmp.Diff([]rbac.Entity{edited}, beforeImages(log[0]), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the overwritten values kept as Before images (-want +got):\n%s", diff)
		}
		last, err := rbac.LastImport(ctx, s)
		if err != nil || last.Revision != rev || last.Digest != p.Digest() {
			t.Errorf("LastImport: %+v, %v; want revision %d, digest %s", last, err, rev, p.Digest())
		}
		// The overwrite is the last import: imported again, nothing is
		// written, and later edits are counted from it.
		if again := mustImport(t, s, p); again != rev {
			t.Errorf("a repeated import: revision %d, want %d (nothing written)", again, rev)
		}
		if n := len(mustChanges(t, s, rev)); n != 0 {
			t.Errorf("a repeated import wrote %d change sets", n)
		}
	})

	subtest(t, "AdoptsEdits", newStore, func(t *testing.T, s rbac.Store) {
		mustImport(t, s, model())
		changed := edit(t, s, "alice", "clerks read every case", t0, put(edited))
		// The file takes the console's change: the import puts the
		// clerk again, unchanged, so that it is the clerk's last import.
		v2 := model()
		v2.Roles[0] = edited
		rev := mustImport(t, s, v2)
		if rev != changed+1 {
			t.Fatalf("the import that adopts the edit: revision %d, want %d", rev, changed+1)
		}
		log := mustChanges(t, s, changed)
		wantReason := `import; adopted 1 edit: role "clerk" (revision 2 by alice)`
		if len(log) != 1 || log[0].Reason != wantReason {
			t.Fatalf("the adopting import's change sets: %+v, want one for %q", log, wantReason)
		}
		if diff := cmp.Diff([]rbac.Change{{Kind: rbac.EntityRole, Key: "clerk", Before: edited, After: edited}}, log[0].Changes, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the adopting import's changes (-want +got):\n%s", diff)
		}
		// A later change to the clerk in the file undoes no edit.
		v3 := model()
		v3.Roles[0] = edited
		v3.Roles[0].Title = "Clerk"
		next := mustImport(t, s, v3)
		if again := mustImport(t, s, v3); again != next {
			t.Errorf("a repeated import: revision %d, want %d", again, next)
		}
	})

	subtest(t, "ManagedSections", newStore, func(t *testing.T, s rbac.Store) {
		p := model()
		p.Manages = []rbac.Section{rbac.SectionPermissions, rbac.SectionRoles}
		mustImport(t, s, p)
		// The console keeps the users and the groups.
		edit(t, s, "alice", "new starter", t0, put(rbac.User{ID: "dan", Roles: []rbac.RoleID{"clerk"}}))
		edit(t, s, "alice", "team", t0, put(rbac.Group{ID: "team", Name: "Team", Roles: []rbac.RoleID{"auditor"}}))
		edit(t, s, "alice", "joins", t0, put(rbac.User{ID: "dan", Roles: []rbac.RoleID{"clerk"}, Groups: []rbac.GroupID{"team"}}))
		console, _, _ := s.Load(ctx)

		// A new version of the file changes a role: the console's users
		// and memberships are not touched, and nothing is refused.
		v2 := model()
		v2.Manages = p.Manages
		v2.Roles[1].Title = "Auditor"
		v2.Roles = append(v2.Roles, rbac.Role{ID: "supervisor", Contains: []rbac.RoleID{"clerk"}})
		rev := mustImport(t, s, v2)
		got, _, _ := s.Load(ctx)
		if diff := cmp.Diff(console.Users, got.Users, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the import changed the unmanaged users (-console +after):\n%s", diff)
		}
		if diff := cmp.Diff(console.Groups, got.Groups, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the import changed the unmanaged groups (-console +after):\n%s", diff)
		}
		if diff := cmp.Diff(v2.Roles, got.Roles, cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b rbac.Role) bool { return a.ID < b.ID })); diff != "" {
			t.Errorf("the managed roles after the import (-file +store):\n%s", diff)
		}
		if last, err := rbac.LastImport(ctx, s); err != nil || last.Revision != rev ||
			!cmp.Equal(last.Manages, p.Manages) {
			t.Errorf("LastImport: %+v, %v; want revision %d managing %v", last, err, rev, p.Manages)
		}

		// A file that deletes a role a stored user holds does not fit the
		// store's users: refused, nothing written.
		v3 := model()
		v3.Manages = p.Manages
		v3.Roles = v3.Roles[1:]
		if _, err := rbac.Import(ctx, s, v3); err == nil || errors.Is(err, rbac.ErrConflict) {
			t.Errorf("Import of a file without the clerk role dan holds: %v, want a validation error", err)
		}
		if _, now, _ := s.Load(ctx); now != rev {
			t.Errorf("the refused import wrote: revision %d, want %d", now, rev)
		}
	})

	subtest(t, "FirstImport", newStore, func(t *testing.T, s rbac.Store) {
		// The store was written by others before any import: what the
		// import would change of theirs is an edit.
		made := edit(t, s, "alice", "by hand", t0, put(rbac.Role{ID: "clerk"}))
		edit(t, s, "alice", "by hand", t0, put(rbac.Role{ID: "auditor", Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeAll}}}))
		_, err := rbac.Import(ctx, s, model())
		want := []rbac.Edit{{Kind: rbac.EntityRole, Key: "clerk", Revision: made, Actor: "alice", Time: t0, Reason: "by hand"}}
		if diff := cmp.Diff(want, conflictOf(t, err), cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
			t.Errorf("the first import over a store written by hand (-want +got):\n%s", diff)
		}
		if _, err := rbac.LastImport(ctx, s); !errors.Is(err, rbac.ErrNotFound) {
			t.Errorf("LastImport of a store never imported: %v, want ErrNotFound", err)
		}
	})

	subtest(t, "PrunedLog", newStore, func(t *testing.T, s rbac.Store) {
		pruner, ok := s.(Pruner)
		if !ok {
			t.Skipf("%T does not implement storetest.Pruner", s)
		}
		imported := mustImport(t, s, model())
		edit(t, s, "alice", "unrelated", t0, put(rbac.User{ID: "dan"}))
		if err := pruner.Prune(ctx, imported); err != nil {
			t.Fatal(err)
		}
		changed := edit(t, s, "alice", "clerks read every case", t0, put(edited))
		// The import is pruned: the clerk's edit is in the log, what
		// happened to the auditor before the horizon is not known.
		v2 := model()
		v2.Roles[1].Title = "Auditor"
		v2.Users = []rbac.User{{ID: "dan"}}
		_, err := rbac.Import(ctx, s, v2)
		edits := conflictOf(t, err)
		want := []rbac.Edit{
			{Kind: rbac.EntityRole, Key: "clerk", Revision: changed, Actor: "alice", Time: t0, Reason: "clerks read every case"},
			{Kind: rbac.EntityRole, Key: "auditor"},
		}
		if diff := cmp.Diff(want, edits, cmpopts.EquateApproxTime(time.Millisecond), cmpopts.IgnoreFields(rbac.Edit{}, "Reason")); diff != "" {
			t.Errorf("the edits after the last import was pruned (-want +got):\n%s", diff)
		}
		if len(edits) == 2 && !strings.Contains(edits[1].Reason, "pruned") {
			t.Errorf("the edit of unknown origin says %q, not that the log was pruned", edits[1].Reason)
		}
		if _, err := rbac.LastImport(ctx, s); !errors.Is(err, rbac.ErrTruncated) {
			t.Errorf("LastImport after its import was pruned: %v, want ErrTruncated", err)
		}
		mustImport(t, s, v2, rbac.Overwrite())
	})
}

// beforeImages returns the Before images of a change set's changes.
func beforeImages(cs rbac.ChangeSet) []rbac.Entity {
	var out []rbac.Entity
	for _, c := range cs.Changes {
		if c.Before != nil {
			out = append(out, c.Before)
		}
	}
	return out
}

// entitiesDiff compares two policies' entities in any order.
func entitiesDiff(want, got *rbac.Policy) string {
	return cmp.Diff(want.Entities(), got.Entities(), cmpopts.EquateEmpty(),
		cmpopts.SortSlices(func(a, b rbac.Entity) bool {
			return a.EntityKind() < b.EntityKind() || a.EntityKind() == b.EntityKind() && a.EntityKey() < b.EntityKey()
		}))
}
