package cli

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

func runGraph(e *env, args []string) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	format := fs.String("format", "mermaid", "output `format`: mermaid or dot (Graphviz)")
	files, err := parse(e, fs, args, 1, -1, "[-format mermaid|dot] FILE...")
	if err != nil {
		return exitFor(err)
	}
	if !oneOf(e, fs, "format", *format, "mermaid", "dot") {
		return ExitUsage
	}
	p, err := rbac.LoadPolicyFiles(files...)
	if err != nil {
		return e.fail("graph", err)
	}
	g := graphOf(p)
	if *format == "dot" {
		g.dot(e.stdout)
	} else {
		g.mermaid(e.stdout)
	}
	return ExitOK
}

type node struct {
	id, label, shape string // shape: role, group, type
}

type graph struct {
	nodes []node
	edges [][3]string // from, to, label
}

// graphOf draws containment: account type → default role, group → role,
// role → contained role. Users are left out: they are many and the picture
// is about the model.
func graphOf(p *rbac.Policy) *graph {
	g := &graph{}
	roleNode := map[rbac.RoleID]string{}
	for i, r := range p.Roles {
		id := "r" + strconv.Itoa(i)
		roleNode[r.ID] = id
		g.nodes = append(g.nodes, node{id, string(r.ID), "role"})
	}
	for i, a := range p.AccountTypes {
		id := "t" + strconv.Itoa(i)
		g.nodes = append(g.nodes, node{id, "account type " + string(a.ID), "type"})
		for _, r := range a.DefaultRoles {
			g.edges = append(g.edges, [3]string{id, roleNode[r], "default"})
		}
	}
	for i, gr := range p.Groups {
		id := "g" + strconv.Itoa(i)
		label := "group " + gr.Name
		if gr.AccountType != "" {
			label += " (" + string(gr.AccountType) + ")"
		}
		g.nodes = append(g.nodes, node{id, label, "group"})
		for _, r := range gr.Roles {
			g.edges = append(g.edges, [3]string{id, roleNode[r], ""})
		}
	}
	for _, r := range p.Roles {
		for _, c := range r.Contains {
			g.edges = append(g.edges, [3]string{roleNode[r.ID], roleNode[c], ""})
		}
	}
	return g
}

func (g *graph) mermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart LR")
	for _, n := range g.nodes {
		label := strings.ReplaceAll(n.label, `"`, "#quot;")
		switch n.shape {
		case "type":
			fmt.Fprintf(w, "  %s([\"%s\"])\n", n.id, label)
		case "group":
			fmt.Fprintf(w, "  %s{{\"%s\"}}\n", n.id, label)
		default:
			fmt.Fprintf(w, "  %s[\"%s\"]\n", n.id, label)
		}
	}
	for _, e := range g.edges {
		if e[2] != "" {
			fmt.Fprintf(w, "  %s -->|%s| %s\n", e[0], e[2], e[1])
		} else {
			fmt.Fprintf(w, "  %s --> %s\n", e[0], e[1])
		}
	}
}

func (g *graph) dot(w io.Writer) {
	fmt.Fprintln(w, "digraph policy {")
	fmt.Fprintln(w, "  rankdir=LR;")
	for _, n := range g.nodes {
		shape := "box"
		switch n.shape {
		case "type":
			shape = "ellipse"
		case "group":
			shape = "hexagon"
		}
		fmt.Fprintf(w, "  %s [label=%s, shape=%s];\n", n.id, strconv.Quote(n.label), shape)
	}
	for _, e := range g.edges {
		if e[2] != "" {
			fmt.Fprintf(w, "  %s -> %s [label=%s];\n", e[0], e[1], strconv.Quote(e[2]))
		} else {
			fmt.Fprintf(w, "  %s -> %s;\n", e[0], e[1])
		}
	}
	fmt.Fprintln(w, "}")
}
