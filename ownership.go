package rbac

import (
	"fmt"
	"slices"
	"strings"
)

// OwnershipRule makes records of one kind owned by organisations. Access to
// a record of that kind also needs the user's org among the record's owners,
// or the Bypass permission (GOV.UK's "GDS Editor"). A record with no owners
// is reachable only through the bypass.
type OwnershipRule struct {
	Kind   string     `yaml:"kind"`
	Bypass Permission `yaml:"bypass"`
}

// Clone returns a copy (an OwnershipRule holds no slices).
func (r OwnershipRule) Clone() OwnershipRule { return r }

// Ownership is the stored owners of one record. It is used when a request's
// Resource.Owners is nil.
type Ownership struct {
	Kind   string    `yaml:"kind"`
	ID     string    `yaml:"id"`
	Owners []OrgSlug `yaml:"owners"`
}

// Clone returns a deep copy.
func (o Ownership) Clone() Ownership {
	o.Owners = slices.Clone(o.Owners)
	return o
}

// OwnershipKey is the key of an Ownership in a Change: "kind/id". Kinds may
// not contain '/', so the key splits unambiguously at the first slash.
func OwnershipKey(kind, id string) string { return kind + "/" + id }

// ParseOwners reads the comma-separated legacy owners field ("hmrc, dfe").
// Spaces around slugs are ignored, empty items and duplicates are dropped in
// order; a malformed slug is an error naming it.
func ParseOwners(s string) ([]OrgSlug, error) {
	var out []OrgSlug
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if err := checkID(part); err != nil {
			return nil, &Error{Op: "parse owners", Msg: fmt.Sprintf("item %d: %v", i+1, err), Err: ErrInvalid}
		}
		if !slices.Contains(out, OrgSlug(part)) {
			out = append(out, OrgSlug(part))
		}
	}
	return out, nil
}

// FormatOwners writes owners as the comma-separated legacy field, "a,b".
func FormatOwners(owners []OrgSlug) string {
	parts := make([]string, len(owners))
	for i, o := range owners {
		parts[i] = string(o)
	}
	return strings.Join(parts, ",")
}
