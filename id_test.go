package rbac

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTypedLists(t *testing.T) {
	claims := []string{"a", "b"}
	if diff := cmp.Diff([]UserID{"a", "b"}, Users(claims...)); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]RoleID{"a"}, Roles("a")); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]GroupID{"g"}, Groups("g")); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]WorkgroupID{"leeds", "north"}, Workgroups("leeds", "north")); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]Permission{"case.read"}, Permissions("case.read")); diff != "" {
		t.Error(diff)
	}
	if Users() != nil || Workgroups() != nil {
		t.Error("no ids should be nil")
	}
	if o := Orgs(); o == nil || len(o) != 0 {
		t.Errorf("Orgs() = %#v, want an empty non-nil list", o)
	}
	if StoredOwners() != nil {
		t.Error("StoredOwners is nil")
	}
}

// Nil owners means the stored ones; empty owners means nobody, whoever the
// stored owners are; Orgs and ParseOwners of an empty field say nobody.
func TestNilVersusEmptyOwners(t *testing.T) {
	snap := compileText(t, casePolicy) // case 7 is stored as owned by dwp
	dwpUser := User{ID: "d", AccountType: "dwp", Org: "dwp", Roles: []RoleID{"caseworker"}}
	parsedEmpty, err := ParseOwners(" , ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		owners []OrgSlug
		want   Reason
	}{
		{"nil: the stored owners (dwp)", StoredOwners(), ReasonGranted},
		{"the same, written nil", nil, ReasonGranted},
		{"empty: owned by nobody, only the bypass reaches it", Orgs(), ReasonNotOwner},
		{"an empty legacy field is owned by nobody too", parsedEmpty, ReasonNotOwner},
		{"given owners replace the stored ones", Orgs("council"), ReasonNotOwner},
		{"given owners including the user's org", Orgs("council", "dwp"), ReasonGranted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Principal: &dwpUser, Permission: "case.read", Resource: &Resource{Kind: "case", ID: "7", Owners: tt.owners}}
			if got := snap.Check(req); got.Reason != tt.want {
				t.Errorf("%v, want %s", got, tt.want)
			}
			// The bypass holder reaches every case.
			req.Principal = nil
			req.User = "root"
			if got := snap.Check(req); !got.Allowed {
				t.Errorf("bypass: %v", got)
			}
		})
	}
}

// TestIDBytes compares the identifier byte table, and the check path's
// permission validation built on it, with the rule spelled out: every
// byte, and permissions with empty segments.
func TestIDBytes(t *testing.T) {
	naive := func(c byte) bool {
		return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("_.:@+/-", c) >= 0
	}
	for c := range 256 {
		if got, want := idByte(byte(c)), naive(byte(c)); got != want {
			t.Errorf("idByte(%q) = %v, want %v", byte(c), got, want)
		}
		p := Permission("a" + string([]byte{byte(c)}) + "b")
		if got, want := validCheckedPermission(p), naive(byte(c)); got != want {
			t.Errorf("validCheckedPermission(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[Permission]bool{
		"a.b": true, "a..b": false, ".a": false, "a.": false, "a.b.c": true, "a.b..c": false, "": false, "a/..": false,
		Permission(strings.Repeat("a", MaxIDLen)): true, Permission(strings.Repeat("a", MaxIDLen+1)): false,
	} {
		if got := validCheckedPermission(p); got != want {
			t.Errorf("validCheckedPermission(%q) = %v, want %v", p, got, want)
		}
	}
}
