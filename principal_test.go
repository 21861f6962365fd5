package rbac

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// principalPolicy adds a static constraint and a group to enginePolicy's
// shapes.
const principalPolicy = enginePolicy + `
kinds:
  - {name: evaluation}
  - {name: service}
`

func TestPrincipalDecidesAsTheSameStoredUser(t *testing.T) {
	snap := compileText(t, principalPolicy)
	resources := []*Resource{
		nil,
		{Kind: "evaluation", ID: "e1", Workgroups: []WorkgroupID{"leeds"}},
		{Kind: "evaluation", ID: "e2", Workgroups: []WorkgroupID{"south"}, Assignees: []UserID{"alice"}},
		{Kind: "evaluation", ID: "e3", Inactive: true},
		{Kind: "service", ID: "42"},
		{Kind: "service", ID: "7", Owners: []OrgSlug{"hmrc"}},
	}
	perms := []Permission{"evaluation.read", "evaluation.update", "client.add", "client.merge", "places.edit", "probation.view", "cat.suggest"}
	snap.users.Range(func(_ string, rec *userRec) bool {
		p := rec.user.Clone()
		for _, perm := range perms {
			for _, res := range resources {
				for _, active := range [][]RoleID{nil, {"suggester"}, {"suggester", "approver"}} {
					stored := Request{User: p.ID, Permission: perm, Resource: res, ActiveRoles: active}
					asPrincipal := stored
					asPrincipal.User = "ignored"
					asPrincipal.Principal = &p
					want, got := snap.Check(stored), snap.Check(asPrincipal)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("%s %s %+v active %v (-stored +principal):\n%s", p.ID, perm, res, active, diff)
					}
					wantEx, gotEx := snap.Explain(stored), snap.Explain(asPrincipal)
					if gotEx.Reason != got.Reason {
						t.Fatalf("Explain %v disagrees with Check %v", gotEx, got)
					}
					// The same route, the user step marked as a principal.
					if len(wantEx.Path) != len(gotEx.Path) {
						t.Fatalf("routes differ:\n stored    %s\n principal %s", wantEx, gotEx)
					}
				}
			}
		}
		return true
	})
}

func TestPrincipalIsCheckedAgainstTheSnapshot(t *testing.T) {
	snap := compileText(t, strings.Replace(principalPolicy, "constraints:\n", "constraints:\n  - {name: no-two-hats, max: 1, roles: [places_editor, yj]}\n", 1))
	ok := User{ID: "tok", AccountType: "internal", Org: "dfe", Roles: []RoleID{"places_editor"}, Groups: []GroupID{"permitting"}, Workgroups: []WorkgroupID{"leeds"}}
	tests := []struct {
		name    string
		edit    func(*User)
		want    Reason
		explain string
	}{
		{"valid", func(*User) {}, ReasonGranted, "user tok (principal) → role places_editor"},
		{"unknown role", func(u *User) { u.Roles = []RoleID{"places_editr"} }, ReasonInvalidRequest, `unknown role "places_editr" (did you mean "places_editor"?)`},
		{"role closed to the account type", func(u *User) { u.Roles = []RoleID{"probation"} }, ReasonInvalidRequest, `role probation is closed to account type "internal" (it allows delius)`},
		{"role closed to no account type", func(u *User) { u.AccountType = ""; u.Groups = nil; u.Roles = []RoleID{"eval_global"} }, ReasonInvalidRequest, "role eval_global is closed to account type (none"},
		{"unknown group", func(u *User) { u.Groups = []GroupID{"nope"} }, ReasonInvalidRequest, `unknown group "nope"`},
		{"group of another account type", func(u *User) { u.AccountType = "external" }, ReasonInvalidRequest, `may not be in group permitting: it is for account type "internal"`},
		{"unknown workgroup", func(u *User) { u.Workgroups = []WorkgroupID{"leds"} }, ReasonInvalidRequest, `unknown workgroup "leds" (did you mean "leeds"?)`},
		{"unknown account type", func(u *User) { u.AccountType = "internl" }, ReasonInvalidRequest, `unknown account type "internl" (did you mean "internal"?)`},
		{"malformed id", func(u *User) { u.ID = "" }, ReasonInvalidRequest, "principal id: identifier is empty"},
		{"malformed org", func(u *User) { u.Org = "a b" }, ReasonInvalidRequest, "org: identifier"},
		{"static separation of duty", func(u *User) { u.Roles = []RoleID{"places_editor", "yj"} }, ReasonSeparationOfDuty, `constraint "no-two-hats" allows at most 1`},
		{"disabled", func(u *User) { u.Disabled = true }, ReasonDisabled, "tok is disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok.Clone()
			tt.edit(&p)
			req := Request{Principal: &p, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "1", Owners: []OrgSlug{"dfe"}}}
			if got := snap.Check(req); got.Reason != tt.want {
				t.Fatalf("Check = %v, want %s", got, tt.want)
			}
			ex := snap.Explain(req)
			if ex.Reason != tt.want || !strings.Contains(ex.String(), tt.explain) {
				t.Fatalf("Explain = %q, want %s containing %q", ex, tt.want, tt.explain)
			}
			// Twice: the second answer comes from the cache.
			if got := snap.Check(req); got.Reason != tt.want {
				t.Fatalf("cached Check = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestPrincipalReview(t *testing.T) {
	snap := compileText(t, principalPolicy)
	p := User{ID: "tok", AccountType: "internal", Roles: []RoleID{"gds_editor"}, Groups: []GroupID{"permitting"}}
	perms, err := snap.PermissionsOfPrincipal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []ScopedPermission{{"evaluation.read", ScopeWorkgroup}, {"places.edit", ScopeGlobal}, {"places.gds_editor", ScopeGlobal}}
	if diff := cmp.Diff(want, perms); diff != "" {
		t.Errorf("PermissionsOfPrincipal (-want +got):\n%s", diff)
	}
	roles, err := snap.RolesOfPrincipal(p)
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []RoleSource{
		{Role: "eval_workgroup", From: "group", Via: "permitting"},
		{Role: "gds_editor", From: "direct"},
		{Role: "places_editor", From: "contains", Via: "gds_editor"},
	}
	if diff := cmp.Diff(wantRoles, roles); diff != "" {
		t.Errorf("RolesOfPrincipal (-want +got):\n%s", diff)
	}
	p.Roles = []RoleID{"ghost"}
	if _, err := snap.PermissionsOfPrincipal(p); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `unknown role "ghost"`) {
		t.Errorf("unknown role: %v", err)
	}
}

func TestPrincipalCheckAllocatesNothing(t *testing.T) {
	snap := compileText(t, principalPolicy)
	p := &User{ID: "tok", AccountType: "internal", Org: "dfe", Roles: []RoleID{"places_editor", "eval_mine"}, Groups: []GroupID{"permitting"}, Workgroups: []WorkgroupID{"north"}}
	reqs := []Request{
		{Principal: p, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "1", Owners: []OrgSlug{"dfe"}}},
		{Principal: p, Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", ID: "1", Workgroups: []WorkgroupID{"leeds"}}},
		{Principal: p, Permission: "evaluation.update", Resource: &Resource{Kind: "evaluation", ID: "1", Assignees: []UserID{"tok"}}},
		{Principal: p, ActiveRoles: []RoleID{"eval_mine"}, Permission: "places.edit"},
	}
	for _, req := range reqs {
		snap.Check(req) // fill the cache
		if n := testing.AllocsPerRun(100, func() { snap.Check(req) }); n != 0 {
			t.Errorf("%s: %v allocations per Check, want 0", req.Permission, n)
		}
	}
}

func TestPrincipalCacheIsBoundedAndConcurrent(t *testing.T) {
	snap := compileText(t, principalPolicy)
	roleSets := [][]RoleID{{"places_editor"}, {"eval_mine"}, {"client_section"}, {"yj", "eval_mine"}}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				// Distinct group lists make distinct cache keys; the role
				// sets are few.
				p := User{ID: UserID(fmt.Sprintf("t%d", i)), AccountType: "internal", Roles: roleSets[(i+g)%len(roleSets)]}
				if i%2 == 0 {
					p.Groups = []GroupID{"permitting"}
				}
				want := ReasonGranted
				if !containsRole(p.Roles, "places_editor") && !containsRole(p.Roles, "gds_editor") {
					want = ReasonNoGrant
				}
				if d := snap.Check(Request{Principal: &p, Permission: "places.edit"}); d.Reason != want {
					t.Errorf("%v: %v, want %s", p, d, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	c := snap.principals
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bySet) > principalSlots {
		t.Errorf("%d profiles cached, more than %d", len(c.bySet), principalSlots)
	}
	// Equal role sets share a profile.
	if len(c.bySet) > 2*len(roleSets) {
		t.Errorf("%d profiles for %d role sets", len(c.bySet), len(roleSets))
	}
}

func containsRole(rs []RoleID, r RoleID) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// BenchmarkCheckPrincipal measures a repeated principal (the same token's
// claims on every request): the cache hit path.
func BenchmarkCheckPrincipal(b *testing.B) {
	snap := compileText(b, principalPolicy)
	p := &User{ID: "tok", AccountType: "internal", Org: "dfe", Roles: []RoleID{"places_editor", "eval_mine"}, Groups: []GroupID{"permitting"}, Workgroups: []WorkgroupID{"north"}}
	reqs := map[string]Request{
		"capability": {Principal: p, Permission: "places.edit"},
		"ownership":  {Principal: p, Permission: "places.edit", Resource: &Resource{Kind: "service", ID: "1", Owners: []OrgSlug{"dfe"}}},
		"workgroup":  {Principal: p, Permission: "evaluation.read", Resource: &Resource{Kind: "evaluation", ID: "1", Workgroups: []WorkgroupID{"leeds"}}},
		"denied":     {Principal: p, Permission: "client.add"},
	}
	for _, name := range sortedKeys(reqs) {
		req := reqs[name]
		b.Run(name, func(b *testing.B) {
			snap.Check(req)
			b.ReportAllocs()
			for b.Loop() {
				snap.Check(req)
			}
		})
	}
}

func TestOwnersForNewPrincipal(t *testing.T) {
	snap := compileText(t, casePolicy)
	council := User{ID: "tok", AccountType: "council", Org: "council", Roles: []RoleID{"caseworker"}}
	got, err := snap.OwnersForNewPrincipal(council, "case", nil)
	if err != nil || !cmp.Equal(got, []OrgSlug{"council"}) {
		t.Errorf("a council principal's new case: %v, %v", got, err)
	}
	if _, err := snap.OwnersForNewPrincipal(council, "case", Orgs("dwp")); !errors.Is(err, ErrForbidden) {
		t.Errorf("asking for another org: %v, want ErrForbidden", err)
	}
	if snap.CanSetOwnersPrincipal(council, "case") {
		t.Error("a caseworker may set owners")
	}
	root := User{ID: "tok2", AccountType: "dwp", Org: "dwp", Roles: []RoleID{"superuser"}}
	if got, err := snap.OwnersForNewPrincipal(root, "case", Orgs("a", "b")); err != nil || !cmp.Equal(got, []OrgSlug{"a", "b"}) {
		t.Errorf("the bypass holder chooses: %v, %v", got, err)
	}
	if !snap.CanSetOwnersPrincipal(root, "case") {
		t.Error("the bypass holder may not set owners")
	}
	council.Roles = []RoleID{"dwp_only"} // closed to council
	if _, err := snap.OwnersForNewPrincipal(council, "case", nil); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "closed to account type") {
		t.Errorf("an invalid principal: %v", err)
	}
}
