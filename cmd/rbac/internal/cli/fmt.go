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

// Format writes a policy file canonically: two-space indentation, the
// sections and each entry's keys in the order of the policy schema, the
// author's comments, entry order and flow or block style kept, so that
// Format(Format(x)) == Format(x). The file must decode (syntax and keys);
// it need not be valid.
func Format(data []byte, name string) ([]byte, error) {
	if _, err := rbac.DecodePolicy(bytes.NewReader(data), name); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	order(&root, reflect.TypeOf(rbac.Policy{}))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// order sorts the keys of the mappings under n by the yaml tags of t.
func order(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			order(c, t)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			order(c, t)
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
		slices.SortStableFunc(pairs, func(a, b pair) int {
			return slices.Index(keys, a.k.Value) - slices.Index(keys, b.k.Value)
		})
		n.Content = n.Content[:0]
		for _, p := range pairs {
			if i := slices.Index(keys, p.k.Value); i >= 0 {
				order(p.v, types[i])
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
