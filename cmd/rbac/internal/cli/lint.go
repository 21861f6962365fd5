package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

// finding is one line of lint's report.
type finding struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Severity string `json:"severity"` // "error" or "warning"
	Rule     string `json:"rule,omitempty"`
	Message  string `json:"message"`
}

func runLint(e *env, args []string) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	format := fs.String("format", "text", "output `format`: text, json or github (workflow annotations)")
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	files, err := parse(e, fs, args, 1, -1, "[-format text|json|github] [-strict] FILE...")
	if err != nil {
		return exitFor(err)
	}
	if !oneOf(e, fs, "format", *format, "text", "json", "github") {
		return ExitUsage
	}
	var out []finding
	p, err := rbac.DecodePolicyFiles(files...)
	if err == nil {
		err = p.Validate()
	}
	errorsFound := 0
	for _, one := range splitErrors(err) {
		where, msg := errText(one)
		if _, last, twice := strings.Cut(where, " and "); twice {
			// A redefinition: point at the later one, name both.
			msg += " (at " + where + ")"
			where = last
		}
		f := finding{Severity: "error", Message: msg}
		f.File, f.Line = splitWhere(where)
		out = append(out, f)
		errorsFound++
	}
	warnings := 0
	if p != nil {
		for _, w := range p.Lint() {
			msg := w.Message
			if w.Kind != "" {
				msg = fmt.Sprintf("%s %q: %s", w.Kind, w.ID, w.Message)
			}
			f := finding{Severity: "warning", Rule: w.Rule, Message: msg}
			f.File, f.Line = splitWhere(w.Where)
			out = append(out, f)
			warnings++
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	switch *format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if out == nil {
			out = []finding{}
		}
		enc.Encode(out)
	case "github":
		for _, f := range out {
			fmt.Fprintf(e.stdout, "::%s %s::%s\n", f.Severity, githubProps(f), githubEscape(f.Message))
		}
	default:
		for _, f := range out {
			at := f.File
			if f.Line > 0 {
				at += ":" + strconv.Itoa(f.Line)
			}
			rule := ""
			if f.Rule != "" {
				rule = " (" + f.Rule + ")"
			}
			if at != "" {
				at += ": "
			}
			fmt.Fprintf(e.stdout, "%s%s: %s%s\n", at, f.Severity, f.Message, rule)
		}
		if len(out) > 0 {
			merged := ""
			if len(files) > 1 {
				// Files are parts of one policy (one may name roles another
				// defines), so they are linted together, not one by one.
				merged = fmt.Sprintf(" in one policy merged from %s", count(len(files), "file"))
			}
			fmt.Fprintf(e.stderr, "%s, %s%s\n", count(errorsFound, "error"), count(warnings, "warning"), merged)
		}
	}
	if errorsFound > 0 || *strict && warnings > 0 {
		return ExitFindings
	}
	return ExitOK
}

func splitErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// splitWhere splits "file:line" (the first position of "a and b").
func splitWhere(w string) (string, int) {
	w, _, _ = strings.Cut(w, " and ")
	i := strings.LastIndexByte(w, ':')
	if i < 0 {
		return w, 0
	}
	n, err := strconv.Atoi(w[i+1:])
	if err != nil {
		return w, 0
	}
	return w[:i], n
}

func githubProps(f finding) string {
	var props []string
	if f.File != "" {
		props = append(props, "file="+githubEscapeProp(f.File))
	}
	if f.Line > 0 {
		props = append(props, "line="+strconv.Itoa(f.Line))
	}
	title := "rbac lint"
	if f.Rule != "" {
		title += " " + f.Rule
	}
	props = append(props, "title="+githubEscapeProp(title))
	return strings.Join(props, ",")
}

// githubEscape escapes a workflow command's message.
func githubEscape(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubEscapeProp escapes a workflow command's property value.
func githubEscapeProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
