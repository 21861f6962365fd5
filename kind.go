package rbac

// Kind declares a kind of resource (a case, a service, an evaluation).
// Once a policy declares any kind, a request or plan about an undeclared
// kind is invalid_request and ownership rules and stored owners must name
// declared kinds: a typo in Resource.Kind can no longer slip past an
// ownership rule. A policy that declares no kinds accepts any kind.
type Kind struct {
	Name  string `yaml:"name"`
	Title string `yaml:"title,omitempty"`
}

// EntityResourceKind is the entity kind of a declared resource Kind.
const EntityResourceKind EntityKind = "kind"

// Clone returns a copy (a Kind holds no slices).
func (k Kind) Clone() Kind { return k }

func (k Kind) EntityKind() EntityKind { return EntityResourceKind }
func (k Kind) EntityKey() string      { return k.Name }
func (k Kind) cloneEntity() Entity    { return k.Clone() }

// PutKind declares (or retitles) a resource kind.
func PutKind(k Kind) Change { return put(k) }

// DeleteKind removes a declared kind. An ownership rule or stored owners
// of that kind make the deletion invalid: delete them first.
func DeleteKind(name string) Change { return Change{Kind: EntityResourceKind, Key: name} }

// didYouMean returns ` (did you mean "x"?)` for the candidate nearest to
// s by edit distance, or "" when none is near (more than a third of the
// longer name differs).
func didYouMean[T ~string](s T, candidates []T) string {
	best, bestD := T(""), -1
	for _, c := range candidates {
		d := editDistance(string(s), string(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD*3 > max(len(s), len(best)) {
		return ""
	}
	return " (did you mean " + quoteShort(string(best)) + "?)"
}
