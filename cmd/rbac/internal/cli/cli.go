// Package cli is the rbac command: each verb is a function from arguments
// and streams to an exit code, so that tests run it in-process.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitFindings  = 1 // lint errors, failing tests, a denied check, a failed operation
	ExitUsage     = 2
	ExitSensitive = 3 // diff: someone newly reaches a sensitive permission
)

// env is what a verb runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type verb struct {
	run     func(e *env, args []string) int
	summary string
}

var verbs map[string]verb

func init() {
	verbs = map[string]verb{
		"lint":      {runLint, "lint FILE...: errors and warnings with file:line (-format text|json|github, -strict); several files are linted as the one policy they make together"},
		"test":      {runTest, "test FILE...: run the policy's tests: (-run REGEXP, -junit FILE, -v)"},
		"check":     {runCheck, "check -policy FILE|-dsn DSN -user U -permission P [resource flags]: allowed or denied"},
		"explain":   {runExplain, "explain -policy FILE|-dsn DSN -user U -permission P [resource flags]: the decision and its route"},
		"who-can":   {runWhoCan, "who-can -policy FILE|-dsn DSN -permission P: the roles, groups and account types that confer P (and through what), then the users who hold P"},
		"review":    {runReview, "review -policy FILE|-dsn DSN: sensitive and deprecated permissions, the roles, groups and account types that confer them, their holders (-format table|csv|markdown; default: a table on a terminal, CSV otherwise)"},
		"diff":      {runDiff, "diff OLD NEW | FILE DSN: who gains and loses what, per role, group, account type and user; FILE DSN: what importing FILE would change (-format text|markdown|json; exit 3 on a sensitive gain)"},
		"graph":     {runGraph, "graph FILE...: roles, groups and account types' defaults (-format mermaid|dot)"},
		"fmt":       {runFmt, "fmt FILE...: canonical YAML to stdout (-w rewrites the files, -l lists those that differ)"},
		"export":    {runExport, "export -dsn DSN: the store's policy as YAML (-o FILE; -since-import: only what changed since the last import, in the sections it manages, to merge into the file)"},
		"import":    {runImport, "import -dsn DSN FILE...: make the store hold the policy's managed sections, in one change set; refuses to undo changes made since the last import and lists them (-overwrite undoes them; -dry-run prints the diff and writes nothing)"},
		"campaigns": {runCampaigns, "campaigns -policy FILE|-dsn DSN: recertification campaigns, their state and progress (-campaign ID: its report; -format text|csv|json)"},
		"migrate":   {runMigrate, "migrate -dsn DSN: bring the database schema up to date"},
		"casbin":    {runCasbin, "casbin MODEL.conf POLICY.csv: a Casbin RBAC policy as rolegraph YAML with tests (-o FILE)"},
		"help":      {runHelp, "help [COMMAND]: this list, or the command's flags"},
		"version":   {runVersion, "version: the module version"},
	}
}

// Main runs the rbac command with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return ExitOK
	}
	v, ok := verbs[name]
	if !ok {
		fmt.Fprintf(stderr, "rbac: unknown command %q%s\n", name, nearestVerb(name))
		usage(stderr)
		return ExitUsage
	}
	return v.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rbac COMMAND [flags] [args]")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", verbs[n].summary)
	}
	fmt.Fprintln(w, "policy files: every key, its default and an example in docs/policy.md of the module github.com/rolegraph/rbac")
	fmt.Fprintln(w, "DSNs: sqlite:PATH, postgres://user:pass@host:port/db, mysql://user:pass@host:port/db")
	fmt.Fprintln(w, "exit codes: 0 ok, 1 findings or failures, 2 usage, 3 diff: a sensitive permission newly reached")
}

func nearestVerb(name string) string {
	for n := range verbs {
		if strings.HasPrefix(n, name) || strings.HasPrefix(name, n) {
			return fmt.Sprintf("; did you mean %q?", n)
		}
	}
	return ""
}

// runHelp prints every verb, or with a verb's name that verb's synopsis
// and flags (what "rbac VERB -h" prints).
func runHelp(e *env, args []string) int {
	switch len(args) {
	case 0:
		usage(e.stdout)
		return ExitOK
	case 1:
	default:
		fmt.Fprintln(e.stderr, "rbac help: want at most one command\nusage: rbac help [COMMAND]")
		return ExitUsage
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "rbac help: unknown command %q%s\n", args[0], nearestVerb(args[0]))
		return ExitUsage
	}
	if args[0] == "help" || args[0] == "version" { // no flags
		fmt.Fprintf(e.stdout, "usage: rbac %s\n", v.summary)
		return ExitOK
	}
	return v.run(e, []string{"-h"})
}

// errUsage marks an error in the command line.
var errUsage = errors.New("usage")

// parse parses flags anywhere among the positional arguments ("rbac diff
// old.yaml new.yaml -format markdown") and checks their number.
func parse(e *env, fs *flag.FlagSet, args []string, minArgs, maxArgs int, synopsis string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(e.stdout, "usage: rbac %s %s\n", fs.Name(), synopsis)
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, flag.ErrHelp
			}
			return nil, usageErr(e, fs, synopsis, "%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minArgs || maxArgs >= 0 && len(pos) > maxArgs {
		return nil, usageErr(e, fs, synopsis, "%s", argCount(minArgs, maxArgs, len(pos)))
	}
	return pos, nil
}

func argCount(minArgs, maxArgs, got int) string {
	switch {
	case minArgs == maxArgs:
		return fmt.Sprintf("want %d arguments, got %d", minArgs, got)
	case maxArgs < 0:
		return fmt.Sprintf("want at least %d arguments, got %d", minArgs, got)
	}
	return fmt.Sprintf("want %d to %d arguments, got %d", minArgs, maxArgs, got)
}

func usageErr(e *env, fs *flag.FlagSet, synopsis, format string, args ...any) error {
	fmt.Fprintf(e.stderr, "rbac %s: %s\nusage: rbac %s %s\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name(), synopsis)
	fs.SetOutput(e.stderr)
	fs.PrintDefaults()
	return errUsage
}

// exitFor turns a parse result into an exit code.
func exitFor(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}

// fail prints an operational error and returns ExitFindings, or ExitUsage
// for an error in the command line (a malformed DSN).
func (e *env) fail(verb string, err error) int {
	fmt.Fprintf(e.stderr, "rbac %s: %v\n", verb, err)
	if errors.Is(err, errUsage) {
		return ExitUsage
	}
	return ExitFindings
}

// oneOf checks an enumerated flag value.
func oneOf(e *env, fs *flag.FlagSet, name, value string, allowed ...string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	fmt.Fprintf(e.stderr, "rbac %s: -%s %q: want %s\n", fs.Name(), name, value, strings.Join(allowed, ", "))
	return false
}

// count says n of a noun in English: "1 warning", "0 warnings", "2 tests".
// Every noun the command counts takes an s.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
