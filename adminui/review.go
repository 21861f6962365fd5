package adminui

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"time"

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
	At         string // "as of": the review as the model was then; "" for now
	AtErr      string
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
	v := reviewView{WhoCan: strings.TrimSpace(req.r.URL.Query().Get("permission")), At: strings.TrimSpace(req.r.URL.Query().Get("at"))}
	s := req.snap
	if v.At != "" {
		if s, v.AtErr = asOfSnapshot(req, v.At); v.AtErr != "" {
			return c.render(req, http.StatusBadRequest, "review", "Access review", "review", v)
		}
	}
	for _, it := range s.AccessReview() {
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
			v.Holders = s.UsersWith(p)
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

// asOfLayouts are the times the "as of" field takes: a browser's
// datetime-local, a date (its midnight, UTC), or RFC 3339.
var asOfLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339}

// asOfSnapshot rebuilds the model as it was at the time at names
// (Admin.AsOfTime, which needs rbac.audit.read), or says why it cannot.
func asOfSnapshot(req *request, at string) (*rbac.Snapshot, string) {
	var t time.Time
	var err error
	for _, layout := range asOfLayouts {
		if t, err = time.ParseInLocation(layout, at, time.UTC); err == nil {
			break
		}
	}
	if err != nil {
		return nil, "Enter the time as a date and time, for example 2026-03-01T09:00 (UTC)."
	}
	s, err := req.admin().AsOfTime(req.r.Context(), t)
	switch {
	case errors.Is(err, rbac.ErrTruncated):
		return nil, "The history no longer reaches back to " + t.Format("2006-01-02 15:04 MST") + ": older changes were pruned, so the model as it was then cannot be rebuilt. Choose a later time."
	case errors.Is(err, rbac.ErrForbidden):
		return nil, "Reading the model as it was needs rbac.audit.read at scope global."
	case err != nil:
		return nil, "The model as it was at " + t.Format("2006-01-02 15:04 MST") + " could not be rebuilt: " + err.Error()
	}
	return s, ""
}
