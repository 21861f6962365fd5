package policytest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/policytest"
)

const readerPolicy = `
roles: [{id: reader, grants: [doc.read@mine]}, {id: writer, grants: [doc.write]}]
# nobody holds writer: doc.write is a permission of the policy that alice lacks
users:
  - {id: alice, roles: [reader]}
tests:
  - name: alice reads her document
    request: {user: alice, permission: doc.read, resource: {kind: doc, id: d1, assignees: [alice]}}
    expect: {allowed: true, scope: mine}
  - name: wrong on purpose - alice reads any document
    request: {user: alice, permission: doc.read, resource: {kind: doc, id: d2}}
    expect: {allowed: true}
  - name: wrong on purpose - the reason differs
    request: {user: alice, permission: doc.write}
    expect: {allowed: false, reason: out_of_scope}
  - name: wrong on purpose - the scope differs
    request: {user: alice, permission: doc.read}
    expect: {allowed: true, scope: global}
`

func snapshotOf(t *testing.T, p *rbac.Policy) *rbac.Snapshot {
	t.Helper()
	ctx := context.Background()
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a.Snapshot()
}

func TestResultsReportFailures(t *testing.T) {
	p, err := rbac.DecodePolicy(strings.NewReader(readerPolicy), "reader.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results := policytest.Results(p, snapshotOf(t, p))
	var got []string
	for _, r := range results {
		line := r.Test.Where + " passed=" + fmt.Sprint(r.Passed())
		if !r.Passed() {
			// The route after ": " is Explain's business; keep the verdicts.
			line += " " + strings.SplitN(r.Problem, ": ", 2)[0]
		}
		got = append(got, line)
	}
	want := []string{
		"reader.yaml:7 passed=true",
		"reader.yaml:10 passed=false want allowed, got denied (out_of_scope)",
		"reader.yaml:13 passed=false want denied (out_of_scope), got denied (no_grant)",
		"reader.yaml:16 passed=false want allowed (scope global), got allowed (granted, mine)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if s := results[1].String(); !strings.HasPrefix(s, "reader.yaml:10: wrong on purpose - alice reads any document: FAIL: want allowed, got denied (out_of_scope)") {
		t.Errorf("Result.String() = %q", s)
	}
}

// recorder is a testing.TB that keeps failures instead of failing, so the
// helper's own failures can be checked. Fatal stops the helper's goroutine
// as the real one would.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.fatal = true
	panic(r)
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func runRecorded(t *testing.T, paths ...string) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != r {
				panic(v)
			}
		}()
		policytest.Run(r, paths...)
	}()
	return r
}

func TestRunReportsEveryFailingTest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reader.yaml")
	if err := os.WriteFile(path, []byte(readerPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runRecorded(t, path)
	if r.fatal || len(r.errors) != 3 {
		t.Fatalf("Run reported fatal=%v, %d errors; want 3 errors:\n%s", r.fatal, len(r.errors), strings.Join(r.errors, "\n"))
	}
	for i, want := range []string{
		path + ":10: wrong on purpose - alice reads any document: want allowed, got denied (out_of_scope): ",
		path + ":13: wrong on purpose - the reason differs: want denied (out_of_scope), got denied (no_grant): ",
		path + ":16: wrong on purpose - the scope differs: want allowed (scope global), got allowed (granted, mine): ",
	} {
		if !strings.HasPrefix(r.errors[i], want) {
			t.Errorf("error %d = %q\nwant prefix %q", i, r.errors[i], want)
		}
	}
	// The explanation is part of the message: who, through which role.
	if !strings.Contains(r.errors[0], "role reader") {
		t.Errorf("error %q lacks the explanation", r.errors[0])
	}
}

func TestRunRefusesWhatItCannotRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		why   string
		paths []string
		want  string
	}{
		{"no files", nil, "no policy files"},
		{"a missing file", []string{filepath.Join(dir, "absent.yaml")}, "absent.yaml"},
		{"a policy without tests checks nothing", []string{write("quiet.yaml", "roles: [{id: reader}]\n")}, "no tests"},
		{"an invalid policy", []string{write("bad.yaml", "roles: [{id: reader, contains: [ghost]}]\ntests: [{name: x, request: {user: a, permission: p}, expect: {allowed: false}}]\n")}, "ghost"},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			r := runRecorded(t, tt.paths...)
			if !r.fatal || len(r.errors) != 1 || !strings.Contains(r.errors[0], tt.want) {
				t.Errorf("Run: fatal=%v errors=%q; want one fatal error containing %q", r.fatal, r.errors, tt.want)
			}
		})
	}
}
