package cli

import (
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/policytest"
)

func runTest(e *env, args []string) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	run := fs.String("run", "", "run only the tests whose name matches `REGEXP`")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`")
	verbose := fs.Bool("v", false, "print every test, not only failures")
	files, err := parse(e, fs, args, 1, -1, "[-run REGEXP] [-junit FILE] [-v] FILE...")
	if err != nil {
		return exitFor(err)
	}
	var filter *regexp.Regexp
	if *run != "" {
		if filter, err = regexp.Compile(*run); err != nil {
			fmt.Fprintf(e.stderr, "rbac test: -run: %v\n", err)
			return ExitUsage
		}
	}
	start := time.Now()
	p, err := rbac.LoadPolicyFiles(files...)
	if err != nil {
		for _, one := range splitErrors(err) {
			fmt.Fprintf(e.stderr, "%v\n", one)
		}
		return ExitFindings
	}
	ctx := context.Background()
	store := memstore.New()
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return e.fail("test", err)
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		return e.fail("test", err)
	}
	defer a.Close()
	selected := *p
	selected.Tests = nil
	for _, t := range p.Tests {
		if filter == nil || filter.MatchString(t.Name) {
			selected.Tests = append(selected.Tests, t)
		}
	}
	if len(selected.Tests) == 0 {
		if filter != nil {
			fmt.Fprintf(e.stderr, "rbac test: no test matches -run %q (%s in %s)\n", *run, count(len(p.Tests), "test"), strings.Join(files, ", "))
		} else {
			fmt.Fprintf(e.stderr, "rbac test: %s: no tests: section with tests\n", strings.Join(files, ", "))
		}
		return ExitFindings
	}
	results := policytest.Results(&selected, a.Snapshot())
	failed := 0
	for _, r := range results {
		if !r.Passed() {
			failed++
			fmt.Fprintln(e.stdout, r.String())
		} else if *verbose {
			fmt.Fprintln(e.stdout, r.String())
		}
	}
	elapsed := time.Since(start)
	if failed > 0 {
		fmt.Fprintf(e.stdout, "FAIL: %d of %d tests failed\n", failed, len(results))
	} else {
		fmt.Fprintf(e.stdout, "ok: %s passed\n", count(len(results), "test"))
	}
	if *junit != "" {
		if err := writeJUnit(*junit, strings.Join(files, ","), results, elapsed); err != nil {
			return e.fail("test", err)
		}
	}
	if failed > 0 {
		return ExitFindings
	}
	return ExitOK
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(path, suite string, results []policytest.Result, elapsed time.Duration) error {
	s := junitSuite{Name: suite, Tests: len(results), Time: fmt.Sprintf("%.3f", elapsed.Seconds())}
	for _, r := range results {
		c := junitCase{Name: r.Test.Name, Classname: suite}
		c.File, c.Line = splitWhere(r.Test.Where)
		if !r.Passed() {
			s.Failures++
			c.Failure = &junitFailure{Message: r.Problem, Text: r.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	data, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(data, '\n')...), 0o644)
}
