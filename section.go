package rbac

import (
	"fmt"
	"slices"
	"strings"
)

// Section names a section of a policy file, by its YAML key. A policy's
// Manages lists the sections that Import makes the store hold exactly;
// Import leaves the others as the store has them.
type Section string

// The sections of a policy file, one per kind of entity.
const (
	SectionPermissions  Section = "permissions"
	SectionRoles        Section = "roles"
	SectionAccountTypes Section = "account_types"
	SectionWorkgroups   Section = "workgroups"
	SectionGroups       Section = "groups"
	SectionUsers        Section = "users"
	SectionConstraints  Section = "constraints"
	SectionApprovals    Section = "approvals"
	SectionCampaigns    Section = "campaigns"
	SectionKinds        Section = "kinds"
	SectionOwnership    Section = "ownership" // ownership rules
	SectionOwners       Section = "owners"    // stored ownership of records
)

// Sections lists every section, in the order of EntityKinds.
func Sections() []Section {
	out := make([]Section, len(entityKinds))
	for i, k := range entityKinds {
		out[i] = SectionOf(k)
	}
	return out
}

// SectionOf returns the section that holds entities of kind k ("" for an
// unknown kind).
func SectionOf(k EntityKind) Section {
	for s, kind := range sectionKinds {
		if kind == k {
			return Section(s)
		}
	}
	return ""
}

// Kind returns the kind of entity the section holds ("" when s is not a
// section).
func (s Section) Kind() EntityKind { return sectionKinds[string(s)] }

// ManagesKind reports whether Import makes the store hold exactly p's entities
// of kind k: true for every kind when p.Manages is empty.
func (p *Policy) ManagesKind(k EntityKind) bool {
	return len(p.Manages) == 0 || slices.Contains(p.Manages, SectionOf(k))
}

// validateManages checks the Manages list: known sections, each once, and
// no entity in a section the policy does not manage (Import would ignore
// it without a word).
func (p *Policy) validateManages(at func(EntityKind, string) string) []error {
	if p.Manages == nil {
		return nil
	}
	var errs []error
	if len(p.Manages) == 0 {
		return []error{&Error{Op: "validate", Msg: "manages lists no section; leave manages out to manage every section", Err: ErrInvalid}}
	}
	known := make([]string, 0, len(sectionKinds))
	for _, s := range Sections() {
		known = append(known, string(s))
	}
	seen := map[Section]bool{}
	for _, s := range p.Manages {
		switch {
		case s.Kind() == "":
			msg := fmt.Sprintf("manages: unknown section %s", quoteShort(string(s)))
			if near := nearestKey(string(s), known); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			} else {
				msg += " (sections: " + strings.Join(known, ", ") + ")"
			}
			errs = append(errs, &Error{Op: "validate", Msg: msg, Err: ErrInvalid})
		case seen[s]:
			errs = append(errs, &Error{Op: "validate", Msg: fmt.Sprintf("manages: section %q is listed twice", s), Err: ErrInvalid})
		}
		seen[s] = true
	}
	counts := map[EntityKind]int{}
	first := map[EntityKind]string{}
	for _, e := range p.Entities() {
		k := e.EntityKind()
		if seen[SectionOf(k)] {
			continue
		}
		if counts[k] == 0 {
			first[k] = e.EntityKey()
		}
		counts[k]++
	}
	for _, k := range entityKinds {
		if n := counts[k]; n > 0 {
			errs = append(errs, &Error{Op: "validate", Kind: k, ID: first[k], Where: at(k, first[k]),
				Msg: fmt.Sprintf("section %s holds %d %s but is not in manages, so import would ignore %s; add %s to manages or move %s out", SectionOf(k), n, plural(n, "entity", "entities"), plural(n, "it", "them"), SectionOf(k), plural(n, "it", "them")), Err: ErrInvalid})
		}
	}
	return errs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
