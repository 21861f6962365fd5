package adminui

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// Break-glass: the elevations page offers each declared elevation whose
// Invoke permission the actor holds, with a reason (required) and a
// duration (at most the elevation's MaxDuration), and ends a running one
// early; audit readers see every use, open and closed, with reasons. The
// console only asks: Admin.Elevate and Admin.EndElevation judge.

type elevationsView struct {
	Offered []elevationOffer
	Records []elevationRecord // for audit readers; nil otherwise
	Audit   bool
	Reason  string // the reason and duration sent, kept after an error
	For     string // the elevation they were sent for
	Dur     string
}

// elevationOffer is one elevation the actor may invoke, and until when it
// runs for the actor ("" when it does not).
type elevationOffer struct {
	rbac.Elevation
	RunningUntil string
}

type elevationRecord struct {
	rbac.ElevationRecord
	From, Until, Ended string
	Open               bool
}

// invocable lists the declared elevations the actor holds the Invoke
// permission of, in id order.
func (req *request) invocable() []rbac.Elevation {
	p, _ := req.c.authz.Policy()
	var out []rbac.Elevation
	for _, e := range p.Elevations {
		d := req.snap.Check(rbac.Request{User: req.rights.actor, Principal: req.rights.principal, Permission: e.Invoke})
		if d.Allowed {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b rbac.Elevation) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// mayElevate: an actor with no administration rights may still open the
// elevations page if it may invoke one.
func (req *request) mayElevate() bool { return len(req.invocable()) > 0 }

func (c *console) elevations(req *request) error {
	return c.renderElevations(req, http.StatusOK, elevationsView{}, "")
}

func (c *console) renderElevations(req *request, status int, v elevationsView, errMsg string) error {
	offered := req.invocable()
	now := c.now()
	var mine []rbac.TimedAssignment
	if u, ok := req.snap.User(req.rights.actor); ok {
		mine = u.Temporary
	}
	for _, e := range offered {
		o := elevationOffer{Elevation: e}
		for _, t := range mine {
			if t.Role != "" && slices.Contains(e.Roles, t.Role) && t.HeldAt(now) {
				o.RunningUntil = timeText(t.Until)
			}
		}
		v.Offered = append(v.Offered, o)
	}
	if req.rights.Audit {
		v.Audit = true
		recs, err := req.admin().Elevations(req.r.Context())
		if err != nil {
			return err
		}
		for i := len(recs) - 1; i >= 0; i-- { // newest first
			r := recs[i]
			v.Records = append(v.Records, elevationRecord{ElevationRecord: r, From: timeText(r.From), Until: timeText(r.Until), Ended: timeText(r.EndedTime), Open: r.Open(now)})
		}
	}
	if errMsg == "" {
		return c.render(req, status, "elevations", "Break-glass access", "elevations", v)
	}
	vw := view{Console: c.opts.Title, Banner: c.opts.Banner, Title: "Break-glass access", Nav: "elevations", Actor: req.rights.actor, Rights: req.rights, CSRF: req.csrf, Error: errMsg, Data: v}
	req.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	req.w.WriteHeader(status)
	return c.pages["elevations"].Execute(req.w, vw)
}

// elevate invokes (op "start") or ends early (op "end") an elevation.
func (c *console) elevate(req *request) error {
	form := req.r.PostForm
	id, reason := form.Get("id"), strings.TrimSpace(form.Get("reason"))
	v := elevationsView{For: id, Reason: reason, Dur: strings.TrimSpace(form.Get("duration"))}
	if !slices.ContainsFunc(req.invocable(), func(e rbac.Elevation) bool { return e.ID == id }) {
		return errForbidden
	}
	if reason == "" {
		return c.renderElevations(req, http.StatusBadRequest, v, "Give a reason: say why you need this access.")
	}
	var err error
	switch form.Get("op") {
	case "start":
		d, perr := time.ParseDuration(v.Dur)
		if perr != nil || d <= 0 {
			return c.renderElevations(req, http.StatusBadRequest, v, "Give the duration as hours and minutes, for example 1h or 30m.")
		}
		_, err = req.admin().Elevate(req.r.Context(), reason, id, d)
	case "end":
		_, err = req.admin().EndElevation(req.r.Context(), reason, id)
	default:
		return badRequest("The form asked for a change the console does not know.")
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, rbac.ErrForbidden) {
			status = http.StatusForbidden
		}
		return c.renderElevations(req, status, v, err.Error())
	}
	req.seeOther("elevations")
	return nil
}
