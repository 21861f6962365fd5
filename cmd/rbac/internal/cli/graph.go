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
	// loose: a role that no group or account type reaches, directly or
	// by containment; drawn together in a box of their own.
	loose bool
}

type graph struct {
	nodes []node
	edges [][3]string // from, to, label
}

// looseTitle names the box of the roles that no group or account type
// reaches: users hold them directly.
const looseTitle = "roles in no group (held directly)"

// graphOf draws, left to right: account type → its groups and default
// roles, group → role, role → contained role. Roles that no group or
// account type reaches are drawn together in a box of their own rather
// than scattered. Users are left out: they are many and the picture is
// about the model.
func graphOf(p *rbac.Policy) *graph {
	g := &graph{}
	roleNode := map[rbac.RoleID]string{}
	for i, r := range p.Roles {
		roleNode[r.ID] = "r" + strconv.Itoa(i)
	}
	reached := map[rbac.RoleID]bool{}
	var reach func(rbac.RoleID)
	contains := map[rbac.RoleID][]rbac.RoleID{}
	for _, r := range p.Roles {
		contains[r.ID] = r.Contains
	}
	reach = func(id rbac.RoleID) {
		if reached[id] {
			return
		}
		reached[id] = true
		for _, c := range contains[id] {
			reach(c)
		}
	}
	typeNode := map[rbac.AccountType]string{}
	for i, a := range p.AccountTypes {
		id := "t" + strconv.Itoa(i)
		typeNode[a.ID] = id
		g.nodes = append(g.nodes, node{id: id, label: "account type " + string(a.ID), shape: "type"})
		for _, r := range a.DefaultRoles {
			g.edges = append(g.edges, [3]string{id, roleNode[r], "default"})
			reach(r)
		}
	}
	for i, gr := range p.Groups {
		id := "g" + strconv.Itoa(i)
		label := "group " + gr.Name
		if gr.AccountType != "" {
			label += " (" + string(gr.AccountType) + ")"
		}
		g.nodes = append(g.nodes, node{id: id, label: label, shape: "group"})
		if t, ok := typeNode[gr.AccountType]; ok {
			g.edges = append(g.edges, [3]string{t, id, "group"})
		}
		for _, r := range gr.Roles {
			g.edges = append(g.edges, [3]string{id, roleNode[r], ""})
			reach(r)
		}
	}
	for _, r := range p.Roles {
		g.nodes = append(g.nodes, node{id: roleNode[r.ID], label: string(r.ID), shape: "role", loose: !reached[r.ID]})
		for _, c := range r.Contains {
			g.edges = append(g.edges, [3]string{roleNode[r.ID], roleNode[c], ""})
		}
	}
	return g
}

func (g *graph) mermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart LR")
	var loose []node
	for _, n := range g.nodes {
		if n.loose {
			loose = append(loose, n)
			continue
		}
		mermaidNode(w, "  ", n)
	}
	if len(loose) > 0 {
		fmt.Fprintf(w, "  subgraph loose[\"%s\"]\n", looseTitle)
		for _, n := range loose {
			mermaidNode(w, "    ", n)
		}
		fmt.Fprintln(w, "  end")
	}
	for _, e := range g.edges {
		if e[2] != "" {
			fmt.Fprintf(w, "  %s -->|%s| %s\n", e[0], e[2], e[1])
		} else {
			fmt.Fprintf(w, "  %s --> %s\n", e[0], e[1])
		}
	}
}

func mermaidNode(w io.Writer, indent string, n node) {
	label := strings.ReplaceAll(n.label, `"`, "#quot;")
	switch n.shape {
	case "type":
		fmt.Fprintf(w, "%s%s([\"%s\"])\n", indent, n.id, label)
	case "group":
		fmt.Fprintf(w, "%s%s{{\"%s\"}}\n", indent, n.id, label)
	default:
		fmt.Fprintf(w, "%s%s[\"%s\"]\n", indent, n.id, label)
	}
}

func (g *graph) dot(w io.Writer) {
	fmt.Fprintln(w, "digraph policy {")
	fmt.Fprintln(w, "  rankdir=LR;")
	var loose []node
	for _, n := range g.nodes {
		if n.loose {
			loose = append(loose, n)
			continue
		}
		dotNode(w, "  ", n)
	}
	if len(loose) > 0 {
		fmt.Fprintln(w, "  subgraph cluster_loose {")
		fmt.Fprintf(w, "    label=%s;\n", strconv.Quote(looseTitle))
		for _, n := range loose {
			dotNode(w, "    ", n)
		}
		fmt.Fprintln(w, "  }")
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

func dotNode(w io.Writer, indent string, n node) {
	shape := "box"
	switch n.shape {
	case "type":
		shape = "ellipse"
	case "group":
		shape = "hexagon"
	}
	fmt.Fprintf(w, "%s%s [label=%s, shape=%s];\n", indent, n.id, strconv.Quote(n.label), shape)
}
