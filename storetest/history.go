package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
)

// testHistory checks a store that is an rbac.HistoryReader against
// naiveHistory over its own full log: a large set (an import) shown in
// part, filters on every field, and a pruned log.
func testHistory(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	subtest(t, "Pages", newStore, func(t *testing.T, s rbac.Store) {
		hr, ok := s.(rbac.HistoryReader)
		if !ok {
			t.Skipf("%T is not an rbac.HistoryReader", s)
		}
		ctx := context.Background()
		t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		var imported []rbac.Change
		for i := range 300 {
			imported = append(imported, put(rbac.User{ID: rbac.UserID(fmt.Sprintf("u%03d", i))}))
		}
		imported = append(imported, put(rbac.Role{ID: "r"}))
		for i, cs := range []rbac.ChangeSet{
			{Actor: "importer", Time: t0, Changes: imported},
			{Actor: "ann", Time: t0.Add(time.Hour), Reason: "title", Changes: []rbac.Change{put(rbac.Role{ID: "r", Title: "two"}), put(rbac.User{ID: "u007", Roles: []rbac.RoleID{"r"}})}},
			{ID: "by-bob", Actor: "bob", Time: t0.Add(2 * time.Hour), Changes: []rbac.Change{{Kind: rbac.EntityUser, Key: "u001"}}},
			{Actor: "ann", Time: t0.Add(3 * time.Hour), Changes: []rbac.Change{put(rbac.Role{ID: "r2"})}},
		} {
			if rev, err := s.Apply(ctx, cs); err != nil || rev != rbac.Revision(i+1) {
				t.Fatalf("Apply(set %d): %d, %v", i+1, rev, err)
			}
		}
		queries := []rbac.HistoryQuery{
			{}, {Limit: 2}, {Limit: 9},
			{Actor: "ann"}, {Actor: "ann", Limit: 1}, {Actor: "ann "}, {Actor: "nobody"},
			{Kind: rbac.EntityUser}, {Kind: rbac.EntityRole}, {Key: "r"}, {Kind: rbac.EntityRole, Key: "r"},
			{Kind: rbac.EntityUser, Key: "u007"}, {Key: "u007 "}, {Kind: rbac.EntityGroup},
			{From: t0.Add(time.Hour)}, {To: t0.Add(time.Hour)}, {From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)},
			{From: t0.Add(time.Nanosecond)}, {To: t0.Add(time.Nanosecond)},
			{After: 1}, {Before: 3}, {After: 1, Before: 4, Limit: 1}, {After: 10}, {Before: 1}, {Before: 10},
			{Actor: "ann", Kind: rbac.EntityRole, After: 2},
		}
		full := mustChanges(t, s, 0)
		check := func(horizon rbac.Revision, log []rbac.ChangeSet) {
			t.Helper()
			for _, q := range queries {
				for _, maxChanges := range []int{-1, 0, 1, 25} {
					page, err := hr.ReadHistory(ctx, q, maxChanges)
					if err != nil {
						t.Fatalf("ReadHistory(%+v, %d): %v", q, maxChanges, err)
					}
					if page.Horizon != horizon {
						t.Errorf("ReadHistory(%+v, %d): horizon %d, want %d", q, maxChanges, page.Horizon, horizon)
					}
					if d := diffHistory(naiveHistory(log, q, maxChanges), page.Sets); d != "" {
						t.Errorf("ReadHistory(%+v, %d): mismatch (-naive +store):\n%s", q, maxChanges, d)
					}
				}
			}
		}
		check(0, full)

		// What an audit page shows of the import: 25 changes, 301 in all.
		page, err := hr.ReadHistory(ctx, rbac.HistoryQuery{After: 0, Before: 2}, 25)
		if err != nil || len(page.Sets) != 1 || page.Sets[0].Matched != 301 || len(page.Sets[0].Changes) != 25 || page.Sets[0].Actor != "importer" {
			t.Errorf("ReadHistory of the import: %+v, %v; want 1 set by importer, 25 of its 301 changes", page, err)
		}

		pruner, ok := s.(Pruner)
		if !ok {
			return
		}
		if err := pruner.Prune(ctx, 2); err != nil {
			t.Fatalf("Prune(2): %v", err)
		}
		check(2, full[2:])
	})
}

// naiveHistory is what ReadHistory must return from a log (oldest first):
// each set filtered and cut on its own, newest first, the limit last.
func naiveHistory(log []rbac.ChangeSet, q rbac.HistoryQuery, maxChanges int) []rbac.HistorySet {
	var out []rbac.HistorySet
	for i := len(log) - 1; i >= 0; i-- {
		cs := log[i]
		switch {
		case cs.Revision <= q.After,
			q.Before != 0 && cs.Revision >= q.Before,
			q.Actor != "" && cs.Actor != q.Actor,
			!q.From.IsZero() && cs.Time.Before(q.From),
			!q.To.IsZero() && !cs.Time.Before(q.To):
			continue
		}
		var matched []rbac.Change
		for _, c := range cs.Changes {
			if (q.Kind == "" || c.Kind == q.Kind) && (q.Key == "" || c.Key == q.Key) {
				matched = append(matched, c)
			}
		}
		if len(matched) == 0 {
			continue
		}
		hs := rbac.HistorySet{ChangeSet: cs, Matched: len(matched)}
		if maxChanges >= 0 && len(matched) > maxChanges {
			matched = matched[:maxChanges]
		}
		hs.Changes = matched
		out = append(out, hs)
		if len(out) == q.Limit {
			break
		}
	}
	return out
}

// diffHistory compares history pages; Expect is not logged.
func diffHistory(want, got []rbac.HistorySet) string {
	return cmp.Diff(want, got, cmpOptions, cmpopts.IgnoreFields(rbac.ChangeSet{}, "Expect"))
}

// history reads a random page with ReadHistory and compares it with
// naiveHistory over the store's whole log (which check compares with the
// model). Times are drawn around those of the log.
func (m *machine) history(t *rapid.T) {
	ctx := context.Background()
	log, err := m.store.Changes(ctx, m.horizon)
	if err != nil {
		t.Fatalf("Changes(%d): %v", m.horizon, err)
	}
	times := []time.Time{{}, modelTimes[1], modelTimes[1].Add(time.Nanosecond)}
	for _, cs := range log {
		times = append(times, cs.Time, cs.Time.Add(time.Nanosecond))
	}
	q := rbac.HistoryQuery{
		Actor: rbac.UserID(rapid.SampledFrom([]string{"", "", "admin", "a@b.c", "nobody"}).Draw(t, "actor")),
		From:  rapid.SampledFrom(times).Draw(t, "from"),
		To:    rapid.SampledFrom(times).Draw(t, "to"),
		After: rbac.Revision(rapid.IntRange(0, int(m.rev)+1).Draw(t, "after")),
		Limit: rapid.IntRange(0, 3).Draw(t, "limit"),
	}
	if rapid.Bool().Draw(t, "before") {
		q.Before = rbac.Revision(rapid.IntRange(1, int(m.rev)+2).Draw(t, "before revision"))
	}
	if rapid.Bool().Draw(t, "by kind") {
		q.Kind = rapid.SampledFrom(rbac.EntityKinds()).Draw(t, "kind")
	}
	if rapid.Bool().Draw(t, "by key") {
		q.Key = drawKey(t, rapid.SampledFrom(rbac.EntityKinds()).Draw(t, "kind of key"))
	}
	maxChanges := rapid.IntRange(-1, 3).Draw(t, "max changes")
	page, err := m.store.(rbac.HistoryReader).ReadHistory(ctx, q, maxChanges)
	wantOneSentinel(t, "ReadHistory", err)
	if err != nil {
		t.Fatalf("ReadHistory(%+v, %d): %v", q, maxChanges, err)
	}
	if page.Horizon != m.horizon {
		t.Fatalf("ReadHistory: horizon %d, want %d", page.Horizon, m.horizon)
	}
	if d := diffHistory(naiveHistory(log, q, maxChanges), page.Sets); d != "" {
		t.Fatalf("ReadHistory(%+v, %d): mismatch (-naive +store):\n%s", q, maxChanges, d)
	}
}
