package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

func dsnFlag(fs *flag.FlagSet) *string {
	return fs.String("dsn", "", "database `DSN` (sqlite:PATH, postgres://..., mysql://user:pass@host:port/db)")
}

func needDSN(e *env, fs *flag.FlagSet, dsn string) bool {
	if dsn == "" {
		fmt.Fprintf(e.stderr, "rbac %s: -dsn is required\n", fs.Name())
		return false
	}
	return true
}

func runExport(e *env, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	dsn := dsnFlag(fs)
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	since := fs.Bool("since-import", false, "write only what changed since the last import, in the sections it manages: the current value of each entity changed since (a policy fragment to merge into the file), and those deleted since as a comment")
	if _, err := parse(e, fs, args, 0, 0, "-dsn DSN [-since-import] [-o FILE]"); err != nil {
		return exitFor(err)
	}
	if !needDSN(e, fs, *dsn) {
		return ExitUsage
	}
	ctx := context.Background()
	s, done, err := openStore(ctx, *dsn, false)
	if err != nil {
		return e.fail("export", err)
	}
	defer done()
	var data []byte
	if *since {
		data, err = exportSinceImport(ctx, s)
	} else {
		data, err = exportAll(ctx, s)
	}
	if err != nil {
		return e.fail("export", err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return e.fail("export", err)
		}
		return ExitOK
	}
	e.stdout.Write(data)
	return ExitOK
}

// exportAll is the store's whole policy as a policy file.
func exportAll(ctx context.Context, s rbac.Store) ([]byte, error) {
	p, rev, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	data, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	return append([]byte(fmt.Sprintf("# exported by rbac export at revision %d\n", rev)), data...), nil
}

// exportSinceImport is what changed since the last import in the sections
// it manages, as a policy fragment: the entities as they are now, and
// those deleted as a comment (a file cannot say "delete").
func exportSinceImport(ctx context.Context, s rbac.Store) ([]byte, error) {
	last, err := rbac.LastImport(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("%w; rbac export without -since-import writes the whole store", err)
	}
	managed := func(k rbac.EntityKind) bool {
		return len(last.Manages) == 0 || slices.Contains(last.Manages, rbac.SectionOf(k))
	}
	sets, err := s.Changes(ctx, last.Revision)
	if err != nil {
		return nil, err
	}
	cur, rev, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	type ref struct {
		kind rbac.EntityKind
		key  string
	}
	now := map[ref]rbac.Entity{}
	for _, ent := range cur.Entities() {
		now[ref{ent.EntityKind(), ent.EntityKey()}] = ent
	}
	seen := map[ref]bool{}
	var changed []rbac.Entity
	var deleted []string
	for _, cs := range sets {
		if cs.Revision > rev {
			break
		}
		for _, c := range cs.Changes {
			r := ref{c.Kind, c.Key}
			if seen[r] || !managed(c.Kind) {
				continue
			}
			seen[r] = true
			if ent, ok := now[r]; ok {
				changed = append(changed, ent)
			} else {
				deleted = append(deleted, fmt.Sprintf("%s %q", c.Kind, c.Key))
			}
		}
	}
	header := fmt.Sprintf("# changes since the import at revision %d, exported by rbac export -since-import at revision %d\n", last.Revision, rev)
	if len(changed) == 0 && len(deleted) == 0 {
		return []byte(header + "# none\n"), nil
	}
	if len(deleted) > 0 {
		header += "# deleted since (remove them from the file): " + strings.Join(deleted, ", ") + "\n"
	}
	if len(changed) == 0 {
		return []byte(header), nil
	}
	fragment := &rbac.Policy{}
	for _, ent := range changed {
		switch v := ent.(type) {
		case rbac.AccountTypeDef:
			fragment.AccountTypes = append(fragment.AccountTypes, v)
		case rbac.PermissionDef:
			fragment.Permissions = append(fragment.Permissions, v)
		case rbac.Role:
			fragment.Roles = append(fragment.Roles, v)
		case rbac.Group:
			fragment.Groups = append(fragment.Groups, v)
		case rbac.Workgroup:
			fragment.Workgroups = append(fragment.Workgroups, v)
		case rbac.User:
			fragment.Users = append(fragment.Users, v)
		case rbac.Constraint:
			fragment.Constraints = append(fragment.Constraints, v)
		case rbac.Approval:
			fragment.Approvals = append(fragment.Approvals, v)
		case rbac.Campaign:
			fragment.Campaigns = append(fragment.Campaigns, v)
		case rbac.Kind:
			fragment.Kinds = append(fragment.Kinds, v)
		case rbac.OwnershipRule:
			fragment.OwnershipRules = append(fragment.OwnershipRules, v)
		case rbac.Ownership:
			fragment.Ownerships = append(fragment.Ownerships, v)
		default:
			return nil, fmt.Errorf("%s %q: an entity of an unknown type %T", ent.EntityKind(), ent.EntityKey(), ent)
		}
	}
	data, err := fragment.Marshal()
	if err != nil {
		return nil, err
	}
	return append([]byte(header), data...), nil
}

func runImport(e *env, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dsn := dsnFlag(fs)
	dry := fs.Bool("dry-run", false, "print who would gain and lose what, and write nothing; exit 1 if the import would be refused")
	format := fs.String("format", "text", "diff `format` for -dry-run: text, markdown or json")
	overwrite := fs.Bool("overwrite", false, "undo the changes made since the last import by anyone but an import (without it, import refuses and lists them)")
	files, err := parse(e, fs, args, 1, -1, "-dsn DSN [-overwrite] [-dry-run [-format text|markdown|json]] FILE...")
	if err != nil {
		return exitFor(err)
	}
	if !needDSN(e, fs, *dsn) || !oneOf(e, fs, "format", *format, "text", "markdown", "json") {
		return ExitUsage
	}
	// The same validation as every load: nothing is written from an
	// invalid file.
	p, err := rbac.LoadPolicyFiles(files...)
	if err != nil {
		for _, one := range splitErrors(err) {
			fmt.Fprintln(e.stderr, one)
		}
		return ExitFindings
	}
	ctx := context.Background()
	if *dry {
		// Read only: a database never migrated holds the empty policy,
		// which an import never refuses.
		cur, rev := &rbac.Policy{}, rbac.Revision(0)
		s, done, err := openStore(ctx, *dsn, false)
		switch {
		case errors.Is(err, sqlstore.ErrNotMigrated):
			s = nil
		case err != nil:
			return e.fail("import", err)
		default:
			defer done()
			if cur, rev, err = s.Load(ctx); err != nil {
				return e.fail("import", err)
			}
		}
		// What the store would hold: the file's managed sections and the
		// store's others.
		d, err := rbac.DiffPolicies(cur, p.AppliedTo(cur))
		if err != nil {
			return e.fail("import", err)
		}
		writeDiff(e.stdout, *format, fmt.Sprintf("%s@%d", "store", rev), files[0], d)
		if s == nil {
			return ExitOK
		}
		opts := []rbac.ImportOption{rbac.DryRun()}
		if *overwrite {
			opts = append(opts, rbac.Overwrite())
		}
		_, err = rbac.Import(ctx, s, p, opts...)
		var conflict *rbac.ImportConflict
		if errors.As(err, &conflict) {
			writeEdits(e.stderr, "rbac import: the import would be refused: it would undo these changes made since the last import:", conflict.Edits)
			return ExitFindings
		}
		if err != nil {
			return e.fail("import", err)
		}
		return ExitOK
	}
	s, done, err := openStore(ctx, *dsn, true)
	if err != nil {
		return e.fail("import", err)
	}
	defer done()
	before, _, err := s.Load(ctx)
	if err != nil {
		return e.fail("import", err)
	}
	rev, err := rbac.Import(ctx, s, p)
	var conflict *rbac.ImportConflict
	if errors.As(err, &conflict) {
		if !*overwrite {
			writeEdits(e.stderr, "rbac import: refused: importing would undo these changes made since the last import:", conflict.Edits)
			fmt.Fprintf(e.stderr, "keep them by putting them into %s (rbac export -dsn DSN -since-import writes them as YAML), or undo them with rbac import -overwrite\n", files[0])
			return ExitFindings
		}
		writeEdits(e.stdout, "overwriting the changes made since the last import:", conflict.Edits)
		rev, err = rbac.Import(ctx, s, p, rbac.Overwrite())
	}
	if err != nil {
		return e.fail("import", err)
	}
	after, _, err := s.Load(ctx)
	if err != nil {
		return e.fail("import", err)
	}
	if len(before.Entities()) == len(after.Entities()) && rev != 0 {
		if d, err := rbac.DiffPolicies(before, after); err == nil && len(d.Impacts) == 0 && len(d.Roles) == 0 && len(d.Conferrers) == 0 {
			fmt.Fprintf(e.stdout, "imported %s: revision %d (no access changed)\n", files[0], rev)
			return ExitOK
		}
	}
	fmt.Fprintf(e.stdout, "imported %s: revision %d\n", files[0], rev)
	return ExitOK
}

// writeEdits lists edits under a title, one a line: what, at which
// revision, by whom, when and why.
func writeEdits(w io.Writer, title string, edits []rbac.Edit) {
	fmt.Fprintln(w, title)
	for _, ed := range edits {
		if ed.Revision == 0 {
			fmt.Fprintf(w, "  %s %q: %s\n", ed.Kind, ed.Key, ed.Reason)
			continue
		}
		reason := ed.Reason
		if reason == "" {
			reason = "no reason given"
		} else {
			reason = strconv.Quote(reason)
		}
		who := string(ed.Actor)
		if who == "" {
			who = "(no actor)"
		}
		fmt.Fprintf(w, "  %s %q: revision %d by %s at %s: %s\n", ed.Kind, ed.Key, ed.Revision, who, ed.Time.UTC().Format(time.RFC3339), reason)
	}
}

func runMigrate(e *env, args []string) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dsn := dsnFlag(fs)
	if _, err := parse(e, fs, args, 0, 0, "-dsn DSN"); err != nil {
		return exitFor(err)
	}
	if !needDSN(e, fs, *dsn) {
		return ExitUsage
	}
	db, t, err := openDB(context.Background(), *dsn, true)
	if err != nil {
		return e.fail("migrate", err)
	}
	defer db.Close()
	if err := sqlstore.Migrate(context.Background(), db, t.Dialect); err != nil {
		return e.fail("migrate", fmt.Errorf("%s: %v", Redact(*dsn), err))
	}
	fmt.Fprintf(e.stdout, "schema up to date (%s)\n", t.Dialect)
	return ExitOK
}
