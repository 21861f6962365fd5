package storetest

import (
	"cmp"
	"slices"
	"strings"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// model is the naive reference state: entities by kind and key.
type model map[modelKey]rbac.Entity

type modelKey struct {
	kind rbac.EntityKind
	key  string
}

func (m model) get(kind rbac.EntityKind, key string) rbac.Entity {
	return rbac.CloneEntity(m[modelKey{kind, key}])
}

func (m model) apply(c rbac.Change) {
	if c.After == nil {
		delete(m, modelKey{c.Kind, c.Key})
	} else {
		m[modelKey{c.Kind, c.Key}] = rbac.CloneEntity(c.After)
	}
}

func (m model) clone() model {
	out := make(model, len(m))
	for k, e := range m {
		out[k] = rbac.CloneEntity(e)
	}
	return out
}

func (m model) policy() *rbac.Policy {
	var all []rbac.Entity
	for _, e := range m {
		all = append(all, e)
	}
	return sorted(policyOf(all...))
}

// sortModelKeys sorts keys by kind, then key, so that draws from a map are
// reproducible.
func sortModelKeys(keys []modelKey) {
	slices.SortFunc(keys, func(a, b modelKey) int {
		return cmp.Or(strings.Compare(string(a.kind), string(b.kind)), strings.Compare(a.key, b.key))
	})
}

func diffEntity(want, got rbac.Entity) string {
	return gocmp.Diff(want, got, cmpOptions)
}
