package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rolegraph/rbac"
)

func runFmt(e *env, args []string) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	write := fs.Bool("w", false, "rewrite the files instead of printing them")
	listOnly := fs.Bool("l", false, "list the files whose formatting differs (exit 1 if any)")
	files, err := parse(e, fs, args, 1, -1, "[-w] [-l] FILE...")
	if err != nil {
		return exitFor(err)
	}
	code := ExitOK
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return e.fail("fmt", err)
		}
		out, err := Format(data, path)
		if err != nil {
			for _, one := range splitErrors(err) {
				fmt.Fprintln(e.stderr, one)
			}
			return ExitFindings
		}
		switch {
		case *listOnly:
			if !bytes.Equal(data, out) {
				fmt.Fprintln(e.stdout, path)
				code = ExitFindings
			}
		case *write:
			if !bytes.Equal(data, out) {
				if err := os.WriteFile(path, out, 0o644); err != nil {
					return e.fail("fmt", err)
				}
			}
		default:
			e.stdout.Write(out)
		}
	}
	return code
}

// Format writes a policy file canonically: two-space indentation and each
// entry's keys in the order of the policy schema. What the author chose is
// kept: the order of the sections and of the entries, comments, flow or block
// style, and the blank lines that separate entries and sections. So that
// Format(Format(x)) == Format(x). The file must decode (syntax and keys); it
// need not be valid.
func Format(data []byte, name string) ([]byte, error) {
	if _, err := rbac.DecodePolicy(bytes.NewReader(data), name); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	spaced := map[*yaml.Node]bool{}
	markSpaced(&root, strings.Split(string(data), "\n"), spaced)
	order(&root, reflect.TypeOf(rbac.Policy{}), true)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return respace(buf.Bytes(), &root, spaced)
}

// markSpaced records the entries (sequence items) and sections (keys of
// the top-level mapping) that the source separates from what comes before
// them by a blank line, above their comments if any. yaml.v3 drops blank
// lines; respace puts them back. Blank lines between the keys of an entry
// are not kept: order moves those keys.
func markSpaced(n *yaml.Node, lines []string, spaced map[*yaml.Node]bool) {
	var walk func(n *yaml.Node, top bool)
	walk = func(n *yaml.Node, top bool) {
		for i, c := range n.Content {
			sectionKey := top && n.Kind == yaml.MappingNode && i%2 == 0
			if (sectionKey || n.Kind == yaml.SequenceNode) && startsLine(lines, c) && blankAbove(lines, c.Line) {
				spaced[c] = true
			}
			walk(c, n.Kind == yaml.DocumentNode)
		}
	}
	walk(n, false)
}

// startsLine reports whether n is the first thing on its line (after the
// indentation and a sequence's "- "), unlike the items of a flow sequence.
func startsLine(lines []string, n *yaml.Node) bool {
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 || n.Column-1 > len(lines[n.Line-1]) {
		return false
	}
	before := strings.TrimSpace(lines[n.Line-1][:n.Column-1])
	return before == "" || before == "-"
}

// blankAbove reports whether the line above line (1-based) and above the
// comment lines directly over it is blank.
func blankAbove(lines []string, line int) bool {
	i := line - 2 // the index of the line above
	for i >= 0 && strings.HasPrefix(strings.TrimSpace(lines[i]), "#") {
		i--
	}
	return i >= 0 && i < line-1 && strings.TrimSpace(lines[i]) == ""
}

// respace inserts a blank line above each spaced node of the formatted
// file, whose tree (parsed again) has the shape of root's.
func respace(out []byte, root *yaml.Node, spaced map[*yaml.Node]bool) ([]byte, error) {
	if len(spaced) == 0 {
		return out, nil
	}
	var again yaml.Node
	if err := yaml.Unmarshal(out, &again); err != nil {
		return nil, err
	}
	lines := strings.Split(string(out), "\n")
	above := map[int]bool{} // indexes of lines to put a blank line above
	var walk func(a, b *yaml.Node)
	walk = func(a, b *yaml.Node) {
		if spaced[a] && b.Line > 1 {
			i := b.Line - 1
			for i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
				i--
			}
			if i > 0 && strings.TrimSpace(lines[i-1]) != "" {
				above[i] = true
			}
		}
		for k := 0; k < len(a.Content) && k < len(b.Content); k++ {
			walk(a.Content[k], b.Content[k])
		}
	}
	walk(root, &again)
	var res []string
	for i, l := range lines {
		if above[i] {
			res = append(res, "")
		}
		res = append(res, l)
	}
	return []byte(strings.Join(res, "\n")), nil
}

// order sorts the keys of the mappings under n by the yaml tags of t,
// except the top level's (the sections), which stay in the author's order.
func order(n *yaml.Node, t reflect.Type, top bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			order(c, t, top)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			order(c, t, false)
		}
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct {
			return
		}
		keys, types := fieldsOf(t)
		type pair struct{ k, v *yaml.Node }
		var pairs []pair
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
		}
		if !top {
			slices.SortStableFunc(pairs, func(a, b pair) int {
				return slices.Index(keys, a.k.Value) - slices.Index(keys, b.k.Value)
			})
		}
		n.Content = n.Content[:0]
		for _, p := range pairs {
			if i := slices.Index(keys, p.k.Value); i >= 0 {
				order(p.v, types[i], false)
			}
			n.Content = append(n.Content, p.k, p.v)
		}
	}
}

func fieldsOf(t reflect.Type) ([]string, []reflect.Type) {
	var keys []string
	var types []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		keys = append(keys, tag)
		types = append(types, f.Type)
	}
	return keys, types
}
