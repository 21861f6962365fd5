package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rolegraph/rbac"
)

// fourEyesPolicy: two security administrators (sam, sue) who hold
// everything, a roles manager (rita) without rbac.escalate, approvals for
// sensitive gains, relaxations and the security_admin role and the writers
// group.
const fourEyesPolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.merge, sensitive: system administrators only}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, rbac.escalate, rbac.sensitive.grant, "*@all"]}
  - {id: role_manager, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, case.read, case.write]}
  - {id: case_reader, grants: [case.read]}
  - {id: case_writer, grants: [case.write]}
  - {id: merger, grants: [client.merge]}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer]}
  - {id: readers, name: Readers, account_type: internal, roles: [case_reader]}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: sue, account_type: internal, roles: [security_admin]}
  - {id: rita, account_type: internal, roles: [role_manager]}
  - {id: int1, account_type: internal}
  - {id: int2, account_type: internal, roles: [case_reader]}
constraints:
  - {name: read-or-merge, roles: [case_reader, merger], max: 1}
approvals:
  - {name: sensitive-changes, sensitive: true}
  - {name: relaxations, relaxations: true}
  - {name: admin-roles, roles: [security_admin]}
  - {name: writers-group, groups: [writers]}
`

// madeByPolicy: fourEyesPolicy with junior administrators (jo through the
// juniors group, tim through a timed assignment until 2030) whose every
// change needs approval.
var madeByPolicy = strings.NewReplacer(
	"roles:\n", "roles:\n  - {id: junior_admin, grants: [rbac.users.manage, case.read]}\n",
	"groups:\n", "groups:\n  - {id: juniors, name: Juniors, account_type: internal, roles: [junior_admin]}\n",
	"users:\n", "users:\n  - {id: jo, account_type: internal, groups: [juniors]}\n  - {id: tim, account_type: internal, temporary: [{role: junior_admin, until: 2030-01-01T00:00:00Z}]}\n",
	"approvals:\n", "approvals:\n  - {name: junior-admins, made_by: [junior_admin]}\n",
).Replace(fourEyesPolicy)

// TestFourEyesRefusesDirectChanges: a change set matching an approval entry
// is refused when applied directly, naming the entry; others pass; the
// system actor is not judged.
func TestFourEyesRefusesDirectChanges(t *testing.T) {
	ctx := context.Background()
	user := func(id rbac.UserID, roles []rbac.RoleID, groups []rbac.GroupID) rbac.Change {
		return rbac.PutUser(rbac.User{ID: id, AccountType: "internal", Roles: roles, Groups: groups})
	}
	giveReader := user("int1", []rbac.RoleID{"case_reader"}, nil)
	tests := []struct {
		reason string
		policy string // fourEyesPolicy when ""
		actor  rbac.UserID
		change rbac.Change
		want   string // the approval entry named, "" when accepted
		// approver, when set, approves the refused change proposed by
		// the actor: it then applies.
		approver rbac.UserID
	}{
		{"a sensitive gain", "", "sam", user("int1", []rbac.RoleID{"merger"}, nil), "sensitive-changes", ""},
		{"a relaxation by an escalating actor", "", "sam", rbac.DeleteConstraint("read-or-merge"), "relaxations", ""},
		{"assigning a listed role", "", "sam", user("int1", []rbac.RoleID{"security_admin"}, nil), "admin-roles", ""},
		{"taking a listed role away", "", "sue", user("sam", nil, nil), "admin-roles", ""},
		{"changing a listed role", "", "sam", rbac.PutRole(rbac.Role{ID: "security_admin", Grants: []rbac.Grant{{Permission: "*", Scope: rbac.ScopeAll}, {Permission: rbac.PermRolesManage, Scope: rbac.ScopeGlobal}, {Permission: rbac.PermGroupsManage, Scope: rbac.ScopeGlobal}, {Permission: rbac.PermUsersManage, Scope: rbac.ScopeGlobal}}}), "admin-roles", ""},
		{"adding a member to a listed group", "", "rita", user("int1", nil, []rbac.GroupID{"writers"}), "writers-group", ""},
		{"changing a listed group", "", "rita", rbac.PutGroup(rbac.Group{ID: "writers", Name: "Writers", AccountType: "internal", Roles: []rbac.RoleID{"case_writer", "case_reader"}}), "writers-group", ""},
		{"deleting an approval entry (escalating actor)", "", "sam", rbac.DeleteApproval("writers-group"), "relaxations", ""},
		{"a timed assignment of a listed role", "", "sam", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Temporary: []rbac.TimedAssignment{{Role: "security_admin", Until: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}}), "admin-roles", ""},
		{"a timed membership of a listed group", "", "rita", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Temporary: []rbac.TimedAssignment{{Group: "writers", Until: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}}), "writers-group", ""},
		{"an unlisted group's member", "", "rita", user("int1", nil, []rbac.GroupID{"readers"}), "", ""},
		{"an unlisted role", "", "rita", user("int1", []rbac.RoleID{"case_writer"}, nil), "", ""},
		{"a stricter approval entry", "", "sam", rbac.PutApproval(rbac.Approval{Name: "admin-roles", Roles: []rbac.RoleID{"security_admin", "role_manager"}}), "", ""},
		{"any change by a listed role held through a group", madeByPolicy, "jo", giveReader, "junior-admins", "sam"},
		{"any change by a listed role held through a running timed assignment", madeByPolicy, "tim", giveReader, "junior-admins", "rita"},
		{"the same change by an actor not holding the listed role", madeByPolicy, "rita", giveReader, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			policy := tt.policy
			if policy == "" {
				policy = fourEyesPolicy
			}
			a, store := newAuthorizer(t, policy)
			rev := store.Revision()
			_, err := a.Admin(tt.actor).Apply(ctx, "ticket 1", tt.change)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "needs approval") || !strings.Contains(err.Error(), `"`+tt.want+`"`) {
				t.Fatalf("got %v, want ErrForbidden saying it needs approval %q", err, tt.want)
			}
			if store.Revision() != rev {
				t.Fatal("refused but written")
			}
			if tt.approver != "" {
				p, err := a.Admin(tt.actor).Propose(ctx, "ticket 1", tt.change)
				if err != nil {
					t.Fatalf("Propose: %v", err)
				}
				if diff := cmp.Diff([]string{tt.want}, p.Approvals); diff != "" {
					t.Errorf("approvals matched (-want +got):\n%s", diff)
				}
				if _, err := a.Admin(tt.approver).Approve(ctx, p.ID, "checked"); err != nil {
					t.Fatalf("Approve by %s: %v", tt.approver, err)
				}
				if store.Revision() == rev {
					t.Fatal("approved but not written")
				}
				return
			}
			// rbac.System is not judged, four-eyes included.
			if _, err := a.Admin(rbac.System).Apply(ctx, "bootstrap", tt.change); err != nil {
				t.Fatalf("System: %v", err)
			}
		})
	}
}

// TestApprovalRelaxationNeedsEscalate: loosening or deleting an approval
// entry is a relaxation: refused without rbac.escalate.
func TestApprovalRelaxationNeedsEscalate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		reason string
		change rbac.Change
	}{
		{"deleting", rbac.DeleteApproval("admin-roles")},
		{"taking a role out", rbac.PutApproval(rbac.Approval{Name: "admin-roles", Groups: []rbac.GroupID{"readers"}})},
		{"taking a group out", rbac.PutApproval(rbac.Approval{Name: "writers-group", Roles: []rbac.RoleID{"case_reader"}})},
		{"no longer sensitive", rbac.PutApproval(rbac.Approval{Name: "sensitive-changes", Relaxations: true})},
		{"no longer relaxations", rbac.PutApproval(rbac.Approval{Name: "relaxations", Sensitive: true})},
		{"taking a role out of made_by", rbac.PutApproval(rbac.Approval{Name: "junior-admins", Groups: []rbac.GroupID{"readers"}})},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			a, _ := newAuthorizer(t, madeByPolicy)
			_, err := a.Admin("rita").Apply(ctx, "ticket 1", tt.change)
			if !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "relaxes the rules") || !strings.Contains(err.Error(), string(rbac.PermEscalate)) {
				t.Fatalf("got %v, want a relaxation that needs %s", err, rbac.PermEscalate)
			}
		})
	}
}

// TestApprovalsValidateAndCascade: approval entries name existing roles
// and groups and match something; deleting a role or group takes it out
// of them, and an entry left matching nothing goes.
func TestApprovalsValidateAndCascade(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		reason, yaml string
		want         error
	}{
		{"unknown role", "  - {name: x, roles: [nobody]}\n", rbac.ErrNotFound},
		{"unknown group", "  - {name: x, groups: [nobody]}\n", rbac.ErrNotFound},
		{"matches nothing", "  - {name: x}\n", rbac.ErrInvalid},
		{"role listed twice", "  - {name: x, roles: [merger, merger]}\n", rbac.ErrInvalid},
		{"unknown made_by role, with a suggestion", "  - {name: x, made_by: [mergr]}\n", rbac.ErrNotFound},
		{"made_by role listed twice", "  - {name: x, made_by: [merger, merger]}\n", rbac.ErrInvalid},
		{"made_by only", "  - {name: x, made_by: [merger]}\n", nil},
	} {
		_, err := rbac.LoadPolicy(strings.NewReader(fourEyesPolicy + tt.yaml))
		if !errors.Is(err, tt.want) || tt.want == nil && err != nil {
			t.Errorf("%s: got %v, want %v", tt.reason, err, tt.want)
		}
		if tt.want == rbac.ErrNotFound && strings.Contains(tt.yaml, "mergr") && !strings.Contains(fmt.Sprint(err), `did you mean "merger"`) {
			t.Errorf("%s: %v does not suggest merger", tt.reason, err)
		}
	}
	a, _ := newAuthorizer(t, fourEyesPolicy+"  - {name: mixed, roles: [merger], groups: [readers]}\n  - {name: by-merger, made_by: [merger]}\n  - {name: by-two, made_by: [merger, case_reader]}\n")
	sys := a.Admin(rbac.System)
	if _, err := sys.Apply(ctx, "", rbac.DeleteRole("merger")); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Apply(ctx, "", rbac.DeleteGroup("writers")); err != nil {
		t.Fatal(err)
	}
	p, _ := a.Policy()
	want := []rbac.Approval{
		{Name: "admin-roles", Roles: []rbac.RoleID{"security_admin"}},
		{Name: "by-two", MadeBy: []rbac.RoleID{"case_reader"}},
		{Name: "mixed", Groups: []rbac.GroupID{"readers"}},
		{Name: "relaxations", Relaxations: true},
		{Name: "sensitive-changes", Sensitive: true},
	}
	if diff := cmp.Diff(want, p.Approvals, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("approvals after deleting merger and writers (-want +got):\n%s", diff)
	}
}

// TestMadeByPrincipal: made_by judges a principal actor (AdminAs) by the
// roles its token gives, a group's included.
func TestMadeByPrincipal(t *testing.T) {
	ctx := context.Background()
	change := rbac.PutRole(rbac.Role{ID: "caseworker", Grants: grants("case.read")})
	inAdmins := tokenAdmin.Clone()
	inAdmins.Groups = []rbac.GroupID{"admins"}
	for _, tt := range []struct {
		reason    string
		principal rbac.User
		want      error
	}{
		{"a token whose group confers the listed role", inAdmins, rbac.ErrForbidden},
		{"a token without it", tokenAdmin, nil},
	} {
		a, store := newAuthorizer(t, tokenAdminPolicy+"approvals:\n  - {name: grouped-admins, made_by: [grouped_roles_admin]}\n", rbac.WithoutFollow())
		rev := store.Revision()
		_, err := a.AdminAs(&tt.principal).Apply(ctx, "ticket 2", change)
		if !errors.Is(err, tt.want) || tt.want != nil && !strings.Contains(err.Error(), `"grouped-admins"`) {
			t.Errorf("%s: got %v, want %v naming grouped-admins", tt.reason, err, tt.want)
		}
		if err != nil && store.Revision() != rev {
			t.Errorf("%s: refused but written", tt.reason)
		}
	}
}
