package rbac

import (
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
