package rbac_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// adminPolicy: a security administrator (HMPPS/nVIRO), a role manager
// who holds only case permissions, a group manager of one external group,
// and ordinary users.
const adminPolicy = `
account_types:
  - {id: internal}
  - {id: external}
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.merge, sensitive: system administrators only}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, rbac.escalate, rbac.sensitive.grant]}
  - {id: role_manager, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, "case.read@mine"]}
  - {id: case_viewer, grants: ["case.read@mine"]}
  - {id: case_reader, grants: [case.read]}
  - {id: case_writer, contains: [case_reader], grants: [case.write]}
  - {id: merger, grants: [client.merge]}
  - {id: partner, account_types: [external], grants: ["case.read@mine"]}
groups:
  - {id: partners, name: Partners, account_type: external, roles: [partner], managers: [grace]}
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer], managers: [grace]}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: rita, account_type: internal, roles: [role_manager]}
  - {id: grace, account_type: external}
  - {id: ext1, account_type: external}
  - {id: int1, account_type: internal}
`

func adminSetup(t *testing.T) (*rbac.Authorizer, *memstore.Store) {
	t.Helper()
	return newAuthorizer(t, adminPolicy)
}

func TestEscalationIsRejectedAndNothingWritten(t *testing.T) {
	ctx := context.Background()
	a, store := adminSetup(t)
	rita := a.Admin("rita") // manages roles, groups, users; holds only case.read@mine
	tests := []struct {
		reason string
		do     func() error
		want   error
	}{
		{"assign a role with a permission she lacks", func() error { _, err := rita.AssignRole(ctx, "", "int1", "case_reader"); return err }, rbac.ErrForbidden},
		{"assign a role whose contained role she lacks", func() error { _, err := rita.AssignRole(ctx, "", "int1", "case_writer"); return err }, rbac.ErrForbidden},
		{"widen a grant beyond her own scope", func() error {
			_, err := rita.AddGrant(ctx, "", "case_viewer", rbac.Grant{Permission: "case.read", Scope: rbac.ScopeGlobal})
			return err
		}, rbac.ErrForbidden},
		{"make a role contain a stronger one", func() error { _, err := rita.AddContains(ctx, "", "case_viewer", "case_writer"); return err }, rbac.ErrForbidden},
		{"give a group a role she lacks", func() error { _, err := rita.AddGroupRole(ctx, "", "writers", "merger"); return err }, rbac.ErrForbidden},
		{"grant a wildcard", func() error {
			_, err := rita.CreateRole(ctx, "", rbac.Role{ID: "all_cases", Grants: []rbac.Grant{{Permission: "case.*", Scope: rbac.ScopeMine}}})
			return err
		}, rbac.ErrForbidden},
		{"add someone to a group she does not manage", func() error { _, err := a.Admin("int1").AddMember(ctx, "", "writers", "int1"); return err }, rbac.ErrForbidden},
		{"a user without any admin permission", func() error { _, err := a.Admin("int1").AssignRole(ctx, "", "int1", "case_viewer"); return err }, rbac.ErrForbidden},
		{"an unknown actor", func() error { _, err := a.Admin("mallory").AssignRole(ctx, "", "int1", "case_viewer"); return err }, rbac.ErrForbidden},
	}
	before := store.Revision()
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
		}
	}
	if store.Revision() != before {
		t.Errorf("rejected changes were written: %d → %d", before, store.Revision())
	}
	// Within her own permissions she may confer.
	if _, err := rita.AssignRole(ctx, "", "int1", "case_viewer"); err != nil {
		t.Errorf("conferring what she holds: %v", err)
	}
	// The security administrator holds rbac.escalate.
	if _, err := a.Admin("sam").AssignRole(ctx, "needed for the audit", "int1", "case_writer"); err != nil {
		t.Errorf("escalate: %v", err)
	}
}

func TestDelegatedGroupManager(t *testing.T) {
	ctx := context.Background()
	a, _ := adminSetup(t)
	grace := a.Admin("grace") // manages partners (external) and writers (internal)
	if _, err := grace.AddMember(ctx, "new partner", "partners", "ext1"); err != nil {
		t.Fatalf("manager adds a member of the right type: %v", err)
	}
	if !a.Snapshot().Check(rbac.Request{User: "ext1", Permission: "case.read", Resource: &rbac.Resource{Assignees: []rbac.UserID{"ext1"}}}).Allowed {
		t.Error("the member did not get the group's roles")
	}
	if _, err := grace.RemoveMember(ctx, "left", "partners", "ext1"); err != nil {
		t.Errorf("manager removes a member: %v", err)
	}
	for _, tt := range []struct {
		reason string
		do     func() error
		want   error
	}{
		{"a user of the wrong account type", func() error { _, err := grace.AddMember(ctx, "", "partners", "int1"); return err }, rbac.ErrForbidden},
		{"a group she does not manage", func() error { _, err := grace.AddMember(ctx, "", "nosuch", "ext1"); return err }, rbac.ErrForbidden},
		{"anything but membership", func() error { _, err := grace.AssignRole(ctx, "", "ext1", "partner"); return err }, rbac.ErrForbidden},
		{"changing the group itself", func() error { _, err := grace.AddGroupRole(ctx, "", "partners", "case_viewer"); return err }, rbac.ErrForbidden},
	} {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
		}
	}
}

func TestSensitiveGrantNeedsPermissionAndReason(t *testing.T) {
	ctx := context.Background()
	a, _ := adminSetup(t)
	// rita may not reach client.merge anyway (escalation); sam may, but
	// only with a reason.
	if _, err := a.Admin("sam").AssignRole(ctx, "", "int1", "merger"); !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "reason") {
		t.Errorf("no reason: %v", err)
	}
	if _, err := a.Admin("sam").AssignRole(ctx, "ticket 42: merges for the migration", "int1", "merger"); err != nil {
		t.Errorf("with a reason: %v", err)
	}
}

func TestNoLockout(t *testing.T) {
	ctx := context.Background()
	a, _ := adminSetup(t)
	sam := a.Admin("sam")
	if _, err := sam.UnassignRole(ctx, "", "rita", "role_manager"); err != nil {
		t.Fatalf("removing one of two administrators: %v", err)
	}
	for _, tt := range []struct {
		reason string
		do     func() error
	}{
		{"the last administrator removes their own role", func() error { _, err := sam.UnassignRole(ctx, "", "sam", "security_admin"); return err }},
		{"the last administrator disables themselves", func() error { _, err := sam.DisableUser(ctx, "", "sam"); return err }},
		{"deleting the administrators' role", func() error { _, err := sam.DeleteRole(ctx, "", "security_admin"); return err }},
	} {
		if err := tt.do(); !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "lockout") {
			t.Errorf("%s: %v", tt.reason, err)
		}
	}
	// System may (bootstrap, recovery).
	if _, err := a.Admin(rbac.System).DisableUser(ctx, "break-glass test", "sam"); err != nil {
		t.Errorf("System: %v", err)
	}
}

func TestCopyAndDeleteGroupAsNVIRO(t *testing.T) {
	ctx := context.Background()
	a, _ := adminSetup(t)
	sam := a.Admin("sam")
	if _, err := sam.AddMember(ctx, "", "writers", "int1"); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.CopyGroup(ctx, "three users need more", "writers", "writers_plus", "WRITERS"); !errors.Is(err, rbac.ErrExists) {
		t.Errorf("copy under a name that differs only in case: %v", err)
	}
	if _, err := sam.CopyGroup(ctx, "three users need more", "writers", "writers_plus", "Writers Plus"); err != nil {
		t.Fatal(err)
	}
	if got := a.Snapshot().MembersOf("writers_plus"); len(got) != 0 {
		t.Errorf("a copy has members: %v", got)
	}
	if _, err := sam.AddGroupRole(ctx, "", "writers_plus", "case_writer"); !errors.Is(err, rbac.ErrExists) {
		t.Errorf("adding a role the group has: %v", err)
	}
	if _, err := sam.AddGroupRole(ctx, "", "writers_plus", "partner"); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("adding a role closed to the group's account type: %v", err)
	}
	rev, err := sam.DeleteGroup(ctx, "", "writers")
	if err != nil {
		t.Fatal(err)
	}
	hist, err := sam.History(ctx, rbac.HistoryQuery{After: rev - 1})
	if err != nil {
		t.Fatal(err)
	}
	var lost []string
	for _, c := range hist[0].Changes {
		if c.Cascade && c.Kind == rbac.EntityUser {
			lost = append(lost, c.Key)
		}
	}
	if diff := cmp.Diff([]string{"int1"}, lost); diff != "" {
		t.Errorf("who lost the group (-want +got):\n%s", diff)
	}
}

func TestHistoryAndRevertOfABulkChange(t *testing.T) {
	ctx := context.Background()
	a, _ := adminSetup(t)
	sam := a.Admin("sam")
	var bulk []rbac.Change
	for _, u := range []rbac.UserID{"int1", "rita"} {
		user, _ := a.Policy()
		for _, x := range user.Users {
			if x.ID == u {
				x.Roles = append(x.Roles, "case_writer")
				bulk = append(bulk, rbac.PutUser(x))
			}
		}
	}
	rev, err := sam.Apply(ctx, "bulk: writers for the backlog", bulk...)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := sam.History(ctx, rbac.HistoryQuery{Actor: "sam", Kind: rbac.EntityUser, Key: "int1"})
	if err != nil || len(hist) != 1 || hist[0].Reason != "bulk: writers for the backlog" || hist[0].Changes[0].Before == nil {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	if _, err := a.Admin("int1").History(ctx, rbac.HistoryQuery{}); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("history without rbac.audit.read: %v", err)
	}
	if _, err := sam.Revert(ctx, rev, "undo the bulk change"); err != nil {
		t.Fatalf("revert: %v", err)
	}
	for _, u := range []rbac.UserID{"int1", "rita"} {
		if a.Snapshot().Check(rbac.Request{User: u, Permission: "case.write"}).Allowed {
			t.Errorf("%s still writes after the revert", u)
		}
	}
	// Reverting something changed since is a conflict naming the entity.
	rev2, err := sam.AssignRole(ctx, "", "int1", "case_reader")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sam.AssignRole(ctx, "", "int1", "case_viewer"); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Revert(ctx, rev2, ""); !errors.Is(err, rbac.ErrConflict) || !strings.Contains(err.Error(), `"int1"`) {
		t.Errorf("revert of a changed entity: %v", err)
	}
}

func TestOwnedRecords(t *testing.T) {
	ctx := context.Background()
	a, _ := newAuthorizer(t, `
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.users.manage, rbac.groups.manage, rbac.escalate]}
  - {id: editor, grants: [places.edit]}
  - {id: gds_editor, contains: [editor], grants: [places.gds_editor]}
users:
  - {id: root, roles: [admin]}
  - {id: dee, org: dfe, roles: [editor]}
  - {id: gus, org: gds, roles: [gds_editor]}
ownership:
  - {kind: service, bypass: places.gds_editor, create: places.edit}
`)
	owners, _, err := a.Admin("dee").CreateOwned(ctx, "new service", "service", "s1", nil)
	if err != nil || len(owners) != 1 || owners[0] != "dfe" {
		t.Fatalf("editor creates: %v, %v", owners, err)
	}
	if _, _, err := a.Admin("dee").CreateOwned(ctx, "", "service", "s2", []rbac.OrgSlug{"hmrc"}); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("editor names another org: %v", err)
	}
	if _, err := a.Admin("dee").SetOwners(ctx, "", "service", "s1", []rbac.OrgSlug{"dfe", "hmrc"}); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("editor changes owners: %v", err)
	}
	if _, err := a.Admin("gus").SetOwners(ctx, "shared", "service", "s1", []rbac.OrgSlug{"dfe", "hmrc"}); err != nil {
		t.Errorf("GDS editor changes owners: %v", err)
	}
	if !a.Snapshot().Check(rbac.Request{User: "dee", Permission: "places.edit", Resource: &rbac.Resource{Kind: "service", ID: "s1"}}).Allowed {
		t.Error("dee cannot edit her department's service")
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	ctx := context.Background()
	a, store := adminSetup(t)
	before := store.Revision()
	impact, err := a.Admin("sam").Preview(ctx, rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Roles: []rbac.RoleID{"case_writer"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.UserImpact{{User: "int1", Gained: []rbac.ScopedPermission{{Permission: "case.read", Scope: rbac.ScopeGlobal}, {Permission: "case.write", Scope: rbac.ScopeGlobal}}}}
	if diff := cmp.Diff(want, impact); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	if store.Revision() != before {
		t.Error("Preview wrote")
	}
}

// TestGroupManagerWhoManagesUsersDelegates: a user manager who also
// manages a group adds members by delegation (the group's roles, which he
// lacks), but what he assigns himself he must hold, even to a user who
// holds it through the group.
func TestGroupManagerWhoManagesUsersDelegates(t *testing.T) {
	ctx := context.Background()
	a, _ := newAuthorizer(t, `
roles:
  - {id: user_manager, grants: [rbac.users.manage, rbac.roles.manage, rbac.groups.manage, case.read]}
  - {id: writer, grants: [case.write]}
groups:
  - {id: writers, name: Writers, roles: [writer], managers: [uma]}
users:
  - {id: uma, roles: [user_manager]}
  - {id: wes}
`)
	uma := a.Admin("uma")
	if _, err := uma.AddMember(ctx, "", "writers", "wes"); err != nil {
		t.Errorf("the group's manager adds a member: %v", err)
	}
	// wes holds case.write through the group already, but a direct role
	// outlives the membership: the same changes in one set (add, assign,
	// remove) would give wes case.write directly, so it is judged as
	// given (DESIGN.md, "Judged as a whole").
	if _, err := uma.AssignRole(ctx, "", "wes", "writer"); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("assigning what the actor lacks, which wes holds through the group: %v", err)
	}
	if _, err := uma.RemoveMember(ctx, "", "writers", "wes"); err != nil {
		t.Fatal(err)
	}
	if _, err := uma.AddMember(ctx, "", "writers", "uma"); !errors.Is(err, rbac.ErrForbidden) {
		t.Errorf("the manager adds himself: %v", err)
	}
}

// TestPreviewCountsUsersUnderDynamicConstraints: a user whose full role
// set breaks a dynamic constraint is denied with every role active, yet
// gains what each allowed active-role set gives; Preview says so.
func TestPreviewCountsUsersUnderDynamicConstraints(t *testing.T) {
	ctx := context.Background()
	a, _ := newAuthorizer(t, attackPolicy)
	impact, err := a.Admin("sam").Preview(ctx, rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Roles: []rbac.RoleID{"suggester", "approver"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.UserImpact{{User: "int1", Gained: []rbac.ScopedPermission{{Permission: "approve", Scope: rbac.ScopeGlobal}, {Permission: "suggest", Scope: rbac.ScopeGlobal}}}}
	if diff := cmp.Diff(want, impact); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
}

// TestRemoveGrant: Admin.RemoveGrant takes exactly one grant from a role,
// judged like any change: rights first (an actor without them learns
// nothing of the role), then the model, then lockout; what it removes is
// a loss, so a roles manager may remove what he does not hold.
func TestRemoveGrant(t *testing.T) {
	tests := []struct {
		reason     string
		policy     string
		actor      rbac.UserID
		role       rbac.RoleID
		grant      string
		want       error
		wantGrants []string // the role's grants afterwards (when it exists)
	}{
		{reason: "a grant the role has is removed, the others stay",
			policy: attackPolicy, actor: "sam", role: "user_manager", grant: "case.read",
			wantGrants: []string{"rbac.users.manage", "report.view", "suggest", "approve"}},
		{reason: "a roles manager removes a grant he does not hold: a loss, not a gain",
			policy: attackPolicy, actor: "rita", role: "case_writer", grant: "case.write",
			wantGrants: []string{}},
		{reason: "the same permission at another scope is another grant",
			policy: attackPolicy, actor: "sam", role: "case_reader", grant: "case.read@mine", want: rbac.ErrNotFound,
			wantGrants: []string{"case.read"}},
		{reason: "a grant the role lacks",
			policy: attackPolicy, actor: "sam", role: "case_reader", grant: "case.write", want: rbac.ErrNotFound,
			wantGrants: []string{"case.read"}},
		{reason: "no such role",
			policy: attackPolicy, actor: "sam", role: "nobody", grant: "case.read", want: rbac.ErrNotFound},
		{reason: "an actor without rbac.roles.manage, on a role that exists",
			policy: attackPolicy, actor: "olly", role: "case_reader", grant: "case.read", want: rbac.ErrForbidden,
			wantGrants: []string{"case.read"}},
		{reason: "an actor without rbac.roles.manage, on a role that does not exist: the same answer",
			policy: attackPolicy, actor: "olly", role: "nobody", grant: "case.read", want: rbac.ErrForbidden},
		{reason: "a role id that is no identifier",
			policy: attackPolicy, actor: "sam", role: "bad id", grant: "case.read", want: rbac.ErrInvalid},
		{reason: "removing the last administrator's rbac.roles.manage is lockout",
			policy: "roles: [{id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage]}]\nusers: [{id: ann, roles: [admin]}]\n",
			actor:  "ann", role: "admin", grant: "rbac.roles.manage", want: rbac.ErrForbidden,
			wantGrants: []string{"rbac.roles.manage", "rbac.groups.manage", "rbac.users.manage"}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			a, store := newAuthorizer(t, tc.policy)
			rev := store.Revision()
			_, err := a.Admin(tc.actor).RemoveGrant(context.Background(), "", tc.role, mustGrant(t, tc.grant))
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want != nil && store.Revision() != rev {
				t.Errorf("refused but written: revision %d → %d", rev, store.Revision())
			}
			r, ok := a.Snapshot().Role(tc.role)
			if !ok {
				if tc.wantGrants != nil {
					t.Fatalf("role %s is gone", tc.role)
				}
				return
			}
			want, got := []string{}, []string{}
			for _, w := range tc.wantGrants {
				want = append(want, mustGrant(t, w).String())
			}
			for _, g := range r.Grants {
				got = append(got, g.String())
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("grants afterwards (-want +got):\n%s", diff)
			}
		})
	}
}
