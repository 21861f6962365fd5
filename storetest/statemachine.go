package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
)

// RunModel runs a rapid state machine on stores from newStore (a fresh one
// per run, closed at the end of it): random change sets over a small key
// space, so that puts replace and deletes hit, with correct, stale, future
// or no Expect and now and then a malformed change, with a caller's ID, a
// malformed one or none (the store generates it); replays of logged change
// sets by ID, same or different content; Changes from random revisions;
// Prune when the store is a Pruner; pages of history when it is an
// rbac.HistoryReader (compared with naiveHistory). After every step the store
// must equal a deliberately naive model: a map of entities, a revision and
// a slice of expected change sets. The number of runs is rapid's
// -rapid.checks (RAPID_CHECKS), the steps per run -rapid.steps.
func RunModel(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	rapid.Check(t, func(rt *rapid.T) {
		s := newStore(t)
		defer s.Close()
		m := &machine{store: s, state: model{}}
		actions := map[string]func(*rapid.T){
			"apply":   m.apply,
			"replay":  m.replay,
			"changes": m.changes,
			"":        m.check,
		}
		if _, ok := s.(Pruner); ok {
			actions["prune"] = m.prune
		}
		if _, ok := s.(rbac.HistoryReader); ok {
			actions["history"] = m.history
		}
		rt.Repeat(actions)
	})
}

// machine holds the store under test and the model it must agree with.
type machine struct {
	store   rbac.Store
	state   model
	rev     rbac.Revision
	log     []rbac.ChangeSet // log[i] is revision i+1, as the store must report it
	horizon rbac.Revision    // pruned through this revision
	nextID  int              // for caller-supplied IDs
	handed  []handedUser     // users a StreamLoader handed over, which must never change
}

// Small key spaces so that changes collide. Keys that differ only in case
// are distinct entities.
var (
	modelIDs   = []string{"a", "A", "b", "x.y", "p/q"}
	modelKinds = []string{"doc", "Doc"}
	modelTexts = []string{"", "plain", oddText}
	modelTimes = []time.Time{{}, time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
)

func drawKey(t *rapid.T, kind rbac.EntityKind) string {
	switch kind {
	case rbac.EntityOwnershipRule, rbac.EntityResourceKind:
		return rapid.SampledFrom(modelKinds).Draw(t, "rule kind")
	case rbac.EntityOwnership:
		return rapid.SampledFrom(modelKinds).Draw(t, "record kind") + "/" + rapid.SampledFrom(modelIDs).Draw(t, "record id")
	}
	return rapid.SampledFrom(modelIDs).Draw(t, "key")
}

// drawList draws up to 3 distinct ids: lists inside entities never repeat
// an item.
func drawList[T ~string](t *rapid.T, label string) []T {
	ids := rapid.SliceOfNDistinct(rapid.SampledFrom(modelIDs), 0, 3, rapid.ID[string]).Draw(t, label)
	if len(ids) == 0 && rapid.Bool().Draw(t, label+" nil") {
		return nil
	}
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = T(id)
	}
	return out
}

func drawText(t *rapid.T, label string) string {
	return rapid.SampledFrom(modelTexts).Draw(t, label)
}

// drawEntity draws an entity of the kind with the key, every field random.
func drawEntity(t *rapid.T, kind rbac.EntityKind, key string) rbac.Entity {
	switch kind {
	case rbac.EntityAccountType:
		return rbac.AccountTypeDef{ID: rbac.AccountType(key), Title: drawText(t, "title"), DefaultRoles: drawList[rbac.RoleID](t, "default roles")}
	case rbac.EntityPermission:
		return rbac.PermissionDef{
			Name: rbac.Permission(key), Title: drawText(t, "title"), Section: drawText(t, "section"),
			Description: drawText(t, "description"), Deprecated: drawText(t, "deprecated"), Sensitive: drawText(t, "sensitive"),
			Requires: drawList[rbac.Permission](t, "requires"),
		}
	case rbac.EntityRole:
		perms := drawList[rbac.Permission](t, "granted")
		var grants []rbac.Grant
		for _, p := range perms {
			grants = append(grants, rbac.Grant{Permission: p, Scope: rapid.SampledFrom([]rbac.Scope{rbac.ScopeMine, rbac.ScopeWorkgroup, rbac.ScopeGlobal, rbac.ScopeAll}).Draw(t, "scope")})
		}
		return rbac.Role{
			ID: rbac.RoleID(key), Title: drawText(t, "title"), Description: drawText(t, "description"),
			AccountTypes: drawList[rbac.AccountType](t, "account types"), Contains: drawList[rbac.RoleID](t, "contains"), Grants: grants,
		}
	case rbac.EntityGroup:
		return rbac.Group{
			ID: rbac.GroupID(key), Name: groupName(key), Description: drawText(t, "description"),
			AccountType: rbac.AccountType(rapid.SampledFrom(append([]string{""}, modelIDs...)).Draw(t, "account type")),
			Roles:       drawList[rbac.RoleID](t, "roles"), Managers: drawList[rbac.UserID](t, "managers"),
		}
	case rbac.EntityWorkgroup:
		return rbac.Workgroup{ID: rbac.WorkgroupID(key), Name: drawText(t, "name"), Parent: rbac.WorkgroupID(rapid.SampledFrom(append([]string{""}, modelIDs...)).Draw(t, "parent"))}
	case rbac.EntityUser:
		return rbac.User{
			ID: rbac.UserID(key), Name: drawText(t, "name"), Email: drawText(t, "email"),
			AccountType: rbac.AccountType(rapid.SampledFrom(append([]string{""}, modelIDs...)).Draw(t, "account type")),
			Org:         rbac.OrgSlug(rapid.SampledFrom(append([]string{""}, modelIDs...)).Draw(t, "org")),
			Roles:       drawList[rbac.RoleID](t, "roles"), Groups: drawList[rbac.GroupID](t, "groups"),
			Workgroups: drawList[rbac.WorkgroupID](t, "workgroups"), Disabled: rapid.Bool().Draw(t, "disabled"),
			Temporary: drawTemporary(t),
		}
	case rbac.EntityConstraint:
		return rbac.Constraint{Name: key, Roles: drawList[rbac.RoleID](t, "roles"), Max: rapid.IntRange(0, 3).Draw(t, "max"), Dynamic: rapid.Bool().Draw(t, "dynamic")}
	case rbac.EntityCampaign:
		return rbac.Campaign{ID: key, Due: modelTimes[1].Add(time.Duration(rapid.IntRange(0, 1e9).Draw(t, "due ns"))),
			Roles: drawList[rbac.RoleID](t, "roles"), Groups: drawList[rbac.GroupID](t, "groups")}
	case rbac.EntityApproval:
		return rbac.Approval{Name: key, Sensitive: rapid.Bool().Draw(t, "sensitive"), Relaxations: rapid.Bool().Draw(t, "relaxations"),
			Roles: drawList[rbac.RoleID](t, "roles"), Groups: drawList[rbac.GroupID](t, "groups"), MadeBy: drawList[rbac.RoleID](t, "made by")}
	case rbac.EntityResourceKind:
		return rbac.Kind{Name: key, Title: drawText(t, "title")}
	case rbac.EntityOwnershipRule:
		rule := rbac.OwnershipRule{Kind: key, Bypass: rbac.Permission(rapid.SampledFrom(modelIDs).Draw(t, "bypass"))}
		if rapid.Bool().Draw(t, "with create") {
			rule.Create = rbac.Permission(rapid.SampledFrom(modelIDs).Draw(t, "create"))
		}
		return rule
	case rbac.EntityOwnership:
		k, id, _ := strings.Cut(key, "/")
		return rbac.Ownership{Kind: k, ID: id, Owners: drawList[rbac.OrgSlug](t, "owners")}
	case rbac.EntityElevation:
		return rbac.Elevation{ID: key, Title: drawText(t, "title"), Roles: drawList[rbac.RoleID](t, "roles"),
			MaxDuration: time.Duration(rapid.Int64Range(0, 1<<50).Draw(t, "max duration")), Invoke: rbac.Permission(rapid.SampledFrom(modelIDs).Draw(t, "invoke"))}
	}
	panic("storetest: unknown entity kind " + string(kind))
}

// malformedChanges are refused by Change.Validate.
var malformedChanges = []rbac.Change{
	rbac.DeleteRole("x'; DROP TABLE roles;--"),
	{Kind: "table", Key: "a"},
	{Kind: rbac.EntityRole, Key: "a", After: rbac.Role{ID: "b"}},
	{Kind: rbac.EntityUser, Key: "a", After: rbac.Role{ID: "a"}},
	{Kind: rbac.EntityOwnership, Key: "doc"},
	put(rbac.User{ID: "é"}),
}

// drawChange draws a put or a delete; deletes mostly hit existing
// entities, including ones put earlier in the same set.
func (m *machine) drawChange(t *rapid.T, pending model) rbac.Change {
	if rapid.IntRange(0, 9).Draw(t, "op") < 6 {
		kind := rapid.SampledFrom(rbac.EntityKinds()).Draw(t, "kind")
		return put(drawEntity(t, kind, drawKey(t, kind)))
	}
	if len(pending) > 0 && rapid.IntRange(0, 9).Draw(t, "hit") < 8 {
		keys := make([]modelKey, 0, len(pending))
		for k := range pending {
			keys = append(keys, k)
		}
		sortModelKeys(keys)
		k := rapid.SampledFrom(keys).Draw(t, "existing")
		return rbac.Change{Kind: k.kind, Key: k.key}
	}
	kind := rapid.SampledFrom(rbac.EntityKinds()).Draw(t, "kind")
	return rbac.Change{Kind: kind, Key: drawKey(t, kind)}
}

func (m *machine) apply(t *rapid.T) {
	// Build the set and, naively, what the store must do with it.
	pending := m.state.clone()
	var cs rbac.ChangeSet
	var want []rbac.Change
	allowed := map[error]bool{}
	n := rapid.IntRange(1, 4).Draw(t, "changes")
	for range n {
		if rapid.IntRange(0, 19).Draw(t, "malformed") == 10 { // mid-range: rapid favours the ends
			cs.Changes = append(cs.Changes, rapid.SampledFrom(malformedChanges).Draw(t, "malformed change"))
			allowed[rbac.ErrInvalid] = true
			continue
		}
		c := m.drawChange(t, pending)
		if c.IsDelete() && pending.get(c.Kind, c.Key) == nil {
			allowed[rbac.ErrNotFound] = true
		}
		w := c.Clone()
		w.Before = pending.get(c.Kind, c.Key)
		if rapid.Bool().Draw(t, "cascade") {
			c.Cascade, w.Cascade = true, true
		}
		pending.apply(c)
		cs.Changes = append(cs.Changes, c)
		want = append(want, w)
	}
	switch e := rapid.IntRange(0, 9).Draw(t, "expect"); {
	case e < 4: // no expectation
	case e < 7:
		cs.Expect = m.rev
	case e < 8:
		cs.Expect = m.rev + rbac.Revision(rapid.IntRange(1, 2).Draw(t, "ahead"))
	default:
		if m.rev > 0 {
			cs.Expect = rbac.Revision(rapid.IntRange(1, int(m.rev)).Draw(t, "stale"))
		}
	}
	if cs.Expect != 0 && cs.Expect != m.rev {
		allowed[rbac.ErrConflict] = true
	}
	cs.Actor = rbac.UserID(rapid.SampledFrom([]string{"", "admin", "a@b.c"}).Draw(t, "actor"))
	cs.Reason = drawText(t, "reason")
	cs.Time = rapid.SampledFrom(modelTimes).Draw(t, "time")
	switch rapid.IntRange(0, 9).Draw(t, "id") {
	case 0, 1, 2, 3: // none: the store generates one
	case 4:
		cs.ID = rapid.SampledFrom([]string{"has space", strings.Repeat("x", rbac.MaxIDLen+1), "nul\x00"}).Draw(t, "malformed id")
		allowed[rbac.ErrInvalid] = true
	default:
		m.nextID++
		cs.ID = fmt.Sprintf("model-%d", m.nextID)
	}

	rev, err := m.store.Apply(context.Background(), cs)
	wantOneSentinel(t, "Apply", err)
	if len(allowed) > 0 {
		if err == nil {
			t.Fatalf("Apply(%v, Expect %d at revision %d) succeeded; want an error wrapping one of %v", cs.Changes, cs.Expect, m.rev, sentinels(allowed))
		}
		ok := false
		for sentinel := range allowed {
			ok = ok || errors.Is(err, sentinel)
		}
		if !ok {
			t.Fatalf("Apply(%v, Expect %d at revision %d): %v; want an error wrapping one of %v", cs.Changes, cs.Expect, m.rev, err, sentinels(allowed))
		}
		return // the check that follows every step finds anything written
	}
	if err != nil {
		t.Fatalf("Apply(%v, Expect %d at revision %d): %v", cs.Changes, cs.Expect, m.rev, err)
	}
	if rev != m.rev+1 {
		t.Fatalf("Apply: revision %d, want %d", rev, m.rev+1)
	}
	m.rev = rev
	m.state = pending
	m.log = append(m.log, rbac.ChangeSet{ID: cs.ID, Revision: rev, Time: cs.Time, Actor: cs.Actor, Reason: cs.Reason, Changes: want})
}

// replay applies a logged change set again under its ID: the store writes
// nothing and returns the logged revision, whatever Expect says (even after
// Prune dropped the change set); with other content under the same ID it
// refuses with ErrConflict.
func (m *machine) replay(t *rapid.T) {
	var known []int
	for i, cs := range m.log {
		if cs.ID != "" {
			known = append(known, i)
		}
	}
	if len(known) == 0 {
		t.Skip("no change set with a known ID yet")
	}
	orig := m.log[rapid.SampledFrom(known).Draw(t, "replayed")]
	cs := orig.Clone()
	for i := range cs.Changes {
		cs.Changes[i].Before = nil
	}
	cs.Time = time.Time{}
	cs.Expect = rbac.Revision(rapid.IntRange(0, int(m.rev)+1).Draw(t, "expect"))
	different := rapid.Bool().Draw(t, "different content")
	if different {
		cs.Reason += " (edited)"
	}
	rev, err := m.store.Apply(context.Background(), cs)
	wantOneSentinel(t, "Apply again", err)
	if different {
		if !errors.Is(err, rbac.ErrConflict) {
			t.Fatalf("Apply of other content under the ID %q of revision %d: %d, %v; want an error wrapping %q", cs.ID, orig.Revision, rev, err, rbac.ErrConflict)
		}
		return
	}
	if err != nil || rev != orig.Revision {
		t.Fatalf("Apply again of revision %d under its ID %q (Expect %d, store at %d): %d, %v; want %d and no error", orig.Revision, cs.ID, cs.Expect, m.rev, rev, err, orig.Revision)
	}
}

func sentinels(set map[error]bool) []string {
	var out []string
	for _, e := range []error{rbac.ErrInvalid, rbac.ErrConflict, rbac.ErrNotFound} {
		if set[e] {
			out = append(out, fmt.Sprintf("%q", e))
		}
	}
	return out
}

func (m *machine) changes(t *rapid.T) {
	after := rbac.Revision(rapid.IntRange(0, int(m.rev)+2).Draw(t, "after"))
	m.checkChanges(t, after)
}

func (m *machine) checkChanges(t *rapid.T, after rbac.Revision) {
	got, err := m.store.Changes(context.Background(), after)
	if after < m.horizon {
		if !errors.Is(err, rbac.ErrTruncated) {
			t.Fatalf("Changes(%d) with the log pruned through %d: %d sets, %v; want an error wrapping %q", after, m.horizon, len(got), err, rbac.ErrTruncated)
		}
		return
	}
	if err != nil {
		t.Fatalf("Changes(%d): %v", after, err)
	}
	want := m.log[min(after, m.rev):]
	if len(got) == len(want) {
		// A change set applied without an ID has one the store generated:
		// well formed, and from now on the model's.
		for i := range want {
			if want[i].ID == "" {
				if err := (rbac.ChangeSet{ID: got[i].ID, Changes: want[i].Changes}).Validate(); err != nil || got[i].ID == "" {
					t.Fatalf("Changes(%d): revision %d has ID %q, want a generated one (%v)", after, got[i].Revision, got[i].ID, err)
				}
				want[i].ID = got[i].ID
			}
		}
	}
	if d := diffLog(want, got); d != "" {
		t.Fatalf("Changes(%d): mismatch (-want +got):\n%s", after, d)
	}
	for i, cs := range got {
		if want[i].Time.IsZero() && cs.Time.IsZero() {
			t.Fatalf("Changes(%d): revision %d has no Time", after, cs.Revision)
		}
		if !want[i].Time.IsZero() && !cs.Time.Equal(want[i].Time) {
			t.Fatalf("Changes(%d): revision %d has Time %v, want %v", after, cs.Revision, cs.Time, want[i].Time)
		}
	}
}

func (m *machine) prune(t *rapid.T) {
	through := rbac.Revision(rapid.IntRange(0, int(m.rev)).Draw(t, "prune through"))
	if err := m.store.(Pruner).Prune(context.Background(), through); err != nil {
		t.Fatalf("Prune(%d): %v", through, err)
	}
	m.horizon = max(m.horizon, through)
}

// check runs after every step: the store holds the model's state at the
// model's revision, and its latest change sets are the model's.
func (m *machine) check(t *rapid.T) {
	p, rev, err := m.store.Load(context.Background())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if rev != m.rev {
		t.Fatalf("Load: revision %d, want %d", rev, m.rev)
	}
	if d := diffPolicy(m.state.policy(), p); d != "" {
		t.Fatalf("Load: policy differs from the model (-model +store):\n%s", d)
	}
	if sl, ok := m.store.(rbac.StreamLoader); ok {
		checkHandedUsers(t, m.handed)
		m.handed = append(m.handed, checkLoadEach(t, sl, m.state.policy(), m.rev)...)
	}
	m.checkChanges(t, max(m.horizon, m.rev-min(m.rev, 2)))
}

// drawTemporary draws a user's timed assignments (often none): stores keep
// them as given, times as instants.
func drawTemporary(t *rapid.T) []rbac.TimedAssignment {
	var out []rbac.TimedAssignment
	for n := rapid.IntRange(-2, 2).Draw(t, "timed"); n > 0; n-- {
		var ta rbac.TimedAssignment
		if rapid.Bool().Draw(t, "timed role?") {
			ta.Role = rbac.RoleID(rapid.SampledFrom(modelIDs).Draw(t, "timed role"))
		} else {
			ta.Group = rbac.GroupID(rapid.SampledFrom(modelIDs).Draw(t, "timed group"))
		}
		if rapid.Bool().Draw(t, "from?") {
			ta.From = time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "from"), rapid.Int64Range(0, 999999999).Draw(t, "from ns")).UTC()
		}
		ta.Until = time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "until"), 0).In(time.FixedZone("X", 7200))
		out = append(out, ta)
	}
	return out
}
