package adminui

import (
	"encoding/json"
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
	Older                   string // revision to read before, for the next page
	Kinds                   []rbac.EntityKind
	Kind                    string
}

type historySet struct {
	rbac.ChangeSet
	Changes []historyChange
	More    int // changes not shown (an import touches every entity)
}

// maxChangesShown bounds the changes shown per change set.
const maxChangesShown = 25

type historyChange struct {
	Kind          rbac.EntityKind
	Key           string
	Op            string
	Before, After string
	Cascade       bool
}

const dateLayout = "2006-01-02"

func (c *console) history(req *request) error {
	if !req.rights.Audit {
		return errForbidden
	}
	q := req.r.URL.Query()
	v := historyView{Actor: q.Get("actor"), Entity: q.Get("entity"), From: q.Get("from"), To: q.Get("to"), Kind: q.Get("kind"), Kinds: rbac.EntityKinds}
	hq := rbac.HistoryQuery{Actor: rbac.UserID(v.Actor), Key: v.Entity, Kind: rbac.EntityKind(v.Kind)}
	if v.Kind != "" && !slices.Contains(rbac.EntityKinds, hq.Kind) {
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
	sets, more, err := c.historyPage(req, hq, rbac.Revision(before))
	if errors.Is(err, rbac.ErrForbidden) {
		return errForbidden
	}
	if err != nil {
		return err
	}
	if more && len(sets) > 0 {
		v.Older = strconv.FormatUint(uint64(sets[len(sets)-1].Revision), 10)
	}
	for _, cs := range sets {
		hs := historySet{ChangeSet: cs}
		for i, ch := range cs.Changes {
			if i == maxChangesShown {
				hs.More = len(cs.Changes) - i
				break
			}
			op := "changed"
			switch {
			case ch.After == nil:
				op = "deleted"
			case ch.Before == nil:
				op = "created"
			}
			hs.Changes = append(hs.Changes, historyChange{Kind: ch.Kind, Key: ch.Key, Op: op, Before: entityText(ch.Before), After: entityText(ch.After), Cascade: ch.Cascade})
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

// entityText shows an entity as indented JSON (grants and scopes in their
// text form), or "" when absent.
func entityText(e rbac.Entity) string {
	if e == nil {
		return ""
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// historyPage reads the newest page of change sets that match hq and are
// older than before (0: the newest). Revisions have no gaps, so it reads a
// window of recent revisions and widens it only when filters leave the
// page short: the first page of a long log (an import touches every
// entity) costs a page's worth, not the whole log. more reports that older
// matching sets may exist.
func (c *console) historyPage(req *request, hq rbac.HistoryQuery, before rbac.Revision) (sets []rbac.ChangeSet, more bool, err error) {
	hi := req.snap.Revision()
	if before > 0 && before-1 < hi {
		hi = before - 1
	}
	ad := c.authz.Admin(req.rights.actor)
	for window := rbac.Revision(c.opts.PageSize); ; window *= 4 {
		lo := rbac.Revision(0)
		if hi > window {
			lo = hi - window
		}
		q := hq
		q.After = lo
		got, err := ad.History(req.r.Context(), q)
		if err != nil {
			return nil, false, err
		}
		sets = sets[:0]
		for i := len(got) - 1; i >= 0; i-- { // newest first
			if got[i].Revision <= hi {
				sets = append(sets, got[i])
			}
		}
		if len(sets) > c.opts.PageSize {
			return sets[:c.opts.PageSize], true, nil
		}
		if lo == 0 {
			return sets, false, nil
		}
		if len(sets) == c.opts.PageSize {
			return sets, true, nil
		}
	}
}
