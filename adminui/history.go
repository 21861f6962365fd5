package adminui

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

type historyView struct {
	Actor, Entity, From, To string
	Sets                    []historySet
	Older                   string        // revision to read before, for the next page
	Pruned                  rbac.Revision // on the last page: the log was pruned up to this revision
	Kinds                   []rbac.EntityKind
	Kind                    string
}

type historySet struct {
	rbac.ChangeSet
	Changes []historyChange
	More    int // matching changes not shown (an import touches every entity)
}

// maxChangesShown bounds the changes shown per change set.
const maxChangesShown = 25

type historyChange struct {
	Kind    rbac.EntityKind
	Key     string
	Op      string
	Fields  []fieldChange // what the change sets, field by field
	Cascade bool
}

const dateLayout = "2006-01-02"

func (c *console) history(req *request) error {
	if !req.rights.Audit {
		return errForbidden
	}
	q := req.r.URL.Query()
	v := historyView{Actor: q.Get("actor"), Entity: q.Get("entity"), From: q.Get("from"), To: q.Get("to"), Kind: q.Get("kind"), Kinds: rbac.EntityKinds()}
	hq := rbac.HistoryQuery{Actor: rbac.UserID(v.Actor), Key: v.Entity, Kind: rbac.EntityKind(v.Kind)}
	if v.Kind != "" && !slices.Contains(rbac.EntityKinds(), hq.Kind) {
		return badRequest("Choose a kind of entity from the list.")
	}
	var err error
	if hq.From, err = parseDate(v.From); err != nil {
		return err
	}
	if hq.To, err = parseDate(v.To); err != nil {
		return err
	}
	if !hq.To.IsZero() {
		hq.To = hq.To.AddDate(0, 0, 1) // "to" a day includes that day
	}
	before, _ := strconv.ParseUint(q.Get("before"), 10, 64)
	page, more, err := c.historyPage(req, hq, rbac.Revision(before))
	if errors.Is(err, rbac.ErrForbidden) {
		return errForbidden
	}
	if err != nil {
		return err
	}
	if more {
		v.Older = strconv.FormatUint(uint64(page.Sets[len(page.Sets)-1].Revision), 10)
	} else {
		v.Pruned = page.Horizon
	}
	for _, cs := range page.Sets {
		hs := historySet{ChangeSet: cs.ChangeSet, More: cs.Matched - len(cs.Changes)}
		for _, ch := range cs.Changes {
			op := "changed"
			switch {
			case ch.After == nil:
				op = "deleted"
			case ch.Before == nil:
				op = "created"
			}
			hs.Changes = append(hs.Changes, historyChange{Kind: ch.Kind, Key: ch.Key, Op: op, Fields: fieldChanges(ch.Before, ch.After), Cascade: ch.Cascade})
		}
		v.Sets = append(v.Sets, hs)
	}
	return c.render(req, 200, "history", "History", "history", v)
}

func parseDate(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, badRequest("Enter dates as year-month-day, for example 2026-12-01.")
	}
	return t, nil
}

// historyPage reads the newest page of change sets that match hq and are
// older than before (0: the newest), each with at most maxChangesShown of
// its matching changes: through a store's rbac.HistoryReader that costs
// what the page shows, also when an import of every entity is on it. more
// reports that older matching sets exist.
func (c *console) historyPage(req *request, hq rbac.HistoryQuery, before rbac.Revision) (page rbac.HistoryPage, more bool, err error) {
	// Nothing newer than the snapshot the rest of the page shows.
	hq.Before = req.snap.Revision() + 1
	if before > 0 {
		hq.Before = min(hq.Before, before)
	}
	hq.Limit = c.opts.PageSize + 1 // one more tells whether there are older ones
	page, err = req.admin().HistoryPage(req.r.Context(), hq, maxChangesShown)
	if err != nil {
		return rbac.HistoryPage{}, false, err
	}
	if len(page.Sets) > c.opts.PageSize {
		page.Sets, more = page.Sets[:c.opts.PageSize], true
	}
	return page, more, nil
}
