package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	// Imported so that the build records Casbin's version, whose examples/
	// the casbin scripts convert.
	_ "github.com/casbin/casbin/v2"
	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the drivers main registers
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rolegraph/rbac"
	_ "modernc.org/sqlite"
)

const (
	postgresEnv = "RBAC_TEST_POSTGRES_DSN"
	mysqlEnv    = "RBAC_TEST_MYSQL_DSN"
	requireEnv  = "RBAC_TEST_REQUIRE_DBS"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rbac": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: the command as a user runs
// it, every verb, exit code and message. Scripts marked [postgres] or
// [mysql] run against a fresh database when the test DSNs are set (and
// fail, rather than skip, when RBAC_TEST_REQUIRE_DBS=1).
func TestScripts(t *testing.T) {
	if os.Getenv(requireEnv) == "1" {
		for _, env := range []string{postgresEnv, mysqlEnv} {
			if os.Getenv(env) == "" {
				t.Fatalf("%s=1 but %s is not set", requireEnv, env)
			}
		}
	}
	seeds, err := filepath.Abs("../../../../testdata/seeds")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Abs("../../../../examples")
	if err != nil {
		t.Fatal(err)
	}
	casbinExamples := casbinExamplesDir(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SEEDS", seeds)
			env.Setenv("EXAMPLES", examples)
			env.Setenv("CASBIN_EXAMPLES", casbinExamples)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "postgres":
				return os.Getenv(postgresEnv) != "", nil
			case "mysql":
				return os.Getenv(mysqlEnv) != "", nil
			case "casbin":
				return casbinExamples != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// freshdb postgres|mysql: create a database for this script,
			// dropped at its end, and set POSTGRES_DSN or MYSQL_DSN.
			"freshdb": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: freshdb postgres|mysql")
				}
				var dsn string
				var drop func()
				var err error
				switch args[0] {
				case "postgres":
					dsn, drop, err = freshPostgres(os.Getenv(postgresEnv))
				case "mysql":
					dsn, drop, err = freshMySQL(os.Getenv(mysqlEnv))
				default:
					ts.Fatalf("freshdb: unknown database %q", args[0])
				}
				ts.Check(err)
				ts.Defer(drop)
				ts.Setenv(strings.ToUpper(args[0])+"_DSN", dsn)
			},
			// edit DSN ACTOR REASON FILE | edit DSN ACTOR REASON delete KIND KEY:
			// an administrator's change in the console: FILE's entities put,
			// or one entity deleted, in one change set by ACTOR for REASON.
			"edit": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 4 && (len(args) != 6 || args[3] != "delete") {
					ts.Fatalf("usage: edit DSN ACTOR REASON FILE | edit DSN ACTOR REASON delete KIND KEY")
				}
				var changes []rbac.Change
				if len(args) == 6 {
					changes = append(changes, rbac.Change{Kind: rbac.EntityKind(args[4]), Key: args[5]})
				} else {
					f, err := os.Open(ts.MkAbs(args[3]))
					ts.Check(err)
					p, err := rbac.DecodePolicy(f, args[3])
					f.Close()
					ts.Check(err)
					for _, ent := range p.Entities() {
						changes = append(changes, rbac.Change{Kind: ent.EntityKind(), Key: ent.EntityKey(), After: ent})
					}
				}
				dsn := args[0]
				if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
					dsn = "sqlite:" + ts.MkAbs(path) // the script's directory, not the test's
				}
				ctx := context.Background()
				s, done, err := openStore(ctx, dsn, true)
				ts.Check(err)
				defer done()
				_, err = s.Apply(ctx, rbac.ChangeSet{Actor: rbac.UserID(args[1]), Reason: args[2], Changes: changes})
				ts.Check(err)
			},
			// exits N rbac ARGS...: run and want exit code N exactly.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				switch {
				case errors.As(err, &ee):
					got = ee.ExitCode()
				case err != nil:
					ts.Fatalf("exits: %v", err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}

// casbinExamplesDir finds Casbin's examples/ in the module cache: the
// version this module requires.
func casbinExamplesDir(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/casbin/casbin/v2").Output()
	if err != nil {
		t.Logf("go list -m github.com/casbin/casbin/v2: %v", err)
		return ""
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "examples")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("Casbin's examples: %v (run go mod download)", err)
		return ""
	}
	return dir
}

func freshName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "rbac_test_cli_" + hex.EncodeToString(b) // the test users may create rbac_test_* databases
}

// freshPostgres creates a database and returns its DSN.
func freshPostgres(admin string) (string, func(), error) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	name := freshName()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating a PostgreSQL test database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}, nil
}

// freshMySQL creates a database and returns its mysql:// DSN.
func freshMySQL(admin string) (string, func(), error) {
	db, err := sql.Open("mysql", admin)
	if err != nil {
		return "", nil, err
	}
	name := freshName()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating a MariaDB test database: %v", err)
	}
	cfg, err := mysql.ParseDSN(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + name}
	return u.String(), func() {
		db.Exec("DROP DATABASE IF EXISTS " + name)
		db.Close()
	}, nil
}
