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
//
// Create, when set, is the permission Admin.CreateOwned needs to record the
// owners of a new record of the kind; without it only bypass holders may.
// Applications that check their own create permission use
// Snapshot.OwnersForNew, which Create does not affect.
type OwnershipRule struct {
	Kind   string     `yaml:"kind"`
	Bypass Permission `yaml:"bypass"`
	Create Permission `yaml:"create,omitempty"`
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

// OwnersForNew returns the owners a new record of kind gets when user u
// creates it, asking for requested (nil: no preference). A user without
// the kind's bypass permission gets exactly their own org; asking for
// anything else, or having no org, is ErrForbidden. A bypass holder gets
// what they ask for, else their own org (else no owners). A kind without an
// ownership rule is ErrNotFound; an unknown or disabled user ErrForbidden.
func (s *Snapshot) OwnersForNew(u UserID, kind string, requested []OrgSlug) ([]OrgSlug, error) {
	fail := func(sentinel error, format string, args ...any) ([]OrgSlug, error) {
		return nil, &Error{Op: "owners for new", Kind: EntityOwnership, ID: kind, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	}
	rec, rule, err := s.ownerContext(u, kind)
	if err != nil {
		return nil, err
	}
	for _, o := range requested {
		if err := checkID(string(o)); err != nil {
			return fail(ErrInvalid, "requested owner: %v", err)
		}
	}
	org := rec.user.Org
	if rec.prof.bypass.Has(rule.idx) {
		if len(requested) > 0 {
			return dedupeOwners(requested), nil
		}
		if org == "" {
			return []OrgSlug{}, nil
		}
		return []OrgSlug{org}, nil
	}
	if org == "" {
		return fail(ErrForbidden, "user %s has no org and lacks %s, so cannot own a new %s", u, rule.bypass, kind)
	}
	for _, o := range requested {
		if o != org {
			return fail(ErrForbidden, "user %s may not set owner %s: only holders of %s choose owners; a new %s gets the creator's org %s", u, o, rule.bypass, kind, org)
		}
	}
	return []OrgSlug{org}, nil
}

// CanSetOwners reports whether u may change the owners of records of
// kind: only holders of the kind's bypass permission may.
func (s *Snapshot) CanSetOwners(u UserID, kind string) bool {
	rec, rule, err := s.ownerContext(u, kind)
	return err == nil && rec.prof.bypass.Has(rule.idx)
}

func (s *Snapshot) ownerContext(u UserID, kind string) (*userRec, *ownershipRule, error) {
	if s == nil {
		return nil, nil, &Error{Op: "owners", Msg: "no snapshot", Err: ErrInvalid}
	}
	rule, ok := s.rules[kind]
	if !ok {
		return nil, nil, &Error{Op: "owners", Kind: EntityOwnershipRule, ID: kind, Msg: "no ownership rule for this kind", Err: ErrNotFound}
	}
	rec, ok := s.users.Get(string(u))
	if !ok || rec == nil {
		return nil, nil, &Error{Op: "owners", Kind: EntityUser, ID: string(u), Msg: "unknown user", Err: ErrForbidden}
	}
	if rec.user.Disabled {
		return nil, nil, &Error{Op: "owners", Kind: EntityUser, ID: string(u), Msg: "user is disabled", Err: ErrForbidden}
	}
	return rec, rule, nil
}

func dedupeOwners(in []OrgSlug) []OrgSlug {
	out := make([]OrgSlug, 0, len(in))
	for _, o := range in {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}
