package rbac

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Finding is a warning about a policy: something valid that is probably
// not what its authors meant. Validate reports what is wrong; Lint what is
// suspicious.
type Finding struct {
	Where   string     // "file:line" when the policy was loaded from a file
	Kind    EntityKind // the entity concerned
	ID      string     // its key
	Rule    string     // a stable name for the kind of finding, e.g. "empty-role"
	Message string     // what and why, lowercase
}

// String prints the finding as "file:line: kind id: message (rule)".
func (f Finding) String() string {
	var b strings.Builder
	if f.Where != "" {
		b.WriteString(f.Where + ": ")
	}
	if f.Kind != "" {
		fmt.Fprintf(&b, "%s %q: ", f.Kind, f.ID)
	}
	fmt.Fprintf(&b, "%s (%s)", f.Message, f.Rule)
	return b.String()
}

// Lint rules, by the name a Finding carries.
const (
	LintEmptyRole          = "empty-role"                // a role that grants nothing and contains nothing
	LintUnheldRole         = "unheld-role"               // a role no enabled user holds, by any route (not said of an empty role)
	LintUnusedPermission   = "unused-permission"         // a catalogued permission that no grant reaches
	LintDeprecatedGranted  = "deprecated-granted"        // a deprecated permission still granted by name
	LintRedundantGrant     = "redundant-grant"           // a grant already implied through containment
	LintEmptyGroup         = "empty-group"               // a group with no roles or no members
	LintSensitiveWildcard  = "sensitive-wildcard"        // a wildcard grant that reaches a sensitive permission
	LintPlaceholderText    = "placeholder-text"          // a title or description such as "None" or "TBD"
	LintTitleNamesAnother  = "title-names-another"       // a role titled like another role (shifted columns)
	LintOwnershipUndeclare = "ownership-kind-undeclared" // an ownership rule in a policy that declares no kinds
	LintPrincipalsUsers    = "principals-with-users"     // stored users in a policy whose users come from tokens (principals: true)
	LintExpiredAssignment  = "expired-assignment"        // a user's timed assignment whose window has ended
	LintElevationGuarded   = "elevation-guarded"         // an elevation whose invoker also needs a second person (an approval entry names one of its roles)
)

// placeholders are texts that a document or a spreadsheet export leaves
// where nothing was written.
var placeholders = []string{"none", "n/a", "na", "tbd", "todo", "null", "nil", "-", "--", "?", "xxx"}

// Lint returns warnings about p, sorted by position then rule. It works on
// an invalid policy too (DecodePolicy), and never changes p. Findings about
// who holds what consider only the users in p: a policy file without users
// is not told that nobody holds its roles. A policy whose users come from
// tokens (Principals) is expected to hold no users, and is not told who
// holds nothing.
func (p *Policy) Lint() []Finding { return p.LintAt(time.Now()) }

// LintAt is Lint as of the instant now, which decides which timed
// assignments have expired.
func (p *Policy) LintAt(now time.Time) []Finding {
	l := &linter{p: p, now: now}
	l.principals()
	l.expired()
	l.elevations()
	l.roles()
	l.permissions()
	l.groups()
	l.ownership()
	l.texts()
	slices.SortStableFunc(l.out, func(a, b Finding) int {
		if c := comparePositions(a.Where, b.Where); c != 0 {
			return c
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	// An entity defined twice (an error Validate reports) is linted once.
	return slices.Compact(l.out)
}

type linter struct {
	p   *Policy
	now time.Time
	out []Finding
}

// expired reports timed assignments whose window has ended: they grant
// nothing any more, and only hide who holds what from a reader.
func (l *linter) expired() {
	for _, u := range l.p.Users {
		for _, t := range u.Temporary {
			if !t.Expired(l.now) {
				continue
			}
			what := string(t.Role) + string(t.Group)
			l.addAt(EntityUser, string(u.ID), "temporary", what, LintExpiredAssignment,
				"temporary %s ended on %s: it grants nothing; remove it", t, t.Until.Format(time.RFC3339))
		}
	}
}

// elevations warns of break-glass that the judgement of Admin.Elevate
// will hold back: roles reaching a sensitive permission need the invoker
// to hold rbac.sensitive.grant, and roles an approval entry names need a
// second person (Propose), which an emergency may not have.
func (l *linter) elevations() {
	for _, e := range l.p.Elevations {
		for _, a := range l.p.Approvals {
			if slices.ContainsFunc(e.Roles, func(r RoleID) bool { return slices.Contains(a.Roles, r) }) {
				l.add(EntityElevation, e.ID, LintElevationGuarded, "approval %s names one of its roles: invoking it needs a second person to approve (Admin.Propose)", quoteShort(a.Name))
			}
		}
	}
}

func (l *linter) add(kind EntityKind, id, rule, format string, args ...any) {
	l.out = append(l.out, Finding{Where: l.p.Where(kind, id), Kind: kind, ID: id, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) addAt(kind EntityKind, id, field, value, rule, format string, args ...any) {
	l.add(kind, id, rule, format, args...)
	l.out[len(l.out)-1].Where = l.p.whereRef(kind, id, field, value)
}

// grantText is how a grant was most likely written, to find its line.
func (l *linter) grantAt(role RoleID, g Grant) string {
	for _, text := range []string{g.String(), string(g.Permission)} {
		if w, ok := l.p.refs[refPos{entityRef{EntityRole, string(role)}, "grants", text}]; ok {
			return w
		}
	}
	return l.p.Where(EntityRole, string(role))
}

func (l *linter) roles() {
	p := l.p
	byID := make(map[RoleID]Role, len(p.Roles))
	for _, r := range p.Roles {
		if _, dup := byID[r.ID]; !dup {
			byID[r.ID] = r
		}
	}
	for _, r := range p.Roles {
		if len(r.Grants) == 0 && len(r.Contains) == 0 {
			l.add(EntityRole, string(r.ID), LintEmptyRole, "grants nothing and contains nothing")
		}
	}
	// Grants already implied by a contained role, at that scope or wider.
	for _, r := range p.Roles {
		inner := containedBy(byID, r.ID)
		for _, g := range r.Grants {
			for _, c := range inner {
				if k := slices.IndexFunc(byID[c].Grants, func(h Grant) bool { return h.Permission.Matches(g.Permission) && h.Scope.Covers(g.Scope) }); k >= 0 {
					l.add(EntityRole, string(r.ID), LintRedundantGrant, "grant %s is already implied through contained role %q (grant %s)", g, c, byID[c].Grants[k])
					l.out[len(l.out)-1].Where = l.grantAt(r.ID, g)
					break
				}
			}
		}
	}
	// Roles nobody holds: not reachable from any enabled user. Principals
	// from tokens hold roles that no stored user does.
	if len(p.Users) == 0 || p.Principals {
		return
	}
	groups := map[GroupID][]RoleID{}
	for _, g := range p.Groups {
		groups[g.ID] = g.Roles
	}
	defaults := map[AccountType][]RoleID{}
	for _, a := range p.AccountTypes {
		defaults[a.ID] = a.DefaultRoles
	}
	held := map[RoleID]bool{}
	var stack []RoleID
	push := func(rs []RoleID) {
		for _, r := range rs {
			if !held[r] {
				held[r] = true
				stack = append(stack, r)
			}
		}
	}
	for _, u := range p.Users {
		if u.Disabled {
			continue
		}
		push(u.Roles)
		for _, g := range u.Groups {
			push(groups[g])
		}
		push(defaults[u.AccountType])
		for _, t := range u.Temporary { // held for a time, now or later
			if !t.Expired(l.now) {
				push([]RoleID{t.Role})
				push(groups[t.Group])
			}
		}
	}
	for _, e := range p.Elevations { // held by whoever invokes it
		push(e.Roles)
	}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		push(byID[r].Contains)
	}
	for _, r := range p.Roles {
		if !held[r.ID] && (len(r.Grants) > 0 || len(r.Contains) > 0) {
			l.add(EntityRole, string(r.ID), LintUnheldRole, "no enabled user holds it (directly, through a group, an account type's defaults or containment)")
		}
	}
}

// containedBy lists the roles that role id contains, transitively, in
// walk order, without id itself. The walk is iterative and visits each
// role once, so cycles and deep chains are harmless.
func containedBy(byID map[RoleID]Role, id RoleID) []RoleID {
	seen := map[RoleID]bool{id: true}
	var out []RoleID
	stack := slices.Clone(byID[id].Contains)
	for len(stack) > 0 {
		r := stack[0]
		stack = stack[1:]
		if seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
		stack = append(stack, byID[r].Contains...)
	}
	return out
}

func (l *linter) permissions() {
	p := l.p
	if len(p.Permissions) == 0 {
		return
	}
	for _, d := range p.Permissions {
		used := false
		for _, r := range p.Roles {
			for _, g := range r.Grants {
				if g.Permission.Matches(d.Name) {
					used = true
				}
				if g.Permission == d.Name && d.Deprecated != "" {
					l.add(EntityRole, string(r.ID), LintDeprecatedGranted, "grants deprecated permission %s (%s)", d.Name, d.Deprecated)
					l.out[len(l.out)-1].Where = l.grantAt(r.ID, g)
				}
				if g.Permission.IsWildcard() && g.Permission.Matches(d.Name) && d.Sensitive != "" {
					l.add(EntityRole, string(r.ID), LintSensitiveWildcard, "wildcard grant %s reaches sensitive permission %s (%s); grant it by name so that a review sees it", g, d.Name, d.Sensitive)
					l.out[len(l.out)-1].Where = l.grantAt(r.ID, g)
				}
			}
		}
		if !used && d.Deprecated == "" {
			l.add(EntityPermission, string(d.Name), LintUnusedPermission, "no role grants it")
		}
	}
}

// principals warns about users in a policy whose users come from tokens:
// a request's Principal is never looked up among them, so they are most
// likely left over, or the administrators of a service that should say
// principals: false.
func (l *linter) principals() {
	if !l.p.Principals || len(l.p.Users) == 0 {
		return
	}
	first := l.p.Users[0].ID
	l.add(EntityUser, string(first), LintPrincipalsUsers, "the policy says users come from tokens (principals: true), yet it holds %d stored users", len(l.p.Users))
}

func (l *linter) groups() {
	p := l.p
	members := map[GroupID]int{}
	for _, u := range p.Users {
		for _, g := range u.Groups {
			members[g]++
		}
		for _, t := range u.Temporary { // members for a time, now or later
			if t.Group != "" && !t.Expired(l.now) {
				members[t.Group]++
			}
		}
	}
	for _, g := range p.Groups {
		switch {
		case len(g.Roles) == 0:
			l.add(EntityGroup, string(g.ID), LintEmptyGroup, "has no roles: its members get nothing from it")
		case len(p.Users) > 0 && !p.Principals && members[g.ID] == 0:
			l.add(EntityGroup, string(g.ID), LintEmptyGroup, "has no members")
		}
	}
}

// ownership warns about ownership rules in a policy that declares no
// kinds: a request whose Resource.Kind is misspelt then matches no rule and
// is not checked for ownership at all. (Once kinds are declared, a rule for
// an undeclared kind is a validation error and a misspelt kind is
// invalid_request.)
func (l *linter) ownership() {
	if len(l.p.Kinds) > 0 {
		return
	}
	for _, r := range l.p.OwnershipRules {
		l.add(EntityOwnershipRule, r.Kind, LintOwnershipUndeclare,
			"the policy declares no kinds, so a request that misspells %q is not checked for ownership; declare the kinds under kinds:", r.Kind)
	}
}

func isPlaceholder(s string) bool {
	return s != "" && slices.Contains(placeholders, strings.ToLower(strings.TrimSpace(s)))
}

// snake turns a title into the form of an id's last segment:
// "Grant Program Viewer" → "grant_program_viewer".
func snake(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "_")
}

func lastSegment(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (l *linter) texts() {
	p := l.p
	for _, r := range p.Roles {
		l.placeholder(EntityRole, string(r.ID), "title", r.Title)
		l.placeholder(EntityRole, string(r.ID), "description", r.Description)
	}
	for _, d := range p.Permissions {
		l.placeholder(EntityPermission, string(d.Name), "title", d.Title)
		l.placeholder(EntityPermission, string(d.Name), "description", d.Description)
	}
	for _, g := range p.Groups {
		l.placeholder(EntityGroup, string(g.ID), "description", g.Description)
	}
	// A role titled exactly like another role of its namespace: the
	// columns of the source table were probably shifted.
	byName := map[string][]RoleID{} // namespace + "\x00" + last segment → roles
	namespace := func(id RoleID) string {
		if i := strings.LastIndexByte(string(id), '.'); i >= 0 {
			return string(id[:i])
		}
		return ""
	}
	for _, r := range p.Roles {
		k := namespace(r.ID) + "\x00" + lastSegment(string(r.ID))
		if !slices.Contains(byName[k], r.ID) {
			byName[k] = append(byName[k], r.ID)
		}
	}
	for _, r := range p.Roles {
		t := snake(r.Title)
		if t == "" || t == lastSegment(string(r.ID)) {
			continue
		}
		for _, other := range byName[namespace(r.ID)+"\x00"+t] {
			if other != r.ID {
				l.addAt(EntityRole, string(r.ID), "title", r.Title, LintTitleNamesAnother, "title %q names role %q, not this one (shifted columns?)", r.Title, other)
				break
			}
		}
	}
}

func (l *linter) placeholder(kind EntityKind, id, field, text string) {
	if isPlaceholder(text) {
		l.addAt(kind, id, field, text, LintPlaceholderText, "%s is %q, a placeholder; write one or leave it out", field, text)
	}
}

// comparePositions orders "file:line" positions by file, then line
// numerically; unknown positions last.
func comparePositions(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	fa, la := splitPosition(a)
	fb, lb := splitPosition(b)
	if c := cmp.Compare(fa, fb); c != 0 {
		return c
	}
	return cmp.Compare(la, lb)
}

func splitPosition(w string) (string, int) {
	w, _, _ = strings.Cut(w, " and ")
	i := strings.LastIndexByte(w, ':')
	if i < 0 {
		return w, 0
	}
	n := 0
	for _, c := range w[i+1:] {
		if c < '0' || c > '9' {
			return w, 0
		}
		n = n*10 + int(c-'0')
	}
	return w[:i], n
}
