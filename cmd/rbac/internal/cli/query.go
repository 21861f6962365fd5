package cli

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/rolegraph/rbac"
)

func runCheck(e *env, args []string) int   { return decide(e, "check", args) }
func runExplain(e *env, args []string) int { return decide(e, "explain", args) }

// decide is check and explain: exit 0 when allowed, 1 when denied, so that
// a script can branch on it.
func decide(e *env, name string, args []string) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var src source
	var r request
	src.flags(fs)
	r.flags(fs, true)
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN -user ID -permission P [-kind K -id ID -owners ... -assignees ... -workgroups ... -inactive] [-active-roles R,...]"); err != nil {
		return exitFor(err)
	}
	if !src.check(e, fs) {
		return ExitUsage
	}
	req, err := r.build()
	if err != nil || r.user == "" {
		if err == nil {
			err = fmt.Errorf("-user is required")
		}
		fmt.Fprintf(e.stderr, "rbac %s: %v\n", name, err)
		return ExitUsage
	}
	a, _, done, err := src.open(context.Background())
	if err != nil {
		return e.fail(name, err)
	}
	defer done()
	snap := a.Snapshot()
	var d rbac.Decision
	if name == "explain" {
		d = snap.Explain(req)
	} else {
		d = snap.Check(req)
	}
	fmt.Fprintln(e.stdout, d)
	if !d.Allowed {
		// A typo should not pass for a plain denial: say what names
		// nothing the model knows, with the nearest known name, on stderr
		// (explain's path says some of it already).
		for _, hint := range misspelt(snap, req, d, name == "explain") {
			fmt.Fprintf(e.stderr, "rbac %s: %s\n", name, hint)
		}
		return ExitFindings
	}
	return ExitOK
}

// misspelt says what in a denied request names nothing the model knows,
// with the nearest known name; explained leaves out what a decision's
// path says.
func misspelt(snap *rbac.Snapshot, req rbac.Request, d rbac.Decision, explained bool) []string {
	var out []string
	_, unknown := snap.Permission(req.Permission)
	// The path of invalid_request names an uncatalogued permission.
	if unknown != nil && !(explained && d.Reason == rbac.ReasonInvalidRequest) {
		out = append(out, unknown.Error())
	}
	// An unknown user, an undeclared kind: a request the model cannot
	// judge is explained by its misses.
	if !explained && (d.Reason == rbac.ReasonUnknownUser || d.Reason == rbac.ReasonInvalidRequest && unknown == nil) {
		for _, step := range snap.Explain(req).Path {
			if step.Kind == rbac.StepMiss {
				out = append(out, step.Detail)
			}
		}
	}
	return out
}

func runWhoCan(e *env, args []string) int {
	fs := flag.NewFlagSet("who-can", flag.ContinueOnError)
	var src source
	src.flags(fs)
	src.atFlag(fs)
	perm := fs.String("permission", "", "the `PERMISSION`")
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN -permission P [-at TIME]"); err != nil {
		return exitFor(err)
	}
	if !src.check(e, fs) {
		return ExitUsage
	}
	if *perm == "" {
		fmt.Fprintln(e.stderr, "rbac who-can: -permission is required")
		return ExitUsage
	}
	a, _, done, err := src.open(context.Background())
	if err != nil {
		return e.fail("who-can", err)
	}
	defer done()
	snap, err := src.snapshot(context.Background(), a)
	if err != nil {
		return e.fail("who-can", err)
	}
	p := rbac.Permission(*perm)
	// A misspelt permission is an error, not "nobody": exit 1 like a
	// denied check, since the command line itself is well formed.
	if _, err := snap.Permission(p); err != nil {
		return e.fail("who-can", err)
	}
	// Roles, groups and account types first (all there is to see where
	// users come from tokens), then the stored users: kind, id, scope,
	// and through what, separated by tabs.
	reach := snap.Reach(p)
	for _, r := range reach {
		kind, id := conferrerKind(r.Conferrer)
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", kind, id, r.Scope, through(r))
	}
	holders := snap.UsersWith(p)
	for _, h := range holders {
		fmt.Fprintf(e.stdout, "user\t%s\t%s\n", h.User, h.Scope)
	}
	switch {
	case len(reach) == 0 && len(holders) == 0:
		fmt.Fprintf(e.stderr, "nothing confers %s and nobody holds it\n", p)
	case len(holders) == 0:
		fmt.Fprintf(e.stderr, "no stored user holds %s\n", p)
	}
	return ExitOK
}

// through says how a role, group or account type reaches a permission:
// "grant case.read@mine" (a wildcard shows as one), "contains clerk",
// "role lead", "default role clerk".
func through(r rbac.Reach) string {
	switch {
	case r.Via == "":
		return "grant " + r.Grant.String()
	case r.Conferrer.Role != "":
		return "contains " + string(r.Via)
	case r.Conferrer.Group != "":
		return "role " + string(r.Via)
	}
	return "default role " + string(r.Via)
}

func runReview(e *env, args []string) int {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	var src source
	src.flags(fs)
	src.atFlag(fs)
	format := fs.String("format", "", "output `format`: table, csv or markdown (default: table on a terminal, csv otherwise)")
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN [-format table|csv|markdown] [-at TIME]"); err != nil {
		return exitFor(err)
	}
	if *format == "" {
		*format = "csv" // for a pipe or a file: a spreadsheet or a script reads it
		if isTerminal(e.stdout) {
			*format = "table"
		}
	}
	if !src.check(e, fs) || !oneOf(e, fs, "format", *format, "table", "csv", "markdown") {
		return ExitUsage
	}
	a, _, done, err := src.open(context.Background())
	if err != nil {
		return e.fail("review", err)
	}
	defer done()
	snap, err := src.snapshot(context.Background(), a)
	if err != nil {
		return e.fail("review", err)
	}
	items := snap.AccessReview()
	if *format == "table" {
		writeReviewTable(e.stdout, items)
		return ExitOK
	}
	if *format == "csv" {
		// One row per role, group or account type that confers the
		// permission (kind, id, scope, through what), then one per stored
		// user who holds it (kind user); one row with no holder when
		// there is none.
		w := csv.NewWriter(e.stdout)
		w.Write([]string{"permission", "title", "status", "note", "kind", "holder", "scope", "through"})
		for _, it := range items {
			status, note := reviewStatus(it.Permission)
			row := []string{string(it.Permission.Name), it.Permission.Title, status, note}
			if len(it.Reach) == 0 && len(it.Holders) == 0 {
				w.Write(append(row, "", "", "", ""))
			}
			for _, r := range it.Reach {
				kind, id := conferrerKind(r.Conferrer)
				w.Write(append(row[:4:4], kind, id, r.Scope.String(), through(r)))
			}
			for _, h := range it.Holders {
				w.Write(append(row[:4:4], "user", string(h.User), h.Scope.String(), ""))
			}
		}
		w.Flush()
		return ExitOK
	}
	fmt.Fprintln(e.stdout, "# Access review")
	fmt.Fprintln(e.stdout)
	if len(items) == 0 {
		fmt.Fprintln(e.stdout, "The policy has no sensitive or deprecated permission.")
		return ExitOK
	}
	fmt.Fprintln(e.stdout, "| permission | status | note | conferred by | holders |")
	fmt.Fprintln(e.stdout, "|---|---|---|---|---|")
	for _, it := range items {
		status, note := reviewStatus(it.Permission)
		var rs []string
		for _, r := range it.Reach {
			rs = append(rs, fmt.Sprintf("%s (%s)", r.Conferrer, through(r)))
		}
		conferred := strings.Join(rs, ", ")
		if conferred == "" {
			conferred = "nothing"
		}
		var hs []string
		for _, h := range it.Holders {
			hs = append(hs, fmt.Sprintf("%s (%s)", h.User, h.Scope))
		}
		holders := strings.Join(hs, ", ")
		if holders == "" {
			holders = "nobody"
		}
		fmt.Fprintf(e.stdout, "| `%s` | %s | %s | %s | %s |\n", it.Permission.Name, status, mdCell(note), mdCell(conferred), mdCell(holders))
	}
	return ExitOK
}

func reviewStatus(d rbac.PermissionDef) (status, note string) {
	var s, n []string
	if d.Sensitive != "" {
		s, n = append(s, "sensitive"), append(n, d.Sensitive)
	}
	if d.Deprecated != "" {
		s, n = append(s, "deprecated"), append(n, d.Deprecated)
	}
	return strings.Join(s, ", "), strings.Join(n, "; ")
}

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeReviewTable prints the review for a person at a terminal: one line
// per holder, aligned, "nobody" where a permission has no holder.
func writeReviewTable(w io.Writer, items []rbac.ReviewItem) {
	if len(items) == 0 {
		fmt.Fprintln(w, "The policy has no sensitive or deprecated permission.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// The roles, groups and account types that confer each permission
	// (through what), then the stored users who hold it.
	fmt.Fprintln(tw, "PERMISSION\tSTATUS\tHOLDER\tSCOPE\tTHROUGH\tNOTE")
	for _, it := range items {
		status, note := reviewStatus(it.Permission)
		if len(it.Reach) == 0 && len(it.Holders) == 0 {
			fmt.Fprintf(tw, "%s\t%s\tnobody\t\t\t%s\n", it.Permission.Name, status, note)
		}
		for _, r := range it.Reach {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Permission.Name, status, r.Conferrer, r.Scope, through(r), note)
		}
		for _, h := range it.Holders {
			fmt.Fprintf(tw, "%s\t%s\tuser %s\t%s\t\t%s\n", it.Permission.Name, status, h.User, h.Scope, note)
		}
	}
	tw.Flush()
}

// isTerminal reports whether w is a character device (a terminal), without
// a dependency for it.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
