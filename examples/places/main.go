// Command places shows GOV.UK places-manager's department ownership: a
// service is owned by one or more departments, editors reach only their
// department's services, GDS Editors reach every service and choose the
// owners of new ones.
//
// policy.yaml is a copy of testdata/seeds/places_manager.yaml.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("places", run) }

func run(w io.Writer) error {
	ctx := context.Background()
	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()

	// The legacy organisational_slugs field was comma-separated.
	owners, err := rbac.ParseOwners("department-for-education, hm-revenue-customs")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "legacy field parsed as %d owners, %s; written back as %q\n\n", len(owners), strings.Join(strings.Split(rbac.FormatOwners(owners), ","), " and "), rbac.FormatOwners(owners))

	service := func(id string) *rbac.Resource { return &rbac.Resource{Kind: "service", ID: id} }
	questions := []demo.Question{
		{Text: "Dana (DfE) edits register-offices, owned by DfE and HMRC",
			Request: rbac.Request{User: "dana_dfe", Permission: "service.edit", Resource: service("register-offices")}},
		{Text: "Hugo (HMRC) edits student-finance, owned by DfE",
			Request: rbac.Request{User: "hugo_hmrc", Permission: "service.edit", Resource: service("student-finance")}},
		{Text: "Gita (GDS Editor) edits student-finance",
			Request: rbac.Request{User: "gita_gds", Permission: "service.edit", Resource: service("student-finance")}},
		{Text: "Dana views unclaimed, a service nobody owns yet",
			Request: rbac.Request{User: "dana_dfe", Permission: "service.view", Resource: service("unclaimed")}},
		{Text: "Hugo edits a place (places are not owned)",
			Request: rbac.Request{User: "hugo_hmrc", Permission: "place.edit", Resource: &rbac.Resource{Kind: "place", ID: "123"}}},
	}
	if err := demo.Ask(ctx, w, a, questions); err != nil {
		return err
	}

	// New services: an editor's service gets the editor's department; only a
	// GDS Editor may set the slugs directly.
	snap := a.Snapshot()
	fmt.Fprintln(w)
	for _, n := range []struct {
		user      rbac.UserID
		requested []rbac.OrgSlug
	}{
		{"dana_dfe", nil},
		{"dana_dfe", []rbac.OrgSlug{"hm-revenue-customs"}},
		{"gita_gds", []rbac.OrgSlug{"hm-revenue-customs", "department-for-education"}},
		{"gita_gds", nil},
	} {
		asking := "asking for no owners"
		if n.requested != nil {
			asking = "asking for " + rbac.FormatOwners(n.requested)
		}
		got, err := snap.OwnersForNew(n.user, "service", n.requested)
		if err != nil {
			fmt.Fprintf(w, "new service by %s %s: refused (%v)\n", n.user, asking, errorKind(err))
			continue
		}
		fmt.Fprintf(w, "new service by %s %s: owners %s\n", n.user, asking, rbac.FormatOwners(got))
	}
	fmt.Fprintf(w, "may dana change owners? %v; may gita? %v\n",
		snap.CanSetOwners("dana_dfe", "service"), snap.CanSetOwners("gita_gds", "service"))
	return nil
}

// errorKind names the sentinel an error wraps, for stable output.
func errorKind(err error) string {
	for _, s := range []error{rbac.ErrForbidden, rbac.ErrNotFound, rbac.ErrInvalid} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return err.Error()
}
