// Command servicenow shows the ServiceNow Public Sector Digital Services
// role catalogue: roles containing roles to any depth (admin ⊃ writer ⊃
// viewer ⊃ customer_data_viewer), create-only roles, relationship and
// agency-hierarchy access. It also loads the catalogue as the document
// publishes it and shows the loader reporting the document's faults.
//
// policy.yaml is a copy of testdata/seeds/servicenow_psds.yaml and
// as_published.yaml of testdata/seeds/servicenow_psds_as_published.yaml.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

var (
	//go:embed policy.yaml
	policyYAML []byte
	//go:embed as_published.yaml
	asPublishedYAML []byte
)

func main() { demo.Main("servicenow", run) }

func run(w io.Writer) error {
	ctx := context.Background()

	// The document as published does not load: every fault is reported,
	// each with the role and its line.
	_, err := rbac.LoadPolicy(bytes.NewReader(asPublishedYAML))
	if err == nil {
		return errors.New("the as-published catalogue loaded; its faults went unnoticed")
	}
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	var faults []string
	for _, e := range errs {
		var re *rbac.Error
		if !errors.As(e, &re) {
			return fmt.Errorf("unexpected error: %w", e)
		}
		// re.Error() also says where (file:line) and why; the sentinel
		// and the id are enough here.
		faults = append(faults, fmt.Sprintf("%s %s: %s", re.Kind, re.ID, sentinel(e)))
	}
	slices.Sort(faults)
	fmt.Fprintf(w, "the catalogue as published is refused, %d faults:\n", len(faults))
	for _, f := range faults {
		fmt.Fprintf(w, "  %s\n", f)
	}
	fmt.Fprintln(w)

	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()
	p, _ := a.Policy()
	fmt.Fprintf(w, "the corrected catalogue loads: %d roles\n\n", len(p.Roles))

	questions := []demo.Question{
		{Text: "a constituent_admin reads customer data, three containments down",
			Request: rbac.Request{User: "ada_admin", Permission: "customer_data.read"}},
		{Text: "a constituent_writer deletes a constituent",
			Request: rbac.Request{User: "wen_writer", Permission: "constituent.delete"}},
		{Text: "a contributor_creator creates a case",
			Request: rbac.Request{User: "cole_creator", Permission: "case.create"}},
		{Text: "a contributor_creator reads a case",
			Request: rbac.Request{User: "cole_creator", Permission: "case.read", Resource: &rbac.Resource{Kind: "case", ID: "k1"}}},
		{Text: "a relationship_agent works a case of a customer of hers",
			Request: rbac.Request{User: "remy_relationship", Permission: "case.write",
				Resource: &rbac.Resource{Kind: "case", ID: "k2", Assignees: []rbac.UserID{"remy_relationship"}}}},
		{Text: "an agency_manager reads a case of a clinic in her agency's hierarchy",
			Request: rbac.Request{User: "mona_manager", Permission: "case.read",
				Resource: &rbac.Resource{Kind: "case", ID: "k4", Workgroups: []rbac.WorkgroupID{"agency.county_north.clinic"}}}},
		{Text: "the system administrator reads a closed case",
			Request: rbac.Request{User: "sam_sysadmin", Permission: "case.read", Resource: &rbac.Resource{Kind: "case", ID: "k7", Inactive: true}}},
	}
	return demo.Ask(ctx, w, a, questions)
}

// sentinel names the sentinel error err wraps.
func sentinel(err error) string {
	for _, s := range []error{rbac.ErrExists, rbac.ErrCycle, rbac.ErrNotFound, rbac.ErrInvalid} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other"
}
