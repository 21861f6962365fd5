package naive

import (
	"time"

	"github.com/rolegraph/rbac"
)

// EvaluateAt decides req at the instant at: a timed assignment whose
// window holds at (From ≤ at < Until, a zero bound being none) counts as a
// direct role or a group membership, any other not at all. A principal's
// timed assignments are checked as a stored user's are validated: each
// names exactly one known role or group open to its account type, with a
// window, and static constraints count every one of them, whatever its
// window.
func EvaluateAt(p *rbac.Policy, req rbac.Request, at time.Time) rbac.Decision {
	q := *p
	q.Users = make([]rbac.User, len(p.Users))
	for i, u := range p.Users {
		q.Users[i] = foldTimed(u, at, false)
	}
	if req.Principal == nil {
		return Evaluate(&q, req)
	}
	whole := *req.Principal
	now := foldTimed(whole, at, false)
	req.Principal = &now
	d := Evaluate(&q, req)
	if d.Reason == rbac.ReasonInvalidRequest {
		return d // the request itself is invalid, whatever the principal
	}
	for _, t := range whole.Temporary {
		if (t.Role == "") == (t.Group == "") || (t.From.IsZero() && t.Until.IsZero()) ||
			(!t.From.IsZero() && !t.Until.IsZero() && !t.From.Before(t.Until)) {
			return rbac.Decision{Reason: rbac.ReasonInvalidRequest}
		}
	}
	all := foldTimed(whole, at, true)
	if r := principalProblem(p, &all); r != "" {
		return rbac.Decision{Reason: r}
	}
	return d
}

// foldTimed returns u with its timed assignments held at at (or every one
// of them, if all) added to its roles and groups.
func foldTimed(u rbac.User, at time.Time, all bool) rbac.User {
	u = u.Clone()
	for _, t := range u.Temporary {
		held := (t.From.IsZero() || !at.Before(t.From)) && (t.Until.IsZero() || at.Before(t.Until))
		if !held && !all {
			continue
		}
		if t.Role != "" {
			u.Roles = append(u.Roles, t.Role)
		}
		if t.Group != "" {
			u.Groups = append(u.Groups, t.Group)
		}
	}
	u.Temporary = nil
	return u
}
