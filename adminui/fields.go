package adminui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rolegraph/rbac"
)

// fieldChange is one field of an entity that a change sets, under its
// name in a policy file: its value before and after (text, lists joined
// with commas; "" when empty), and for a list the items it gains and
// loses.
type fieldChange struct {
	Name           string
	Before, After  string
	Added, Removed []string
}

// fieldChanges lists the fields that differ between before and after
// (either may be nil: a creation lists every field after has, a deletion
// every field before had), in the order a policy file writes them. Values
// are read from the entities' YAML, so grants show as "permission@scope".
func fieldChanges(before, after rbac.Entity) []fieldChange {
	b, a := yamlFields(before), yamlFields(after)
	// Timed entries as their windows, not as YAML maps: moving Until shows.
	if b != nil && b["temporary"] != nil {
		b["temporary"] = timedItems(before)
	}
	if a != nil && a["temporary"] != nil {
		a["temporary"] = timedItems(after)
	}
	typ := reflect.TypeOf(after)
	if after == nil {
		typ = reflect.TypeOf(before)
	}
	if typ == nil {
		return nil
	}
	var out []fieldChange
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		bv, av := b[name], a[name]
		if reflect.DeepEqual(bv, av) {
			continue
		}
		fc := fieldChange{Name: name, Before: valueText(bv), After: valueText(av)}
		if bl, al := items(bv), items(av); bl != nil || al != nil {
			for _, x := range al {
				if !slices.Contains(bl, x) {
					fc.Added = append(fc.Added, x)
				}
			}
			for _, x := range bl {
				if !slices.Contains(al, x) {
					fc.Removed = append(fc.Removed, x)
				}
			}
		}
		if fc.Before == fc.After && fc.Added == nil && fc.Removed == nil {
			continue // e.g. an empty list against none
		}
		out = append(out, fc)
	}
	return out
}

// yamlFields reads e as its policy file entry: field name to value.
func yamlFields(e rbac.Entity) map[string]any {
	if e == nil {
		return nil
	}
	var m map[string]any
	b, err := yaml.Marshal(e)
	if err == nil {
		err = yaml.Unmarshal(b, &m)
	}
	if err != nil {
		// Entities are plain data; should one not marshal, say so
		// rather than show nothing.
		return map[string]any{"error": err.Error()}
	}
	return m
}

func items(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = fmt.Sprint(x)
	}
	return out
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		return strings.Join(items(x), ", ")
	}
	return fmt.Sprint(v)
}
