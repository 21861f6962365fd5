package adminui

import (
	"time"

	"github.com/rolegraph/rbac"
)

// Timed assignments on the console: the user page lists each with its
// window and whether it is running, and the field-by-field change tables
// show each entry with its window, so that moving Until is visible.

// now is the time by the authorizer's clock (rbac.WithClock): what the
// console calls running, expired or pending is what checks, Approve and
// Attest find.
func (c *console) now() time.Time { return c.authz.Now() }

// timedRow is one of a user's timed assignments as the user page shows it.
type timedRow struct {
	What        string // "role x" or "group y"
	Link        string // its page, when the actor may read it
	From, Until string // "" for no bound
	State       string // running, expired or future
}

// timedRows describes u's timed assignments at now.
func timedRows(req *request, u rbac.User, now time.Time) []timedRow {
	var rows []timedRow
	for _, t := range u.Temporary {
		row := timedRow{From: timeText(t.From), Until: timeText(t.Until), State: timedState(t, now)}
		switch {
		case t.Group != "":
			row.What = "group " + string(t.Group)
			if req.rights.mayReadGroup(t.Group) {
				row.Link = link("group", string(t.Group))
			}
		default:
			row.What = "role " + string(t.Role)
			if req.rights.Reader() {
				row.Link = link("role", string(t.Role))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// timedState names where now falls in t's window.
func timedState(t rbac.TimedAssignment, now time.Time) string {
	switch {
	case t.Expired(now):
		return "expired"
	case t.HeldAt(now):
		return "running"
	}
	return "future"
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// timedItems lists e's timed assignments one text each, window included,
// for the change tables; nil when e is not a user.
func timedItems(e rbac.Entity) []any {
	u, ok := e.(rbac.User)
	if !ok || len(u.Temporary) == 0 {
		return nil
	}
	out := make([]any, len(u.Temporary))
	for i, t := range u.Temporary {
		out[i] = t.String()
	}
	return out
}
