package adminui

import (
	"encoding/csv"
	"strings"

	"github.com/rolegraph/rbac"
)

// The access review: every sensitive or deprecated permission with who
// holds it, "who can" for any permission, and the same as CSV. It needs
// rbac.audit.read, like History: it tells who holds what across the model.

type reviewView struct {
	Items      []reviewItem
	WhoCan     string
	WhoCanErr  string
	Holders    []rbac.Holder
	HolderMore int
	Asked      bool
}

type reviewItem struct {
	rbac.ReviewItem
	Shown []rbac.Holder
	More  int
}

func (c *console) review(req *request) error {
	if !req.rights.Audit {
		return errForbidden
	}
	v := reviewView{WhoCan: strings.TrimSpace(req.r.URL.Query().Get("permission"))}
	for _, it := range req.snap.AccessReview() {
		ri := reviewItem{ReviewItem: it, Shown: it.Holders}
		if len(ri.Shown) > c.opts.PageSize {
			ri.Shown, ri.More = ri.Shown[:c.opts.PageSize], len(ri.Shown)-c.opts.PageSize
		}
		v.Items = append(v.Items, ri)
	}
	if v.WhoCan != "" {
		v.Asked = true
		p := rbac.Permission(v.WhoCan)
		if !rbac.ValidID(v.WhoCan) || p.IsWildcard() {
			v.WhoCanErr = "Enter one permission name, for example evaluation.read (no wildcard)."
		} else {
			v.Holders = req.snap.UsersWith(p)
			if len(v.Holders) > c.opts.PageSize {
				v.Holders, v.HolderMore = v.Holders[:c.opts.PageSize], len(v.Holders)-c.opts.PageSize
			}
		}
	}
	return c.render(req, 200, "review", "Access review", "review", v)
}

// reviewCSV: one line per (permission, holder) of the access review, every
// holder (no page limit): the file is for spreadsheets and auditors.
func (c *console) reviewCSV(req *request) error {
	if !req.rights.Audit {
		return errForbidden
	}
	w := req.w
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="access-review.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"permission", "title", "section", "sensitive", "deprecated", "user", "scope"})
	for _, it := range req.snap.AccessReview() {
		d := it.Permission
		row := []string{string(d.Name), d.Title, d.Section, d.Sensitive, d.Deprecated, "", ""}
		if len(it.Holders) == 0 {
			_ = cw.Write(csvSafe(row))
		}
		for _, h := range it.Holders {
			row[5], row[6] = string(h.User), h.Scope.String()
			_ = cw.Write(csvSafe(row))
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses spreadsheet formulas: a cell that starts with = + - @
// or a tab is prefixed with a quote mark (OWASP CSV injection).
func csvSafe(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			s = "'" + s
		}
		out[i] = s
	}
	return out
}
