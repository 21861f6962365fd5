package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rolegraph/rbac"
)

func runDiff(e *env, args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "output `format`: text, markdown (a pull-request comment) or json")
	files, err := parse(e, fs, args, 2, 2, "[-format text|markdown|json] OLD NEW | FILE DSN")
	if err != nil {
		return exitFor(err)
	}
	if !oneOf(e, fs, "format", *format, "text", "markdown", "json") {
		return ExitUsage
	}
	// A store is the state as it is and a file what it would become: FILE
	// DSN (or DSN FILE) is what importing the file would change, the
	// store's drift from the file.
	if !isDSN(files[0]) && isDSN(files[1]) {
		files[0], files[1] = files[1], files[0]
	}
	drift := isDSN(files[0]) && !isDSN(files[1])
	var ps [2]*rbac.Policy
	names := [2]string{files[0], files[1]}
	for i, f := range files {
		if isDSN(f) {
			var rev rbac.Revision
			if ps[i], rev, err = loadStore(f); err != nil {
				return e.fail("diff", err)
			}
			names[i] = fmt.Sprintf("%s@%d", Redact(f), rev)
			continue
		}
		if ps[i], err = rbac.LoadPolicyFiles(list(f)...); err != nil {
			return e.fail("diff", err)
		}
	}
	if drift {
		// Import writes only the sections the file manages.
		ps[1] = ps[1].AppliedTo(ps[0])
	}
	d, err := rbac.DiffPolicies(ps[0], ps[1])
	if err != nil {
		return e.fail("diff", err)
	}
	writeDiff(e.stdout, *format, names[0], names[1], d)
	if len(d.Sensitive) > 0 {
		return ExitSensitive
	}
	return ExitOK
}

// isDSN reports whether a diff argument names a store rather than files.
func isDSN(arg string) bool {
	for _, prefix := range []string{"sqlite:", "postgres://", "postgresql://", "mysql://"} {
		if strings.HasPrefix(arg, prefix) {
			return true
		}
	}
	return false
}

// loadStore reads the whole policy of the store a DSN names, without
// creating, migrating or writing anything.
func loadStore(dsn string) (*rbac.Policy, rbac.Revision, error) {
	ctx := context.Background()
	s, done, err := openStore(ctx, dsn, false)
	if err != nil {
		return nil, 0, err
	}
	defer done()
	p, rev, err := s.Load(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v", Redact(dsn), err)
	}
	return p, rev, nil
}

// jsonDiff is diff's JSON: stable lower-case keys.
type jsonDiff struct {
	Conferrers []jsonConferrer `json:"conferrers"`
	Users      []jsonUser      `json:"users"`
	Sensitive  []jsonSensitive `json:"sensitive"`
}

// jsonConferrer is a role, group or account type and what it confers,
// gained and lost.
type jsonConferrer struct {
	Kind   string   `json:"kind"` // role, group or account_type
	ID     string   `json:"id"`
	Gained []string `json:"gained,omitempty"`
	Lost   []string `json:"lost,omitempty"`
}

type jsonUser struct {
	User        string   `json:"user"`
	Gained      []string `json:"gained,omitempty"`
	Lost        []string `json:"lost,omitempty"`
	RolesGained []string `json:"roles_gained,omitempty"`
	RolesLost   []string `json:"roles_lost,omitempty"`
}

// jsonSensitive is a sensitive gain by a user or by a role, group or
// account type: exactly one of the first four keys is present.
type jsonSensitive struct {
	User        string `json:"user,omitempty"`
	Role        string `json:"role,omitempty"`
	Group       string `json:"group,omitempty"`
	AccountType string `json:"account_type,omitempty"`
	Gained      string `json:"gained"`
	Permission  string `json:"permission"`
	Warning     string `json:"warning"`
	holder      string // "alice", "role admin": who, for the text forms
}

// byUser merges permission and role changes per user, in user order.
func byUser(d *rbac.PolicyDiff) []jsonUser {
	idx := map[rbac.UserID]int{}
	var out []jsonUser
	at := func(u rbac.UserID) *jsonUser {
		i, ok := idx[u]
		if !ok {
			i = len(out)
			idx[u] = i
			out = append(out, jsonUser{User: string(u)})
		}
		return &out[i]
	}
	for _, ui := range d.Impacts {
		u := at(ui.User)
		u.Gained, u.Lost = grants(ui.Gained), grants(ui.Lost)
	}
	for _, ri := range d.Roles {
		u := at(ri.User)
		u.RolesGained, u.RolesLost = ids(ri.Gained), ids(ri.Lost)
	}
	// Impacts and Roles are each sorted by user; the merge may not be.
	sortUsers(out)
	return out
}

func sortUsers(us []jsonUser) {
	for i := 1; i < len(us); i++ {
		for j := i; j > 0 && us[j].User < us[j-1].User; j-- {
			us[j], us[j-1] = us[j-1], us[j]
		}
	}
}

func grants(sps []rbac.ScopedPermission) []string {
	var out []string
	for _, sp := range sps {
		out = append(out, string(sp.Permission)+"@"+sp.Scope.String())
	}
	return out
}

func ids[T ~string](in []T) []string {
	var out []string
	for _, v := range in {
		out = append(out, string(v))
	}
	return out
}

// conferrers lists what each role, group and account type confers,
// gained and lost, in the diff's order.
func conferrers(d *rbac.PolicyDiff) []jsonConferrer {
	var out []jsonConferrer
	for _, ci := range d.Conferrers {
		kind, id := conferrerKind(ci.Conferrer)
		out = append(out, jsonConferrer{Kind: kind, ID: id, Gained: grants(ci.Gained), Lost: grants(ci.Lost)})
	}
	return out
}

// conferrerKind is a conferrer's kind as the JSON spells it, and its id.
func conferrerKind(c rbac.Conferrer) (kind, id string) {
	switch {
	case c.Role != "":
		return "role", string(c.Role)
	case c.Group != "":
		return "group", string(c.Group)
	}
	return "account_type", string(c.AccountType)
}

func writeDiff(w io.Writer, format, oldName, newName string, d *rbac.PolicyDiff) {
	users := byUser(d)
	confs := conferrers(d)
	var sens []jsonSensitive
	for _, s := range d.Sensitive {
		js := jsonSensitive{User: string(s.User), Role: string(s.Conferrer.Role), Group: string(s.Conferrer.Group), AccountType: string(s.Conferrer.AccountType),
			Gained: string(s.Gained.Permission) + "@" + s.Gained.Scope.String(), Permission: string(s.Permission.Name), Warning: s.Permission.Sensitive, holder: string(s.User)}
		if s.User == "" {
			js.holder = s.Conferrer.String()
		}
		sens = append(sens, js)
	}
	switch format {
	case "json":
		if confs == nil {
			confs = []jsonConferrer{}
		}
		if users == nil {
			users = []jsonUser{}
		}
		if sens == nil {
			sens = []jsonSensitive{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(jsonDiff{Conferrers: confs, Users: users, Sensitive: sens})
	case "markdown":
		fmt.Fprintf(w, "### Access changes: `%s` → `%s`\n\n", oldName, newName)
		if len(users) == 0 && len(confs) == 0 {
			fmt.Fprintln(w, "Nobody gains or loses any permission or role.")
			return
		}
		if len(sens) > 0 {
			fmt.Fprintln(w, "> [!WARNING]")
			for _, s := range sens {
				fmt.Fprintf(w, "> **%s** newly reaches sensitive permission `%s` (%s) through `%s`.\n", s.holder, s.Permission, mdCell(s.Warning), s.Gained)
			}
			fmt.Fprintln(w)
		}
		if len(confs) > 0 {
			fmt.Fprintf(w, "%d roles, groups or account types confer other permissions.\n\n", len(confs))
			fmt.Fprintln(w, "| role, group or account type | gains | loses |")
			fmt.Fprintln(w, "|---|---|---|")
			for _, c := range confs {
				fmt.Fprintf(w, "| %s `%s` | %s | %s |\n", strings.ReplaceAll(c.Kind, "_", " "), mdCell(c.ID), code(c.Gained), code(c.Lost))
			}
			fmt.Fprintln(w)
		}
		if len(users) == 0 {
			fmt.Fprintln(w, "No stored user gains or loses any permission or role.")
			return
		}
		fmt.Fprintf(w, "%d users affected.\n\n", len(users))
		fmt.Fprintln(w, "| user | gains | loses | roles gained | roles lost |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, u := range users {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdCell(u.User), code(u.Gained), code(u.Lost), code(u.RolesGained), code(u.RolesLost))
		}
	default:
		if len(users) == 0 && len(confs) == 0 {
			fmt.Fprintln(w, "no changes: nobody gains or loses any permission or role")
			return
		}
		// Roles, groups and account types first, with their kind (an id
		// has no space, so "role admin" is never a user); then users.
		for _, c := range confs {
			fmt.Fprintf(w, "%s %s\n", strings.ReplaceAll(c.Kind, "_", " "), c.ID)
			for _, g := range c.Gained {
				fmt.Fprintf(w, "  + %s\n", g)
			}
			for _, l := range c.Lost {
				fmt.Fprintf(w, "  - %s\n", l)
			}
		}
		for _, u := range users {
			fmt.Fprintf(w, "%s\n", u.User)
			for _, g := range u.Gained {
				fmt.Fprintf(w, "  + %s\n", g)
			}
			for _, l := range u.Lost {
				fmt.Fprintf(w, "  - %s\n", l)
			}
			for _, r := range u.RolesGained {
				fmt.Fprintf(w, "  + role %s\n", r)
			}
			for _, r := range u.RolesLost {
				fmt.Fprintf(w, "  - role %s\n", r)
			}
		}
		for _, s := range sens {
			fmt.Fprintf(w, "SENSITIVE: %s newly reaches %s (%s) through %s\n", s.holder, s.Permission, s.Warning, s.Gained)
		}
	}
}

func code(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return "`" + strings.Join(items, "`, `") + "`"
}
