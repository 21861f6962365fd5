// Command iyss shows One IYSS's permission catalogue: sections whose
// "select all" box is a wildcard grant, deprecated and sensitive
// permissions, and Client Merge, which needs Youth Justice permissions too.
//
// policy.yaml is a copy of testdata/seeds/one_iyss.yaml.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("iyss", run) }

func run(w io.Writer) error {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}

	// The catalogue is data: an admin screen lists it by section, with the
	// warnings.
	sections := map[string]int{}
	var order []string
	var deprecated, sensitive int
	for _, d := range p.Permissions {
		if sections[d.Section] == 0 {
			order = append(order, d.Section)
		}
		sections[d.Section]++
		if d.Deprecated != "" {
			deprecated++
		}
		if d.Sensitive != "" {
			sensitive++
		}
	}
	fmt.Fprintf(w, "%d permissions in %d sections (%d deprecated, %d sensitive)\n", len(p.Permissions), len(order), deprecated, sensitive)
	for _, d := range p.Permissions {
		if d.Name == "client_merge.merge" {
			fmt.Fprintf(w, "%s (%s) requires %s\n  warning: %s\n\n", d.Title, d.Section, joinIDs(d.Requires), wrap(d.Sensitive, 72, "           "))
		}
	}

	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()

	questions := []demo.Question{
		{Text: "a youth worker (all of Client Add/Change/Delete) adds a family contact",
			Request: rbac.Request{User: "wanda_worker", Permission: "client.personal_family_contacts.add"}},
		{Text: "the same youth worker adds substance misuse data (another section)",
			Request: rbac.Request{User: "wanda_worker", Permission: "substance_misuse.add"}},
		{Text: "a team manager uses the deprecated Templates and Paras",
			Request: rbac.Request{User: "tariq_manager", Permission: "admin_manager.templates_and_paras"}},
		{Text: "a system administrator without Youth Justice permissions merges clients",
			Request: rbac.Request{User: "simon_sysadmin", Permission: "client_merge.merge"}},
		{Text: "a system administrator with Youth Justice permissions merges clients",
			Request: rbac.Request{User: "yara_sysadmin_yj", Permission: "client_merge.merge"}},
	}
	return demo.Ask(ctx, w, a, questions)
}

func joinIDs[T ~string](ids []T) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return strings.Join(parts, ", ")
}

// wrap breaks text into lines of at most width bytes at spaces (a longer
// word stays whole), indenting every line after the first.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if line+1+len(word) > width {
				b.WriteString("\n")
				b.WriteString(indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
