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
	var d rbac.Decision
	if name == "explain" {
		d = a.Snapshot().Explain(req)
	} else {
		d = a.Snapshot().Check(req)
	}
	fmt.Fprintln(e.stdout, d)
	if !d.Allowed {
		return ExitFindings
	}
	return ExitOK
}

func runWhoCan(e *env, args []string) int {
	fs := flag.NewFlagSet("who-can", flag.ContinueOnError)
	var src source
	src.flags(fs)
	perm := fs.String("permission", "", "the `PERMISSION`")
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN -permission P"); err != nil {
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
	holders := a.Snapshot().UsersWith(rbac.Permission(*perm))
	for _, h := range holders {
		fmt.Fprintf(e.stdout, "%s\t%s\n", h.User, h.Scope)
	}
	if len(holders) == 0 {
		fmt.Fprintf(e.stderr, "nobody holds %s\n", *perm)
	}
	return ExitOK
}

func runReview(e *env, args []string) int {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	var src source
	src.flags(fs)
	format := fs.String("format", "", "output `format`: table, csv or markdown (default: table on a terminal, csv otherwise)")
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN [-format table|csv|markdown]"); err != nil {
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
	items := a.Snapshot().AccessReview()
	if *format == "table" {
		writeReviewTable(e.stdout, items)
		return ExitOK
	}
	if *format == "csv" {
		w := csv.NewWriter(e.stdout)
		w.Write([]string{"permission", "title", "status", "note", "user", "scope"})
		for _, it := range items {
			status, note := reviewStatus(it.Permission)
			if len(it.Holders) == 0 {
				w.Write([]string{string(it.Permission.Name), it.Permission.Title, status, note, "", ""})
			}
			for _, h := range it.Holders {
				w.Write([]string{string(it.Permission.Name), it.Permission.Title, status, note, string(h.User), h.Scope.String()})
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
	fmt.Fprintln(e.stdout, "| permission | status | note | holders |")
	fmt.Fprintln(e.stdout, "|---|---|---|---|")
	for _, it := range items {
		status, note := reviewStatus(it.Permission)
		var hs []string
		for _, h := range it.Holders {
			hs = append(hs, fmt.Sprintf("%s (%s)", h.User, h.Scope))
		}
		holders := strings.Join(hs, ", ")
		if holders == "" {
			holders = "nobody"
		}
		fmt.Fprintf(e.stdout, "| `%s` | %s | %s | %s |\n", it.Permission.Name, status, mdCell(note), mdCell(holders))
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
	fmt.Fprintln(tw, "PERMISSION\tSTATUS\tHOLDER\tSCOPE\tNOTE")
	for _, it := range items {
		status, note := reviewStatus(it.Permission)
		if len(it.Holders) == 0 {
			fmt.Fprintf(tw, "%s\t%s\tnobody\t\t%s\n", it.Permission.Name, status, note)
		}
		for _, h := range it.Holders {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.Permission.Name, status, h.User, h.Scope, note)
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
