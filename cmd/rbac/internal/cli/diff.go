package cli

import (
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
	files, err := parse(e, fs, args, 2, 2, "[-format text|markdown|json] OLD NEW")
	if err != nil {
		return exitFor(err)
	}
	if !oneOf(e, fs, "format", *format, "text", "markdown", "json") {
		return ExitUsage
	}
	var ps [2]*rbac.Policy
	for i, f := range files {
		if ps[i], err = rbac.LoadPolicyFiles(list(f)...); err != nil {
			return e.fail("diff", err)
		}
	}
	d, err := rbac.DiffPolicies(ps[0], ps[1])
	if err != nil {
		return e.fail("diff", err)
	}
	writeDiff(e.stdout, *format, files[0], files[1], d)
	if len(d.Sensitive) > 0 {
		return ExitSensitive
	}
	return ExitOK
}

// jsonDiff is diff's JSON: stable lower-case keys.
type jsonDiff struct {
	Users     []jsonUser      `json:"users"`
	Sensitive []jsonSensitive `json:"sensitive"`
}

type jsonUser struct {
	User        string   `json:"user"`
	Gained      []string `json:"gained,omitempty"`
	Lost        []string `json:"lost,omitempty"`
	RolesGained []string `json:"roles_gained,omitempty"`
	RolesLost   []string `json:"roles_lost,omitempty"`
}

type jsonSensitive struct {
	User       string `json:"user"`
	Gained     string `json:"gained"`
	Permission string `json:"permission"`
	Warning    string `json:"warning"`
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

func writeDiff(w io.Writer, format, oldName, newName string, d *rbac.PolicyDiff) {
	users := byUser(d)
	var sens []jsonSensitive
	for _, s := range d.Sensitive {
		sens = append(sens, jsonSensitive{User: string(s.User), Gained: string(s.Gained.Permission) + "@" + s.Gained.Scope.String(), Permission: string(s.Permission.Name), Warning: s.Permission.Sensitive})
	}
	switch format {
	case "json":
		if users == nil {
			users = []jsonUser{}
		}
		if sens == nil {
			sens = []jsonSensitive{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(jsonDiff{Users: users, Sensitive: sens})
	case "markdown":
		fmt.Fprintf(w, "### Access changes: `%s` → `%s`\n\n", oldName, newName)
		if len(users) == 0 {
			fmt.Fprintln(w, "Nobody gains or loses any permission or role.")
			return
		}
		if len(sens) > 0 {
			fmt.Fprintln(w, "> [!WARNING]")
			for _, s := range sens {
				fmt.Fprintf(w, "> **%s** newly reaches sensitive permission `%s` (%s) through `%s`.\n", s.User, s.Permission, mdCell(s.Warning), s.Gained)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%d users affected.\n\n", len(users))
		fmt.Fprintln(w, "| user | gains | loses | roles gained | roles lost |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, u := range users {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", mdCell(u.User), code(u.Gained), code(u.Lost), code(u.RolesGained), code(u.RolesLost))
		}
	default:
		if len(users) == 0 {
			fmt.Fprintln(w, "no changes: nobody gains or loses any permission or role")
			return
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
			fmt.Fprintf(w, "SENSITIVE: %s newly reaches %s (%s) through %s\n", s.User, s.Permission, s.Warning, s.Gained)
		}
	}
}

func code(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return "`" + strings.Join(items, "`, `") + "`"
}
