package rbac

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Import makes the store hold exactly policy p (its tests excepted) in the
// sections p manages (Policy.Manages; all of them when it is empty): one
// change set that puts what is new or different and deletes what p does
// not have, written only if p is valid, the store's other sections still
// fit it, and the store did not move meanwhile (it retries a few times if
// it did). It returns the store's revision afterwards; when nothing
// differs (nor is to be adopted, below), nothing is written, so a
// repeated import is a no-op.
//
// Import never silently undoes an edit: if an entity that it would put or
// delete was changed since the last import by anyone but an import (an
// administrator in the console, a program through Authorizer.Apply), it
// writes nothing and returns an error that wraps ErrConflict and an
// *ImportConflict listing each such entity with who changed it, when, at
// which revision and why. Put those changes into the policy file (rbac
// export -since-import writes them as YAML), or import with Overwrite to
// undo them.
//
// The change log is the memory: an import's change set is by System with
// the reason "import", followed by " managing SECTIONS" when p manages
// only some sections, and by "; overwrote N edits: ..." naming what
// Overwrite undid (the change set's Before images keep the undone
// values) and by "; adopted N edits: ..." (below); its ID is
// "import-DIGEST-RANDOM" (Policy.Digest, then 16 random hexadecimal
// digits). The last import of a section is the newest such change set
// that manages it; LastImport finds the newest of all. An entity changed
// in the log after the last import of its section is an edit. So:
//   - the first import into a store that others wrote to (no import in its
//     log) refuses to change any entity they wrote: everything was edited
//     since the last import, as there was none. Into a new store (at
//     revision 0) it never refuses.
//   - an edit that the policy already holds (its file took the change,
//     say from rbac export -since-import) is adopted: the import puts that
//     entity again, unchanged, and says so in its reason ("; adopted 1
//     edit: ..."), so that it becomes the last import of the entity and a
//     later change in the file is not taken for undoing the edit.
//   - an import with nothing to change and nothing to adopt writes
//     nothing and leaves the last import where it was.
//   - if the log was pruned (sqlstore's Store.Prune) past the last import
//     of a section, what changed before the prune cannot be known: each
//     entity of that section that the import would change and that the
//     remaining log does not show is listed as an edit at revision 0.
//
// Stores that are not a HistoryReader are read whole with Changes; a
// pruned log then fails with ErrTruncated.
func Import(ctx context.Context, s Store, p *Policy, opts ...ImportOption) (Revision, error) {
	var cfg importConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	// A large policy's validation (tenths of a second at 100,000 users)
	// runs while the store is read and compared with p, which only read p
	// too; nothing is written, and no other error is returned, before it
	// has passed.
	validation := make(chan error, 1)
	go func() { validation <- p.Validate() }()
	validated := false
	valid := func() error {
		if !validated {
			if err := <-validation; err != nil {
				return err
			}
			validated = true
		}
		return nil
	}
	wanted := p.Entities()
	if len(p.Manages) > 0 {
		wanted = slices.DeleteFunc(wanted, func(e Entity) bool { return !p.ManagesKind(e.EntityKind()) })
	}
	// The policy's digest (for the change set's ID) is needed only for a
	// write, and is computed beside validation once one is known to come:
	// at 100,000 users it costs a tenth of an import.
	var digested chan string
	digest := ""
	startDigest := func() {
		if digested == nil {
			digested = make(chan string, 1)
			go func() { digested <- digestEntities(wanted) }()
		}
	}
	for attempt := 0; ; attempt++ {
		cur, rev, err := s.Load(ctx)
		if err != nil {
			if verr := valid(); verr != nil {
				return 0, verr
			}
			return 0, err
		}
		stored := cur.Entities()
		if len(p.Manages) > 0 {
			stored = slices.DeleteFunc(stored, func(e Entity) bool { return !p.ManagesKind(e.EntityKind()) })
		}
		changes := importChanges(stored, wanted)
		if len(changes) > 0 && !cfg.dryRun {
			startDigest()
		}
		if err := valid(); err != nil {
			return 0, err
		}
		if len(changes) > 0 && len(p.Manages) > 0 {
			if err := withManaged(cur, p).Validate(); err != nil {
				return 0, &Error{Op: "import", Msg: "the policy does not fit the sections it does not manage, which the store keeps", Err: err}
			}
		}
		since, err := editsSinceImport(ctx, s, rev, p)
		if err != nil {
			return 0, err
		}
		edits, adopted := since.sort(changes, wanted)
		if len(changes) == 0 && len(adopted) == 0 {
			return rev, nil
		}
		reason := importReason(p)
		if len(edits) > 0 {
			if !cfg.overwrite {
				return 0, &Error{Op: "import", Err: &ImportConflict{Edits: edits}}
			}
			reason += editsText("overwrote", edits)
		}
		if cfg.dryRun {
			return rev, nil
		}
		if len(adopted) > 0 {
			reason += editsText("adopted", adopted)
			for _, e := range adopted {
				changes = append(changes, Change{Kind: e.Kind, Key: e.Key, After: since.wanted[entityRef{e.Kind, e.Key}]})
			}
		}
		startDigest()
		if digest == "" {
			digest = <-digested
		}
		id := importIDPrefix + digest + "-" + NewChangeSetID()[:16]
		next, err := s.Apply(ctx, ChangeSet{ID: id, Expect: rev, Actor: System, Reason: reason, Changes: changes})
		switch {
		case err == nil && next == rev+1:
			return next, nil
		case err == nil && attempt < 5:
			// Expect 0 cannot say "the store is empty": someone wrote
			// before this first write. Diff again until the store holds p.
			continue
		case err == nil:
			return next, &Error{Op: "import", Msg: "other writers kept changing the store", Err: ErrConflict}
		case !errors.Is(err, ErrConflict) || attempt >= 5:
			return next, err
		}
	}
}

// ImportOption changes what Import may do.
type ImportOption func(*importConfig)

type importConfig struct {
	overwrite, dryRun bool
}

// DryRun makes Import do everything but write: it returns the store's
// revision if the import would write (or nothing differs), and the error
// it would return otherwise (an invalid policy, an *ImportConflict).
func DryRun() ImportOption {
	return func(c *importConfig) { c.dryRun = true }
}

// Overwrite lets Import undo the edits made since the last import (see
// Import) instead of refusing. The import's change set names them in its
// reason ("; overwrote 2 edits: role "clerk" (revision 7 by alice), ...",
// the first 20 of them) and keeps their values as its Before images.
func Overwrite() ImportOption {
	return func(c *importConfig) { c.overwrite = true }
}

// Edit is a change that an import would undo: the newest change to one
// entity since the last import of its section.
type Edit struct {
	Kind     EntityKind
	Key      string    // the entity's key, as in Change
	Revision Revision  // 0 when the change is older than a pruned log
	Actor    UserID    // who made it
	Time     time.Time // when
	Reason   string    // why, as the change log says; for revision 0, what is known
}

func (e Edit) String() string {
	if e.Revision == 0 {
		return fmt.Sprintf("%s %q (%s)", e.Kind, e.Key, e.Reason)
	}
	who := string(e.Actor)
	if who == "" {
		who = "an unnamed actor"
	}
	return fmt.Sprintf("%s %q (revision %d by %s at %s: %q)", e.Kind, e.Key, e.Revision, who, e.Time.UTC().Format(time.RFC3339), e.Reason)
}

// ImportConflict is the error Import returns, inside an *Error, when it
// would undo edits: errors.As finds it, and errors.Is finds ErrConflict.
type ImportConflict struct {
	Edits []Edit // in the order of the import's changes: by kind, then the file's order, deletions last
}

func (c *ImportConflict) Error() string {
	var b strings.Builder
	noun := "entity was"
	if len(c.Edits) != 1 {
		noun = "entities were"
	}
	fmt.Fprintf(&b, "%d %s changed since the last import, and importing would undo that; put the changes into the policy (rbac export -since-import writes them) or overwrite them: ", len(c.Edits), noun)
	for i, e := range c.Edits {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.String())
	}
	return b.String()
}

func (c *ImportConflict) Unwrap() error { return ErrConflict }

// ImportRecord is an import as the change log remembers it.
type ImportRecord struct {
	Revision Revision
	Time     time.Time
	// Digest is the Policy.Digest of what was imported; "" for an import
	// logged before imports recorded it.
	Digest  string
	Manages []Section // the sections it managed; empty: all of them
}

// LastImport returns the newest import in s's change log (see Import). If
// the log holds none the error wraps ErrNotFound, or ErrTruncated when the
// log was pruned (the last import may have been pruned with it).
func LastImport(ctx context.Context, s Store) (ImportRecord, error) {
	var found ImportRecord
	horizon, err := scanImports(ctx, s, 0, func(rec ImportRecord) bool {
		found = rec
		return false
	})
	switch {
	case err != nil:
		return ImportRecord{}, err
	case found.Revision != 0:
		return found, nil
	case horizon > 0:
		return ImportRecord{}, &Error{Op: "last import", Msg: fmt.Sprintf("the change log holds no import; it was pruned up to revision %d", horizon), Err: ErrTruncated}
	}
	return ImportRecord{}, &Error{Op: "last import", Msg: "the change log holds no import", Err: ErrNotFound}
}

// An import's change set starts its reason with importReasonPrefix and its
// ID with importIDPrefix.
const (
	importReasonPrefix = "import"
	importIDPrefix     = "import-"
)

// importReason is the reason of an import's change set: which sections it
// manages, when not all.
func importReason(p *Policy) string {
	if len(p.Manages) == 0 {
		return importReasonPrefix
	}
	names := make([]string, len(p.Manages))
	for i, s := range p.Manages {
		names[i] = string(s)
	}
	return importReasonPrefix + " managing " + strings.Join(names, ", ")
}

// parseImport reads an import's record from a change set, ok false when
// the set is not an import. A set by System whose reason is "import" and
// whose ID does not hold a digest is an import from before imports
// recorded one, of every section.
func parseImport(cs ChangeSet) (rec ImportRecord, ok bool) {
	if cs.Actor != System {
		return ImportRecord{}, false
	}
	rest, ok := strings.CutPrefix(cs.Reason, importReasonPrefix)
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != ';' {
		return ImportRecord{}, false
	}
	rec = ImportRecord{Revision: cs.Revision, Time: cs.Time}
	if id, ok := strings.CutPrefix(cs.ID, importIDPrefix); ok {
		rec.Digest, _, _ = strings.Cut(id, "-")
	}
	rest, _, _ = strings.Cut(rest, ";")
	if managing, ok := strings.CutPrefix(rest, " managing "); ok {
		for _, name := range strings.Split(managing, ", ") {
			rec.Manages = append(rec.Manages, Section(name))
		}
	}
	return rec, true
}

// scanImports calls visit with each import in the log at or before
// revision at (0: all), newest first, until visit returns false. It
// returns the log's horizon (see HistoryPage).
func scanImports(ctx context.Context, s Store, at Revision, visit func(ImportRecord) bool) (Revision, error) {
	const pageSize = 64
	q := HistoryQuery{Actor: System, Limit: pageSize}
	if at > 0 {
		q.Before = at + 1
	}
	if _, ok := s.(HistoryReader); !ok {
		q.Limit = 0 // one read of the whole log, rather than one per page
	}
	for {
		page, err := readHistory(ctx, s, q, 0)
		if err != nil {
			return 0, err
		}
		for _, hs := range page.Sets {
			if rec, ok := parseImport(hs.ChangeSet); ok && !visit(rec) {
				return page.Horizon, nil
			}
		}
		if q.Limit == 0 || len(page.Sets) < q.Limit {
			return page.Horizon, nil
		}
		q.Before = page.Sets[len(page.Sets)-1].Revision
	}
}

// importEdits are the changes made since the last import of each
// section p manages, newest per entity, as of revision at.
type importEdits struct {
	newest  map[entityRef]Edit
	order   []entityRef // of newest, oldest change first
	base    map[EntityKind]Revision
	horizon Revision
	wanted  map[entityRef]Entity // set by sort
}

// editsSinceImport reads the change log up to revision at for the edits
// made since the last import of each section p manages.
func editsSinceImport(ctx context.Context, s Store, at Revision, p *Policy) (*importEdits, error) {
	ie := &importEdits{newest: map[entityRef]Edit{}, base: map[EntityKind]Revision{}}
	if at == 0 {
		return ie, nil // an empty log: nothing to undo
	}
	var kinds []EntityKind
	for _, k := range entityKinds {
		if p.ManagesKind(k) {
			kinds = append(kinds, k)
			ie.base[k] = 0
		}
	}
	unknown := len(kinds)
	horizon, err := scanImports(ctx, s, at, func(rec ImportRecord) bool {
		for _, k := range kinds {
			if ie.base[k] == 0 && (len(rec.Manages) == 0 || slices.Contains(rec.Manages, SectionOf(k))) {
				ie.base[k] = rec.Revision
				unknown--
			}
		}
		return unknown > 0
	})
	if err != nil {
		return nil, &Error{Op: "import", Msg: "reading the change log for the last import", Err: err}
	}
	ie.horizon = horizon
	// One query per kind from its last import when the store filters the
	// log; otherwise one read of the log from the oldest of them.
	queries := make([]HistoryQuery, 0, len(kinds))
	if _, ok := s.(HistoryReader); ok {
		for _, k := range kinds {
			if ie.base[k] < at {
				queries = append(queries, HistoryQuery{Kind: k, After: ie.base[k], Before: at + 1})
			}
		}
	} else {
		oldest := at
		for _, k := range kinds {
			oldest = min(oldest, ie.base[k])
		}
		if oldest < at {
			queries = append(queries, HistoryQuery{After: oldest, Before: at + 1})
		}
	}
	for _, q := range queries {
		page, err := readHistory(ctx, s, q, -1)
		if err != nil {
			return nil, &Error{Op: "import", Msg: "reading the change log since the last import", Err: err}
		}
		ie.horizon = max(ie.horizon, page.Horizon)
		for i := len(page.Sets) - 1; i >= 0; i-- { // oldest first: the newest edit stays
			hs := page.Sets[i]
			for _, c := range hs.Changes {
				base, managed := ie.base[c.Kind]
				if !managed || hs.Revision <= base {
					continue
				}
				ref := entityRef{c.Kind, c.Key}
				if _, seen := ie.newest[ref]; !seen {
					ie.order = append(ie.order, ref)
				}
				ie.newest[ref] = Edit{Kind: c.Kind, Key: c.Key, Revision: hs.Revision, Actor: hs.Actor, Time: hs.Time, Reason: hs.Reason}
			}
		}
	}
	return ie, nil
}

// sort splits the edits into those the changes would undo, in the order
// of the changes, and those the policy already holds (adopted): entities
// edited since the last import that the import leaves as they are, which
// the import puts again so that the log says the policy holds them now.
// An entity edited away and absent from the policy too cannot be put, and
// is not adopted. An entity that the changes touch, of a kind whose last
// import was pruned, and that the remaining log does not show, is an edit
// at revision 0: it may have been edited before the prune.
func (ie *importEdits) sort(changes []Change, wanted []Entity) (edits, adopted []Edit) {
	changed := make(map[entityRef]bool, len(changes))
	for _, c := range changes {
		ref := entityRef{c.Kind, c.Key}
		changed[ref] = true
		if e, ok := ie.newest[ref]; ok {
			edits = append(edits, e)
		} else if ie.base[c.Kind] == 0 && ie.horizon > 0 {
			edits = append(edits, Edit{Kind: c.Kind, Key: c.Key,
				Reason: fmt.Sprintf("unknown: the change log was pruned up to revision %d and holds no import of %s since", ie.horizon, SectionOf(c.Kind))})
		}
	}
	if len(ie.newest) == 0 {
		return edits, nil
	}
	ie.wanted = make(map[entityRef]Entity, len(ie.newest))
	for _, e := range wanted {
		ref := entityRef{e.EntityKind(), e.EntityKey()}
		if _, edited := ie.newest[ref]; edited && !changed[ref] {
			ie.wanted[ref] = e
		}
	}
	for _, ref := range ie.order {
		if ie.wanted[ref] != nil {
			adopted = append(adopted, ie.newest[ref])
		}
	}
	return edits, adopted
}

// editsText is what an import adds to its reason about edits that it
// overwrote or adopted: the first 20 of them.
func editsText(verb string, edits []Edit) string {
	const shown = 20
	var b strings.Builder
	fmt.Fprintf(&b, "; %s %d %s: ", verb, len(edits), plural(len(edits), "edit", "edits"))
	for i, e := range edits {
		if i == shown {
			fmt.Fprintf(&b, ", and %d more", len(edits)-shown)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %q", e.Kind, e.Key)
		if e.Revision > 0 {
			fmt.Fprintf(&b, " (revision %d by %s)", e.Revision, e.Actor)
		}
	}
	return b.String()
}

// AppliedTo returns the policy a store that holds stored holds after
// Import of p: p's entities in the sections p manages, stored's in the
// others. It is a copy, without p's tests, Manages and Principals: what
// "rbac import -dry-run" compares with the store.
func (p *Policy) AppliedTo(stored *Policy) *Policy {
	return withManaged(stored, p).Clone()
}

// withManaged returns the policy the store holds after importing p: p's
// managed sections, the stored policy's others. It shares their lists.
func withManaged(stored, p *Policy) *Policy {
	pick := func(k EntityKind) *Policy {
		if p.ManagesKind(k) {
			return p
		}
		return stored
	}
	return &Policy{
		AccountTypes:   pick(EntityAccountType).AccountTypes,
		Permissions:    pick(EntityPermission).Permissions,
		Roles:          pick(EntityRole).Roles,
		Groups:         pick(EntityGroup).Groups,
		Workgroups:     pick(EntityWorkgroup).Workgroups,
		Users:          pick(EntityUser).Users,
		Constraints:    pick(EntityConstraint).Constraints,
		Approvals:      pick(EntityApproval).Approvals,
		Campaigns:      pick(EntityCampaign).Campaigns,
		Kinds:          pick(EntityResourceKind).Kinds,
		OwnershipRules: pick(EntityOwnershipRule).OwnershipRules,
		Ownerships:     pick(EntityOwnership).Ownerships,
		Elevations:     pick(EntityElevation).Elevations,
		where:          p.where,
		refs:           p.refs,
	}
}

// importChanges returns the changes that turn the stored entities into the
// wanted ones: puts of the new and the changed, then deletions of the rest.
// wanted are copies that the changes may keep (put would copy them again).
func importChanges(stored, wanted []Entity) []Change {
	changes := make([]Change, 0, len(wanted))
	if len(stored) == 0 {
		// A first import: every entity is new, and indexing them by key
		// to compare with nothing was a third of the diff.
		for _, e := range wanted {
			changes = append(changes, Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e})
		}
		return changes
	}
	have := make(map[entityRef]Entity, len(stored))
	for _, e := range stored {
		have[entityRef{e.EntityKind(), e.EntityKey()}] = e
	}
	want := make(map[entityRef]bool, len(wanted))
	for _, e := range wanted {
		ref := entityRef{e.EntityKind(), e.EntityKey()}
		want[ref] = true
		if old, ok := have[ref]; !ok || !sameEntity(old, e) {
			changes = append(changes, Change{Kind: ref.kind, Key: ref.key, After: e})
		}
	}
	for _, e := range stored {
		if !want[entityRef{e.EntityKind(), e.EntityKey()}] {
			changes = append(changes, Change{Kind: e.EntityKind(), Key: e.EntityKey()})
		}
	}
	return changes
}

// sameEntity compares two entities, taking nil and empty lists as equal.
func sameEntity(a, b Entity) bool {
	return reflect.DeepEqual(emptyAsNil(a), emptyAsNil(b))
}

func emptyAsNil(e Entity) any {
	v := reflect.New(reflect.TypeOf(e)).Elem()
	v.Set(reflect.ValueOf(e))
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return v.Interface()
}
