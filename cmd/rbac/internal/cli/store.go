package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

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
	if _, err := parse(e, fs, args, 0, 0, "-dsn DSN [-o FILE]"); err != nil {
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
	p, rev, err := s.Load(ctx)
	if err != nil {
		return e.fail("export", err)
	}
	data, err := p.Marshal()
	if err != nil {
		return e.fail("export", err)
	}
	data = append([]byte(fmt.Sprintf("# exported by rbac export at revision %d\n", rev)), data...)
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return e.fail("export", err)
		}
		return ExitOK
	}
	e.stdout.Write(data)
	return ExitOK
}

func runImport(e *env, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dsn := dsnFlag(fs)
	dry := fs.Bool("dry-run", false, "print who would gain and lose what, and write nothing")
	format := fs.String("format", "text", "diff `format` for -dry-run: text, markdown or json")
	files, err := parse(e, fs, args, 1, -1, "-dsn DSN [-dry-run [-format text|markdown|json]] FILE...")
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
		cur, rev, err := storedPolicy(ctx, *dsn)
		if err != nil {
			return e.fail("import", err)
		}
		d, err := rbac.DiffPolicies(cur, p)
		if err != nil {
			return e.fail("import", err)
		}
		writeDiff(e.stdout, *format, fmt.Sprintf("%s@%d", "store", rev), files[0], d)
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
	if err != nil {
		return e.fail("import", err)
	}
	after, _, err := s.Load(ctx)
	if err != nil {
		return e.fail("import", err)
	}
	if len(before.Entities()) == len(after.Entities()) && rev != 0 {
		if d, err := rbac.DiffPolicies(before, after); err == nil && len(d.Impacts) == 0 && len(d.Roles) == 0 {
			fmt.Fprintf(e.stdout, "imported %s: revision %d (no access changed)\n", files[0], rev)
			return ExitOK
		}
	}
	fmt.Fprintf(e.stdout, "imported %s: revision %d\n", files[0], rev)
	return ExitOK
}

// storedPolicy reads the store's policy without writing anything. A
// database that was never migrated holds the empty policy, at revision 0.
func storedPolicy(ctx context.Context, dsn string) (*rbac.Policy, rbac.Revision, error) {
	s, done, err := openStore(ctx, dsn, false)
	if errors.Is(err, sqlstore.ErrNotMigrated) {
		return &rbac.Policy{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer done()
	return s.Load(ctx)
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
