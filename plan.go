package rbac

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// PlanRequest asks which records of one kind a user may use a permission
// on: the question behind a list ("my cases", "my team's evaluations").
type PlanRequest struct {
	User UserID
	// Principal, when set, is the user as a token's claims describe it,
	// as in Request.Principal: User is ignored, the claims are checked
	// against the snapshot (an unknown id gives a none plan with
	// invalid_request).
	Principal *User
	// ActiveRoles are the roles the user acts in, as in Request: nil means
	// every authorized role.
	ActiveRoles []RoleID
	Permission  Permission
	// Kind is the kind of the records listed (Resource.Kind); it decides
	// which ownership rule applies.
	Kind string
	// AtLeast is the revision the plan must see, as in Request; only
	// Authorizer.Plan waits for it.
	AtLeast Revision
}

// PlanKind says what a Plan admits.
type PlanKind uint8

const (
	// PlanNone admits no record; Plan.Reason says why, as Check would.
	PlanNone PlanKind = iota
	// PlanAll admits every record of the kind, active or not.
	PlanAll
	// PlanFilter admits the records that pass its conditions (see Plan).
	PlanFilter
)

func (k PlanKind) String() string {
	switch k {
	case PlanNone:
		return "none"
	case PlanAll:
		return "all"
	case PlanFilter:
		return "filter"
	}
	return "plankind(" + strconv.Itoa(int(k)) + ")"
}

// Plan is the answer to a PlanRequest: which records of the kind the
// request reaches. For every resource r of that kind,
//
//	plan.Allows(r) == snap.Check(Request{User, ActiveRoles, Permission, Resource: &r}).Allowed
//
// A filter plan admits the records that are
//
//	(inactive allowed, or active)
//	and (every record in scope, or assigned to the user, or in one of the
//	     user's workgroups or their descendants)
//	and (no owner needed, or owned by the user's org: Resource.Owners, or
//	     the stored Ownership when Owners is nil)
//
// and its accessors describe each part, for translating it into a query
// (package sqlfilter does so for SQL). A Plan is an immutable value tied to
// the snapshot that made it; it is safe for concurrent use.
type Plan struct {
	snap    *Snapshot
	user    *userRec
	rule    *ownershipRule // set when records must be owned by the user's org
	kind    PlanKind
	reason  Reason
	resKind string
	eff     uint8 // scopes at which the permission is effective
}

// Plan decides which records of req.Kind the request reaches, with the
// semantics of Check: active roles, dynamic separation of duty,
// prerequisites and wildcards are resolved once, here; scopes and
// ownership become the plan's conditions. It does not allocate.
//
// A none plan carries the reason Check gives every record: invalid_request,
// unknown_user, disabled, role_not_held, separation_of_duty, no_grant,
// missing_prerequisite; out_of_scope when the held scopes can reach no
// record (workgroup scope without workgroups); not_owner when the kind has
// an ownership rule, the user has no org and does not hold the bypass (for
// records outside the held scopes Check says out_of_scope).
func (s *Snapshot) Plan(req PlanRequest) Plan {
	p := Plan{snap: s, resKind: req.Kind}
	if s == nil || !validCheckedPermission(req.Permission) {
		return p.none(ReasonInvalidRequest)
	}
	if s.roles.kinds != nil {
		if _, ok := s.roles.kinds[req.Kind]; !ok {
			return p.none(ReasonInvalidRequest) // an undeclared kind, as Check says
		}
	}
	if req.ActiveRoles != nil && s.roles.uncatalogued(req.Permission) {
		return p.none(ReasonInvalidRequest)
	}
	u, reason := s.planUser(req)
	if u == nil {
		return p.none(reason)
	}
	p.user = u
	ev := evaluation{sod: -1}
	if reason := s.grantScopes(u, req.ActiveRoles, req.Permission, &ev); reason != ReasonGranted {
		return p.none(reason)
	}
	p.eff = ev.eff
	if !p.unrestricted() && p.eff&scopeBit(ScopeMine) == 0 && (p.eff&scopeBit(ScopeWorkgroup) == 0 || len(u.wgs) == 0) {
		return p.none(ReasonOutOfScope)
	}
	if rule, ok := s.rules[req.Kind]; ok && !s.bypasses(u.prof, &Request{ActiveRoles: req.ActiveRoles}, rule) {
		if u.user.Org == "" {
			return p.none(ReasonNotOwner)
		}
		p.rule = rule
	}
	p.kind, p.reason = PlanFilter, ReasonGranted
	if p.eff&scopeBit(ScopeAll) != 0 && p.rule == nil {
		p.kind = PlanAll
	}
	return p
}

// Plan is Snapshot.Plan on a snapshot at req.AtLeast or later (waiting
// for it as Check does), and it passes the decision to the decision logs
// (WithDecisionLog): a list is logged as a Request with the plan's user,
// principal, active roles and permission, whose Resource has only the
// Kind, and a Decision allowed unless the plan is none, with the plan's
// reason. Logging a list allocates the request's Resource; without a
// decision log Plan allocates what Snapshot.Plan does.
func (a *Authorizer) Plan(ctx context.Context, req PlanRequest) (Plan, error) {
	s, err := a.atLeast(ctx, "plan", req.AtLeast)
	if err != nil {
		return Plan{}, err
	}
	p := s.Plan(req)
	if len(a.opts.obs.decisions) > 0 {
		d := Decision{Allowed: p.Kind() != PlanNone, Reason: p.Reason()}
		a.decided(ctx, Request{User: req.User, Principal: req.Principal, ActiveRoles: req.ActiveRoles, Permission: req.Permission,
			Resource: &Resource{Kind: req.Kind}, AtLeast: req.AtLeast}, d)
	}
	return p, nil
}

// planUser finds the user a plan is for, or the reason Check would give
// every record. A principal's record is built once for the plan (the one
// allocation of a principal's plan).
func (s *Snapshot) planUser(req PlanRequest) (*userRec, Reason) {
	deny := func(r Reason) (*userRec, Reason) {
		if s.roles.uncatalogued(req.Permission) {
			r = ReasonInvalidRequest
		}
		return nil, r
	}
	if req.Principal != nil {
		rec, reason, _ := s.principalRecord(req.Principal)
		if rec == nil {
			return deny(reason)
		}
		if rec.user.Disabled {
			return deny(ReasonDisabled)
		}
		return rec, ReasonGranted
	}
	u, ok := s.users.Get(string(req.User))
	if !ok || u == nil {
		return deny(ReasonUnknownUser)
	}
	if u.user.Disabled {
		return deny(ReasonDisabled)
	}
	if u.timed != nil {
		// The plan keeps its user: a record holding the plan's instant's
		// profile (the one allocation of such a user's plan).
		r := *u
		r.prof = s.timedAt(u.timed)
		return &r, ReasonGranted
	}
	return u, ReasonGranted
}

func (p Plan) none(r Reason) Plan {
	p.kind, p.reason, p.user, p.rule, p.eff = PlanNone, r, nil, nil, 0
	return p
}

// unrestricted: every active record is in scope (global or all held).
func (p Plan) unrestricted() bool {
	return p.eff&(scopeBit(ScopeGlobal)|scopeBit(ScopeAll)) != 0
}

// Allows reports whether the plan admits r: exactly what Check decides for
// the plan's request on r. A resource of another kind than the plan's is
// not admitted. Allows does not allocate.
func (p Plan) Allows(r Resource) bool {
	switch {
	case p.kind == PlanNone || r.Kind != p.resKind:
		return false
	case p.kind == PlanAll:
		return true
	}
	if p.eff&p.snap.covering(p.user, &r, p.eff) == 0 {
		return false
	}
	return p.rule == nil || p.snap.owns(p.user, &r)
}

// Kind says whether the plan admits no record, every record, or a filtered
// set.
func (p Plan) Kind() PlanKind { return p.kind }

// Reason is why a none plan admits nothing (as Check would say);
// ReasonGranted for the other kinds.
func (p Plan) Reason() Reason { return p.reason }

// ResourceKind is the kind of record the plan is for (PlanRequest.Kind).
func (p Plan) ResourceKind() string { return p.resKind }

// User is the user the plan is for; "" for a none plan.
func (p Plan) User() UserID {
	if p.user == nil {
		return ""
	}
	return p.user.user.ID
}

// IncludesInactive reports whether inactive records may pass (the
// permission is held at scope all). When false, only active records pass.
func (p Plan) IncludesInactive() bool {
	return p.kind == PlanAll || p.eff&scopeBit(ScopeAll) != 0
}

// AnyInScope reports whether scope admits every record the status
// condition lets through (global or all held), so that assignees and
// workgroups do not matter.
func (p Plan) AnyInScope() bool {
	return p.kind == PlanAll || p.kind == PlanFilter && p.unrestricted()
}

// Assignee returns the user whose assigned records are in scope (mine
// held), and false when assignment does not matter or admits nothing.
func (p Plan) Assignee() (UserID, bool) {
	if p.kind != PlanFilter || p.unrestricted() || p.eff&scopeBit(ScopeMine) == 0 {
		return "", false
	}
	return p.user.user.ID, true
}

// Workgroups returns the workgroups whose records are in scope: the user's
// workgroups and all their descendants, sorted, each once. It is nil when
// workgroups do not matter (scope is wider, or workgroup scope is not
// held). It allocates the list; the plan itself only keeps the user's
// own workgroups.
func (p Plan) Workgroups() []WorkgroupID {
	if !p.byWorkgroup() {
		return nil
	}
	wt := p.snap.wgs
	type run struct{ from, to int } // a run of wt.byPre: a subtree
	runs := make([]run, 0, len(p.user.wgs))
	for _, w := range p.user.wgs {
		if wt.pre[w] < 0 {
			continue // on a parent cycle, which validation rejects
		}
		from := sort.Search(len(wt.byPre), func(i int) bool { return wt.pre[wt.byPre[i]] >= wt.pre[w] })
		to := sort.Search(len(wt.byPre), func(i int) bool { return wt.pre[wt.byPre[i]] >= wt.post[w] })
		runs = append(runs, run{from, to})
	}
	slices.SortFunc(runs, func(a, b run) int { return a.from - b.from })
	var out []WorkgroupID
	end := 0
	for _, r := range runs {
		for i := max(r.from, end); i < r.to; i++ {
			out = append(out, wt.ids[wt.byPre[i]])
		}
		end = max(end, r.to)
	}
	slices.Sort(out)
	return out
}

// byWorkgroup: the plan's scope counts the user's workgroups.
func (p Plan) byWorkgroup() bool {
	return p.kind == PlanFilter && !p.unrestricted() && p.eff&scopeBit(ScopeWorkgroup) != 0 && len(p.user.wgs) > 0
}

// Owner returns the org that must own a record (its Resource.Owners, or
// the stored Ownership when Owners is nil), and false when ownership does
// not matter: no ownership rule for the kind, or the bypass is held.
func (p Plan) Owner() (OrgSlug, bool) {
	if p.rule == nil {
		return "", false
	}
	return p.user.user.Org, true
}

// StoredOwned returns the ids of the records of the plan's kind whose
// stored Ownership includes the plan's Owner, sorted: what the owner
// condition admits among records described with nil Owners. It is nil
// when ownership does not matter. It visits every stored ownership of the
// kind.
func (p Plan) StoredOwned() []string {
	org, ok := p.Owner()
	if !ok {
		return nil
	}
	var out []string
	p.rule.owners.Range(func(id string, owners []OrgSlug) bool {
		if slices.Contains(owners, org) {
			out = append(out, id)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// String describes the plan on one line, for logs and tests.
func (p Plan) String() string {
	switch p.kind {
	case PlanNone:
		return "none (" + string(p.reason) + ")"
	case PlanAll:
		return "all " + p.resKind
	}
	var b strings.Builder
	b.WriteString(p.resKind)
	b.WriteString(" records that are ")
	var parts []string
	if !p.IncludesInactive() {
		parts = append(parts, "active")
	}
	if !p.AnyInScope() {
		var or []string
		if u, ok := p.Assignee(); ok {
			or = append(or, "assigned to "+string(u))
		}
		if p.byWorkgroup() {
			ws := p.Workgroups()
			or = append(or, "in workgroup "+strings.Join(strs(ws), ", "))
		}
		parts = append(parts, "("+strings.Join(or, " or ")+")")
	}
	if org, ok := p.Owner(); ok {
		parts = append(parts, "owned by "+string(org))
	}
	if len(parts) == 0 {
		parts = append(parts, "any")
	}
	b.WriteString(strings.Join(parts, " and "))
	return b.String()
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// PermissionsOn returns the candidates that req.User may use on
// req.Resource, in the order given: the buttons a page shows for one
// record. req.Permission is ignored; each candidate is decided exactly as
// Check decides it (a nil Resource asks for the capability). It allocates
// only the result, once, and nothing when no candidate is allowed.
func (s *Snapshot) PermissionsOn(req Request, candidates []Permission) []Permission {
	return s.AppendPermissionsOn(nil, req, candidates)
}

// AppendPermissionsOn is PermissionsOn appending to dst, so that a caller
// rendering many records can reuse one slice and allocate nothing.
func (s *Snapshot) AppendPermissionsOn(dst []Permission, req Request, candidates []Permission) []Permission {
	for _, c := range candidates {
		req.Permission = c
		var ev evaluation
		if s.evaluate(&req, &ev).allowed {
			if cap(dst) == 0 {
				dst = make([]Permission, 0, len(candidates))
			}
			dst = append(dst, c)
		}
	}
	return dst
}
