package adminui

import (
	"context"
	"strings"

	"github.com/rolegraph/rbac"
)

// The records screen is places-manager's: the organisations that own each
// record of a kind with an ownership rule. Only holders of the kind's
// bypass permission are offered changes (Snapshot.CanSetOwners); the Admin
// API decides.

type recordsView struct {
	Rules   []rbac.OwnershipRule
	Kind    string
	Rule    rbac.OwnershipRule
	Records []rbac.Ownership
	Total   int
	Pager   pagerLinks
	MaySet  bool
}

func (c *console) records(req *request) error {
	if !req.rights.Reader() {
		return errForbidden
	}
	v := recordsView{Rules: req.snap.OwnershipRules(), Kind: req.r.URL.Query().Get("kind")}
	if v.Kind == "" && len(v.Rules) > 0 {
		v.Kind = v.Rules[0].Kind
	}
	for _, r := range v.Rules {
		if r.Kind == v.Kind {
			v.Rule = r
		}
	}
	if v.Rule.Kind == "" && v.Kind != "" {
		return notFound("No ownership rule covers records of kind " + quote(v.Kind) + ".")
	}
	all := req.snap.Ownerships(v.Kind)
	v.Total = len(all)
	var pg pager
	v.Records, pg = pageOf(all, req.r.URL.Query().Get("page"), c.opts.PageSize)
	v.Pager = pagerFor("records", pg, "kind", v.Kind)
	v.MaySet = v.Kind != "" && req.rights.canSetOwners(req.snap, v.Kind)
	return c.render(req, 200, "records", "Record owners", "records", v)
}

func planOwners(create bool) func(*request, formValues) (*plan, error) {
	return func(req *request, f formValues) (*plan, error) {
		if err := need(req.rights.Reader()); err != nil {
			return nil, err
		}
		kind, id := f.Get("kind"), strings.TrimSpace(f.Get("id"))
		owners, err := rbac.ParseOwners(f.Get("owners"))
		if err != nil {
			return nil, badRequest("The owners are not valid: " + err.Error())
		}
		p := &plan{Title: "Set the owners of " + kind + " " + quote(id) + " to " + rbac.FormatOwners(owners), Back: "records?kind=" + kind,
			Changes: []rbac.Change{rbac.PutOwnership(rbac.Ownership{Kind: kind, ID: id, Owners: owners})}}
		if create {
			p.Title = "Record a new " + kind + " " + quote(id)
			p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
				_, rev, err := ad.CreateOwned(ctx, reason, kind, id, owners)
				return rev, err
			}
			return p, nil
		}
		p.do = func(ctx context.Context, ad *rbac.Admin, reason string) (rbac.Revision, error) {
			return ad.SetOwners(ctx, reason, kind, id, owners)
		}
		return p, nil
	}
}
