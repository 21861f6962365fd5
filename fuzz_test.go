package rbac_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/rolegraph/rbac"
)

// FuzzParseGrant: never panics; an accepted grant prints to text that
// parses back to it; a refusal is ErrInvalid.
func FuzzParseGrant(f *testing.F) {
	for _, s := range []string{"evaluation.read@mine", "client.*", "*@all", "x@planet", "a..b", "@", "", "x.*@workgroup", "a*b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := rbac.ParseGrant(s)
		if err != nil {
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Fatalf("ParseGrant(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		again, err := rbac.ParseGrant(g.String())
		if err != nil || again != g {
			t.Fatalf("ParseGrant(%q) = %v; its text %q parses to %v, %v", s, g, g.String(), again, err)
		}
		if g.Scope < rbac.ScopeMine || g.Scope > rbac.ScopeAll {
			t.Fatalf("ParseGrant(%q): scope %v", s, g.Scope)
		}
	})
}

// FuzzParseOwners: never panics; accepted owners are distinct, and format
// to a field that parses back to them.
func FuzzParseOwners(f *testing.F) {
	for _, s := range []string{"hmrc, dfe", "", ",,", "a,a,b", " x ", "bad slug", "a;b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		owners, err := rbac.ParseOwners(s)
		if err != nil {
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Fatalf("ParseOwners(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		sorted := slices.Clone(owners)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != len(owners) {
			t.Fatalf("ParseOwners(%q) = %v: duplicates", s, owners)
		}
		again, err := rbac.ParseOwners(rbac.FormatOwners(owners))
		if err != nil || !slices.Equal(again, owners) {
			t.Fatalf("ParseOwners(%q) = %v; FormatOwners → %q → %v, %v", s, owners, rbac.FormatOwners(owners), again, err)
		}
	})
}
