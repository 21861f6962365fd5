package policytest_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/policytest"
)

const (
	seedDir     = "../testdata/seeds"
	asPublished = "servicenow_psds_as_published.yaml"
	servicenow  = "servicenow_psds.yaml"
)

// seedFiles are the valid seed policies: every file of testdata/seeds but
// the as-published ServiceNow catalogue, which must fail.
func seedFiles(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(seedDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if filepath.Base(f) != asPublished {
			out = append(out, f)
		}
	}
	want := []string{"hmpps_auth.yaml", "nviro.yaml", "one_iyss.yaml", "places_manager.yaml", servicenow}
	var got []string
	for _, f := range out {
		got = append(got, filepath.Base(f))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("seed policies (-want +got):\n%s", diff)
	}
	return out
}

func TestSeeds(t *testing.T) {
	for _, f := range seedFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			policytest.Run(t, f)
		})
	}
}

// TestSeedsTestBothWays keeps every seed's tests honest: each file must
// show access granted and access refused, and every denial must say why.
func TestSeedsTestBothWays(t *testing.T) {
	for _, f := range seedFiles(t) {
		p, err := rbac.LoadPolicyFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var allowed, denied int
		for _, test := range p.Tests {
			if test.Expect.Allowed {
				allowed++
				continue
			}
			denied++
			if test.Expect.Reason == "" {
				t.Errorf("%s: %s: a denial without reason: the test would pass for the wrong reason", test.Where, test.Name)
			}
		}
		if allowed < 3 || denied < 3 {
			t.Errorf("%s: %d allowing and %d denying tests; want at least 3 of each", f, allowed, denied)
		}
	}
}

// fault is one error the as-published catalogue must produce.
type fault struct {
	Sentinel string
	ID       string
}

func sentinelName(err error) string {
	for _, s := range []struct {
		name string
		err  error
	}{
		{"ErrExists", rbac.ErrExists},
		{"ErrCycle", rbac.ErrCycle},
		{"ErrNotFound", rbac.ErrNotFound},
		{"ErrInvalid", rbac.ErrInvalid},
	} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "other"
}

// roleLines maps each role id of a policy file to the lines of its
// "- id:" entries, read from the text independently of the loader.
func roleLines(t *testing.T, path string) map[string][]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if id, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "- id: "); ok {
			out[id] = append(out[id], n)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestServiceNowAsPublishedIsRejected loads the catalogue with the
// document's faults and wants each of them reported, with the role's id and
// its file:line, and nothing else.
func TestServiceNowAsPublishedIsRejected(t *testing.T) {
	path := filepath.Join(seedDir, asPublished)
	p, err := rbac.LoadPolicyFile(path)
	if err == nil {
		t.Fatalf("LoadPolicyFile(%s) = %d roles, nil error; want the document's faults reported", path, len(p.Roles))
	}
	lines := roleLines(t, path)
	data, err2 := os.ReadFile(path)
	if err2 != nil {
		t.Fatal(err2)
	}
	text := strings.Split(string(data), "\n")
	// Roles the document defines more than once: each later definition is
	// reported (service_offered_admin and lic_prmt.agency_manager_core are
	// repeated within one table, the others listed again in later tables).
	duplicated := []string{
		"sn_gsm.agency_contributor", "sn_gsm.business_contributor", "sn_gsm.case_viewer",
		"sn_gsm.constituent_contributor", "sn_gsm.constituent_viewer", "sn_gsm.relationship_contributor",
		"sn_gsm.service_offered_admin", "sn_gsm.service_offered_viewer", "sn_gsm_grnt_mgmt.report_viewer",
		"sn_gsm_icm.case_admin", "sn_gsm_lic_prmt.agency_manager_core", "sn_svc_appl_info.report_viewer",
	}
	var want []fault
	for _, id := range duplicated {
		if len(lines[id]) != 2 {
			t.Fatalf("%s: role %s is defined at lines %v; the test expects exactly two definitions", path, id, lines[id])
		}
		want = append(want, fault{"ErrExists", id})
	}
	want = append(want,
		fault{"ErrCycle", "sn_gsm_lic_prmt.ib_writer"}, // contains itself
		fault{"ErrNotFound", "sn_gsm.business_viewer"}, // shifted columns: "contains" a plugin name
	)

	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	var got []fault
	for _, e := range errs {
		var re *rbac.Error
		if !errors.As(e, &re) {
			t.Errorf("error %q is not an *rbac.Error", e)
			continue
		}
		got = append(got, fault{sentinelName(e), re.ID})
		// The message names the role and where it is; for a duplicate,
		// where the repeated definition is.
		msg := e.Error()
		if !strings.Contains(msg, re.ID) {
			t.Errorf("error %q does not name the role %s", msg, re.ID)
		}
		ls := lines[re.ID]
		if len(ls) == 0 {
			t.Errorf("error %q names %q, which the file does not define", msg, re.ID)
			continue
		}
		at := fmt.Sprintf("%s:%d", path, ls[len(ls)-1])
		if errors.Is(e, rbac.ErrExists) {
			if !strings.Contains(msg, at) {
				t.Errorf("error %q does not say where: want %s in it", msg, at)
			}
			continue
		}
		// A bad reference points at the contains entry itself: a line of
		// the role's definition, at or after its id, naming the target.
		target := re.ID
		if _, rest, ok := strings.Cut(re.Msg, `contains "`); ok {
			target, _, _ = strings.Cut(rest, `"`)
		}
		var n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(re.Where, path+":"), "%d", &n); err != nil || n < ls[len(ls)-1] || n > len(text) || !strings.Contains(text[n-1], target) {
			t.Errorf("error %q: want the line of the contains entry naming %s (after line %d), got %q", msg, target, ls[len(ls)-1], re.Where)
		}
	}
	less := func(a, b fault) int { return strings.Compare(a.Sentinel+" "+a.ID, b.Sentinel+" "+b.ID) }
	slices.SortFunc(want, less)
	slices.SortFunc(got, less)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("faults reported for %s (-want +got):\n%s\nfull error:\n%v", path, diff, err)
	}
}

// TestServiceNowCatalogueIsFaithful compares the corrected catalogue with
// the as-published one: the same roles, every published containment edge
// but the faulty ones, and the published titles except the shifted ones.
func TestServiceNowCatalogueIsFaithful(t *testing.T) {
	published := decode(t, filepath.Join(seedDir, asPublished))
	clean, err := rbac.LoadPolicyFile(filepath.Join(seedDir, servicenow))
	if err != nil {
		t.Fatal(err)
	}
	cleanRoles := map[rbac.RoleID]rbac.Role{}
	for _, r := range clean.Roles {
		cleanRoles[r.ID] = r
	}
	type edge struct{ From, To rbac.RoleID }
	dropped := []edge{
		{"sn_gsm_lic_prmt.ib_writer", "sn_gsm_lic_prmt.ib_writer"},
		{"sn_gsm.business_viewer", "com.sn_public_sector_digital_services_core"},
	}
	var missing []edge
	for _, r := range published.Roles {
		c, ok := cleanRoles[r.ID]
		if !ok {
			t.Errorf("role %s of the published catalogue is missing from %s", r.ID, servicenow)
			continue
		}
		for _, to := range r.Contains {
			if !slices.Contains(c.Contains, to) {
				missing = append(missing, edge{r.ID, to})
			}
		}
	}
	if diff := cmp.Diff(dropped, missing); diff != "" {
		t.Errorf("published containment edges missing from %s (-want +got):\n%s", servicenow, diff)
	}
	// The published roles of the catalogue, plus the persona "Admins" as admin.
	publishedIDs := map[rbac.RoleID]bool{"admin": true}
	for _, r := range published.Roles {
		publishedIDs[r.ID] = true
	}
	for _, r := range clean.Roles {
		if !publishedIDs[r.ID] {
			t.Errorf("%s defines role %s, which the published catalogue does not have", servicenow, r.ID)
		}
	}
	// The shifted titles: kept in one file, corrected in the other.
	titles := []struct {
		id               rbac.RoleID
		published, fixed string
	}{
		{"sn_svc_appl_pgm_mg.grant_program_manager", "Grant Program Writer", "Grant Program Manager"},
		{"sn_svc_appl_pgm_mg.grant_program_writer", "Grant Program Viewer", "Grant Program Writer"},
		{"sn_svc_appl_pgm_mg.grant_program_viewer", "Planning Item Writer", "Grant Program Viewer"},
		{"sn_svc_appl_pgm_mg.planning_item_viewer", "Budget Allocation Writer", "Planning Item Viewer"},
	}
	for _, tt := range titles {
		if got := titleOf(published, tt.id); got != tt.published {
			t.Errorf("as published, %s is titled %q; want the document's shifted %q", tt.id, got, tt.published)
		}
		if got := cleanRoles[tt.id].Title; got != tt.fixed {
			t.Errorf("corrected, %s is titled %q; want %q", tt.id, got, tt.fixed)
		}
	}
}

func decode(t *testing.T, path string) *rbac.Policy {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := rbac.DecodePolicy(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func titleOf(p *rbac.Policy, id rbac.RoleID) string {
	for _, r := range p.Roles {
		if r.ID == id {
			return r.Title
		}
	}
	return ""
}

// TestExamplesEmbedTheSeeds keeps the examples' embedded copies (a nested
// module cannot embed files of its parent) equal to the seed policies.
func TestExamplesEmbedTheSeeds(t *testing.T) {
	copies := map[string]string{
		"../examples/hmpps/policy.yaml":            "hmpps_auth.yaml",
		"../examples/places/policy.yaml":           "places_manager.yaml",
		"../examples/nviro/policy.yaml":            "nviro.yaml",
		"../examples/servicenow/policy.yaml":       servicenow,
		"../examples/servicenow/as_published.yaml": asPublished,
		"../examples/iyss/policy.yaml":             "one_iyss.yaml",
	}
	for copyPath, seed := range copies {
		got, err := os.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(seedDir, seed))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from %s; copy the seed again: cp testdata/seeds/%s %s", copyPath, seed, seed, strings.TrimPrefix(copyPath, "../"))
		}
	}
}
