package policytest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// Result is the outcome of one PolicyTest.
type Result struct {
	Test     rbac.PolicyTest
	Decision rbac.Decision // from Snapshot.Explain, so it carries the route
	// Problem says what is wrong, or is empty when the test passed.
	Problem string
}

// Passed reports whether the decision met the expectation.
func (r Result) Passed() bool { return r.Problem == "" }

// String prints the result on one line: where, name, verdict and, for a
// failure, the problem.
func (r Result) String() string {
	verdict := "ok"
	if !r.Passed() {
		verdict = "FAIL: " + r.Problem
	}
	if r.Test.Where != "" {
		return fmt.Sprintf("%s: %s: %s", r.Test.Where, r.Test.Name, verdict)
	}
	return fmt.Sprintf("%s: %s", r.Test.Name, verdict)
}

// Results runs every test of p against s, in order. It does not stop at a
// failure.
func Results(p *rbac.Policy, s *rbac.Snapshot) []Result {
	out := make([]Result, 0, len(p.Tests))
	for _, test := range p.Tests {
		out = append(out, result(test, s))
	}
	return out
}

func result(test rbac.PolicyTest, s *rbac.Snapshot) Result {
	explained := s.Explain(test.Request)
	checked := s.Check(test.Request)
	r := Result{Test: test, Decision: explained}
	var problems []string
	if !meets(test.Expect, explained) {
		problems = append(problems, fmt.Sprintf("want %s, got %s", FormatExpectation(test.Expect), explained))
	}
	// Check is the fast path and Explain the slow one; a policy test is a
	// cheap place to catch them disagreeing.
	if checked.Allowed != explained.Allowed || checked.Scope != explained.Scope || checked.Reason != explained.Reason {
		problems = append(problems, fmt.Sprintf("Check and Explain disagree: Check %s, Explain %s", summary(checked), summary(explained)))
	}
	r.Problem = strings.Join(problems, "; ")
	return r
}

func meets(e rbac.Expectation, d rbac.Decision) bool {
	if d.Allowed != e.Allowed {
		return false
	}
	if e.Scope != rbac.ScopeNone && d.Scope != e.Scope {
		return false
	}
	if e.Reason != "" && d.Reason != e.Reason {
		return false
	}
	return true
}

// FormatExpectation writes an expectation the way Decision.String starts:
// "allowed (scope workgroup)", "denied (out_of_scope)".
func FormatExpectation(e rbac.Expectation) string {
	var parts []string
	if e.Reason != "" {
		parts = append(parts, string(e.Reason))
	}
	if e.Scope != rbac.ScopeNone {
		parts = append(parts, "scope "+e.Scope.String())
	}
	verdict := "denied"
	if e.Allowed {
		verdict = "allowed"
	}
	if len(parts) == 0 {
		return verdict
	}
	return verdict + " (" + strings.Join(parts, ", ") + ")"
}

// summary is a decision without its route.
func summary(d rbac.Decision) string {
	d.Path = nil
	return d.String()
}

// Run loads the policy files (rbac.LoadPolicyFiles: later files may not
// redefine an id of an earlier one), writes the policy into a fresh
// memstore, builds an Authorizer on it and runs each test of the files. With
// a *testing.T every test is a subtest named after it; with any other
// testing.TB failures are reported on t, prefixed with the test's name.
// Files that hold no test at all are a failure: a test helper that checks
// nothing should not pass.
func Run(t testing.TB, paths ...string) {
	t.Helper()
	if len(paths) == 0 {
		t.Fatal("policytest.Run: no policy files given")
	}
	p, err := rbac.LoadPolicyFiles(paths...)
	if err != nil {
		t.Fatalf("policytest: load %s: %v", strings.Join(paths, ", "), err)
	}
	if len(p.Tests) == 0 {
		t.Fatalf("policytest: %s: no tests: section with tests", strings.Join(paths, ", "))
	}
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatalf("policytest: import %s: %v", strings.Join(paths, ", "), err)
	}
	// Nothing else writes to this store, so there is nothing to follow.
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		t.Fatalf("policytest: new authorizer: %v", err)
	}
	defer a.Close()
	snap := a.Snapshot()
	for _, test := range p.Tests {
		name := test.Name
		if name == "" {
			name = test.Where
		}
		if tt, ok := t.(*testing.T); ok {
			tt.Run(name, func(t *testing.T) {
				t.Helper()
				report(t, "", result(test, snap))
			})
			continue
		}
		report(t, name+": ", result(test, snap))
	}
}

func report(t testing.TB, prefix string, r Result) {
	t.Helper()
	if r.Passed() {
		return
	}
	where := r.Test.Where
	if where != "" {
		where += ": "
	}
	t.Errorf("%s%s%s", where, prefix, r.Problem)
}
