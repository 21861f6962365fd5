package rbac_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// attackPolicy has one actor per attacker of issue 8: a user manager
// (ursula, org dfe, workgroup leeds), a groups manager (gina), a roles
// manager (rita), delegated group managers (grace enabled, gwen disabled),
// an agency administrator (nora: rbac.users.manage@workgroup in north),
// actors with narrow grants (mallory, mona, mike, minnie) and an outsider
// (olly, org hmrc, no rights). sam holds everything.
const attackPolicy = `
account_types:
  - {id: internal}
  - {id: external}
  - {id: delius, default_roles: [probation]}
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.merge, sensitive: system administrators only, requires: [yj.case.view]}
  - {name: yj.case.view}
  - {name: report.export, requires: [report.view]}
  - {name: report.view}
  - {name: record.read}
  - {name: places.edit}
  - {name: places.gds_editor}
  - {name: suggest}
  - {name: approve}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, rbac.escalate, rbac.sensitive.grant, "*@all"]}
  - {id: user_manager, grants: [rbac.users.manage, case.read, report.view, suggest, approve]}
  - {id: groups_manager, grants: [rbac.groups.manage, case.read]}
  - {id: roles_manager, grants: [rbac.roles.manage, case.read, places.edit]}
  - {id: merge_manager, grants: [rbac.users.manage, rbac.roles.manage, client.merge, yj.case.view, suggest, approve]}
  - {id: export_manager, grants: [rbac.users.manage, report.export]}
  - {id: full_export_manager, grants: [rbac.users.manage, report.export, report.view]}
  - {id: mine_manager, grants: ["rbac.users.manage@mine", case.read]}
  - {id: agency_admin, grants: ["rbac.users.manage@workgroup", case.read]}
  - {id: probation, grants: [case.write]}
  - {id: case_reader, grants: [case.read]}
  - {id: case_writer, grants: [case.write]}
  - {id: merger, grants: [client.merge]}
  - {id: yj, grants: [yj.case.view]}
  - {id: exporter, grants: [report.export]}
  - {id: viewer, grants: [report.view]}
  - {id: suggester, grants: [suggest]}
  - {id: approver, grants: [approve]}
  - {id: power, grants: [rbac.users.manage, rbac.roles.manage, case.write]}
  - {id: partner, account_types: [external], grants: ["case.read@mine"]}
  - {id: editor, grants: [places.edit]}
  - {id: agency_reader, grants: [rbac.users.manage, "case.read@workgroup"]}
groups:
  - {id: partners, name: Partners, account_type: external, roles: [partner], managers: [grace, gwen]}
  - {id: powerful, name: Powerful, account_type: internal, roles: [power]}
  - {id: readers, name: Readers, account_type: internal, roles: [case_reader]}
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer], managers: [ursula]}
workgroups:
  - {id: north}
  - {id: leeds, parent: north}
  - {id: south}
  - {id: bristol, parent: south}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: ursula, account_type: internal, org: dfe, roles: [user_manager], workgroups: [leeds]}
  - {id: gina, account_type: internal, roles: [groups_manager]}
  - {id: rita, account_type: internal, roles: [roles_manager]}
  - {id: mallory, account_type: internal, roles: [merge_manager]}
  - {id: mona, account_type: internal, roles: [export_manager]}
  - {id: mike, account_type: internal, roles: [full_export_manager]}
  - {id: minnie, account_type: internal, roles: [mine_manager]}
  - {id: nora, account_type: internal, roles: [agency_admin], workgroups: [north]}
  - {id: grace, account_type: external}
  - {id: gwen, account_type: external, disabled: true}
  - {id: ext1, account_type: external}
  - {id: int1, account_type: internal}
  - {id: viewer1, account_type: internal, roles: [viewer, yj]}
  - {id: oldadmin, account_type: internal, roles: [security_admin], disabled: true}
  - {id: oldreader, account_type: internal, roles: [case_reader], disabled: true}
  - {id: leo, account_type: internal, workgroups: [leeds]}
  - {id: bob, account_type: internal, workgroups: [bristol]}
  - {id: ed, account_type: internal, org: dfe, roles: [editor]}
  - {id: olly, account_type: internal, org: hmrc}
  - {id: walt, account_type: internal, roles: [agency_reader], workgroups: [leeds]}
constraints:
  - {name: suggest-vs-approve, dynamic: true, max: 1, roles: [suggester, approver]}
  - {name: merge-vs-export, max: 1, roles: [merger, exporter]}
ownership:
  - {kind: service, bypass: places.gds_editor, create: places.edit}
owners:
  - {kind: service, id: s1, owners: [hmrc]}
`

// attack is one attack of issue 8 and, beside it, the legitimate version
// of the same change, which must succeed.
type attack struct {
	name    string
	setup   func(ctx context.Context, a *rbac.Authorizer) error // legitimate history the attack builds on
	attack  func(ctx context.Context, a *rbac.Authorizer) error
	want    error  // the sentinel the attack must wrap
	mention string // what the error must say (the rule), lowercase
	control func(ctx context.Context, a *rbac.Authorizer) error
}

func userOf(t testing.TB, a *rbac.Authorizer, id rbac.UserID) rbac.User {
	t.Helper()
	p, _ := a.Policy()
	for _, u := range p.Users {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no user %s", id)
	return rbac.User{}
}

func permissionOf(t testing.TB, a *rbac.Authorizer, name rbac.Permission) rbac.PermissionDef {
	t.Helper()
	p, _ := a.Policy()
	for _, d := range p.Permissions {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no permission %s", name)
	return rbac.PermissionDef{}
}

// runAttacks runs each attack on a fresh authorizer with policy: the
// attack fails with its sentinel, says its rule, writes nothing, and the
// legitimate control then succeeds. current, if not nil, is set to the
// running subtest, for the helpers of the table that look entities up.
func runAttacks(t *testing.T, policy string, current **testing.T, attacks []attack) {
	t.Helper()
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			if current != nil {
				*current = t
			}
			ctx := context.Background()
			a, store := newAuthorizer(t, policy)
			if at.setup != nil {
				if err := at.setup(ctx, a); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			rev, snap := store.Revision(), a.Snapshot()
			before, _ := a.Policy()
			err := at.attack(ctx, a)
			t.Logf("refused: %v", err)
			if !errors.Is(err, at.want) {
				t.Fatalf("attack: got %v, want an error wrapping %v", err, at.want)
			}
			if !strings.Contains(strings.ToLower(err.Error()), at.mention) {
				t.Errorf("the error does not say %q: %v", at.mention, err)
			}
			if store.Revision() != rev || a.Snapshot() != snap {
				t.Errorf("the refused attack wrote: revision %d → %d", rev, store.Revision())
			}
			after, _ := a.Policy()
			if diff := cmp.Diff(before.Entities(), after.Entities()); diff != "" {
				t.Errorf("the refused attack changed the model (-before +after):\n%s", diff)
			}
			if err := at.control(ctx, a); err != nil {
				t.Errorf("the legitimate version was refused: %v", err)
			}
		})
	}
}

func TestEveryAttackOfIssue8IsRefused(t *testing.T) {
	var tt *testing.T // the current subtest, for the helpers below
	with := func(a *rbac.Authorizer, id rbac.UserID, edit func(u *rbac.User)) rbac.Change {
		u := userOf(tt, a, id)
		edit(&u)
		return rbac.PutUser(u)
	}
	apply := func(actor rbac.UserID, reason string, changes func(a *rbac.Authorizer) []rbac.Change) func(context.Context, *rbac.Authorizer) error {
		return func(ctx context.Context, a *rbac.Authorizer) error {
			_, err := a.Admin(actor).Apply(ctx, reason, changes(a)...)
			return err
		}
	}
	one := func(c rbac.Change) func(*rbac.Authorizer) []rbac.Change {
		return func(*rbac.Authorizer) []rbac.Change { return []rbac.Change{c} }
	}
	userEdit := func(id rbac.UserID, edit func(u *rbac.User)) func(*rbac.Authorizer) []rbac.Change {
		return func(a *rbac.Authorizer) []rbac.Change { return []rbac.Change{with(a, id, edit)} }
	}
	setRoles := func(roles ...rbac.RoleID) func(u *rbac.User) { return func(u *rbac.User) { u.Roles = roles } }
	unmarked := func(a *rbac.Authorizer) rbac.Change {
		d := permissionOf(tt, a, "client.merge")
		d.Sensitive = ""
		return rbac.PutPermission(d)
	}
	long := strings.Repeat("x", 10<<10)

	attacks := []attack{
		// Escalation through the back doors of conferred().
		{name: "changing a user's account type to one whose default roles the actor lacks",
			attack: apply("ursula", "", userEdit("int1", func(u *rbac.User) { u.AccountType = "delius" })), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("ursula", "", userEdit("int1", func(u *rbac.User) { u.AccountType = "external" }))},
		{name: "creating a user of an account type whose default roles the actor lacks",
			attack: apply("ursula", "", one(rbac.PutUser(rbac.User{ID: "newp", AccountType: "delius"}))), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("ursula", "", one(rbac.PutUser(rbac.User{ID: "newp", AccountType: "internal"})))},
		{name: "re-enabling a disabled administrator",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("ursula").EnableUser(ctx, "", "oldadmin")
				return err
			}, want: rbac.ErrForbidden, mention: "oldadmin",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("ursula").EnableUser(ctx, "", "oldreader")
				return err
			}},
		{name: "deleting a dynamic separation-of-duty constraint",
			attack: apply("rita", "", one(rbac.DeleteConstraint("suggest-vs-approve"))), want: rbac.ErrForbidden, mention: "rbac.escalate",
			control: apply("sam", "", one(rbac.DeleteConstraint("suggest-vs-approve")))},
		{name: "loosening a constraint (static to dynamic)",
			attack: apply("rita", "", one(rbac.PutConstraint(rbac.Constraint{Name: "merge-vs-export", Dynamic: true, Max: 1, Roles: []rbac.RoleID{"merger", "exporter"}}))), want: rbac.ErrForbidden, mention: "dynamic",
			control: apply("rita", "", one(rbac.PutConstraint(rbac.Constraint{Name: "suggest-vs-approve", Dynamic: false, Max: 1, Roles: []rbac.RoleID{"suggester", "approver"}})))},
		{name: "removing a prerequisite",
			attack: apply("rita", "", func(a *rbac.Authorizer) []rbac.Change {
				d := permissionOf(tt, a, "report.export")
				d.Requires = nil
				return []rbac.Change{rbac.PutPermission(d)}
			}), want: rbac.ErrForbidden, mention: "prerequisite",
			control: apply("rita", "", func(a *rbac.Authorizer) []rbac.Change {
				d := permissionOf(tt, a, "report.export")
				d.Title = "Export reports"
				return []rbac.Change{rbac.PutPermission(d)}
			})},
		{name: "deleting the prerequisite permission",
			attack: apply("rita", "", one(rbac.DeletePermission("report.view"))), want: rbac.ErrForbidden, mention: "prerequisite",
			control: apply("rita", "", one(rbac.DeletePermission("record.read")))},
		{name: "un-marking a sensitive permission in the same change set as the grant",
			attack: apply("mallory", "needed", func(a *rbac.Authorizer) []rbac.Change {
				return []rbac.Change{unmarked(a), with(a, "viewer1", setRoles("viewer", "yj", "merger"))}
			}), want: rbac.ErrForbidden, mention: "sensitive",
			control: apply("sam", "ticket 7", func(a *rbac.Authorizer) []rbac.Change {
				return []rbac.Change{unmarked(a), with(a, "viewer1", setRoles("viewer", "yj", "merger"))}
			})},
		{name: "un-marking a sensitive permission (first of two steps)",
			attack: apply("mallory", "", func(a *rbac.Authorizer) []rbac.Change { return []rbac.Change{unmarked(a)} }), want: rbac.ErrForbidden, mention: "un-marking",
			control: apply("mallory", "", func(a *rbac.Authorizer) []rbac.Change {
				d := permissionOf(tt, a, "client.merge")
				d.Sensitive = "system administrators only, with a ticket"
				return []rbac.Change{rbac.PutPermission(d)}
			})},
		{name: "a sensitive grant to a user under a dynamic constraint",
			attack: apply("mallory", "needed", userEdit("viewer1", setRoles("viewer", "yj", "merger", "suggester", "approver"))), want: rbac.ErrForbidden, mention: "sensitive",
			control: apply("sam", "ticket 8", userEdit("viewer1", setRoles("viewer", "yj", "merger", "suggester", "approver")))},
		{name: "a grant the actor lacks to a user under a dynamic constraint",
			attack: apply("ursula", "", userEdit("int1", setRoles("case_writer", "suggester", "approver"))), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("ursula", "", userEdit("int1", setRoles("case_reader", "suggester", "approver")))},
		{name: "conferring a permission the actor holds but cannot use (its prerequisite is missing)",
			attack: apply("mona", "", userEdit("viewer1", setRoles("viewer", "yj", "exporter"))), want: rbac.ErrForbidden, mention: "report.export",
			control: apply("mike", "", userEdit("viewer1", setRoles("viewer", "yj", "exporter")))},

		// Delegation.
		{name: "a group manager adds himself to the group he manages",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("grace").AddMember(ctx, "", "partners", "grace")
				return err
			}, want: rbac.ErrForbidden, mention: "manager",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("grace").AddMember(ctx, "", "partners", "ext1")
				return err
			}},
		{name: "a disabled manager keeps managing",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gwen").AddMember(ctx, "", "partners", "ext1")
				return err
			}, want: rbac.ErrForbidden, mention: "disabled",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("grace").AddMember(ctx, "", "partners", "ext1")
				return err
			}},
		{name: "a groups manager appoints himself manager of a powerful group",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddGroupManager(ctx, "", "powerful", "gina")
				return err
			}, want: rbac.ErrForbidden, mention: "delegates",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddGroupManager(ctx, "", "readers", "gina")
				return err
			}},
		{name: "a groups manager appoints an accomplice manager of a powerful group",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddGroupManager(ctx, "", "powerful", "int1")
				return err
			}, want: rbac.ErrForbidden, mention: "delegates",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddGroupManager(ctx, "", "readers", "int1")
				return err
			}},
		{name: "a manager appointed (by escalation) joins the group himself",
			setup: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").AddGroupManager(ctx, "", "powerful", "gina")
				return err
			},
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddMember(ctx, "", "powerful", "gina")
				return err
			}, want: rbac.ErrForbidden, mention: "manager",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("gina").AddMember(ctx, "", "powerful", "int1")
				return err
			}},
		{name: "a roles manager makes a managed group confer more",
			attack: apply("rita", "", func(a *rbac.Authorizer) []rbac.Change {
				return []rbac.Change{rbac.PutRole(rbac.Role{ID: "partner", AccountTypes: []rbac.AccountType{"external"}, Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeMine}, {Permission: "case.write", Scope: rbac.ScopeGlobal}}})}
			}), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("rita", "", func(a *rbac.Authorizer) []rbac.Change {
				return []rbac.Change{rbac.PutRole(rbac.Role{ID: "partner", AccountTypes: []rbac.AccountType{"external"}, Grants: []rbac.Grant{{Permission: "case.read", Scope: rbac.ScopeGlobal}}})}
			})},

		// Reach.
		{name: "a user manager changes his own org to another organisation's",
			attack: apply("ursula", "", userEdit("ursula", func(u *rbac.User) { u.Org = "hmrc" })), want: rbac.ErrForbidden, mention: "org",
			control: apply("ursula", "", userEdit("int1", func(u *rbac.User) { u.Org = "dfe" }))},
		// Reach is per permission (issue 20): ursula holds nothing at
		// scope workgroup, so her workgroups confer nothing; walt reads
		// cases by workgroup.
		{name: "a user manager adds himself to other workgroups",
			attack: apply("walt", "", userEdit("walt", func(u *rbac.User) { u.Workgroups = append(u.Workgroups, "south") })), want: rbac.ErrForbidden, mention: "workgroup",
			control: apply("walt", "", userEdit("int1", func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"leeds"} }))},
		{name: "a user manager re-parents a workgroup subtree under his own",
			attack: apply("walt", "", one(rbac.PutWorkgroup(rbac.Workgroup{ID: "south", Parent: "leeds"}))), want: rbac.ErrForbidden, mention: "workgroup",
			control: apply("walt", "", one(rbac.PutWorkgroup(rbac.Workgroup{ID: "headingley"})))},
		{name: "a roles manager retargets an ownership rule's bypass to a permission he holds",
			attack: apply("rita", "", one(rbac.PutOwnershipRule(rbac.OwnershipRule{Kind: "service", Bypass: "case.read", Create: "places.edit"}))), want: rbac.ErrForbidden, mention: "bypass",
			control: apply("sam", "", one(rbac.PutOwnershipRule(rbac.OwnershipRule{Kind: "service", Bypass: "case.read", Create: "places.edit"})))},
		{name: "a roles manager deletes the ownership rule",
			attack: apply("rita", "", one(rbac.DeleteOwnershipRule("service"))), want: rbac.ErrForbidden, mention: "ownership rule",
			control: apply("rita", "", one(rbac.PutOwnershipRule(rbac.OwnershipRule{Kind: "report", Bypass: "places.gds_editor"})))},
		{name: "a user with an org but no create permission records a never-stored record as his",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, _, err := a.Admin("olly").CreateOwned(ctx, "", "service", "s2", nil)
				return err
			}, want: rbac.ErrForbidden, mention: "places.edit",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, _, err := a.Admin("ed").CreateOwned(ctx, "", "service", "s2", nil)
				return err
			}},
		{name: "CreateOwned on a record whose owners are stored",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, _, err := a.Admin("ed").CreateOwned(ctx, "", "service", "s1", nil)
				return err
			}, want: rbac.ErrExists, mention: "already",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, _, err := a.Admin("ed").CreateOwned(ctx, "", "service", "s3", nil)
				return err
			}},
		{name: "recording owners through Apply without the create permission",
			attack: apply("olly", "", one(rbac.PutOwnership(rbac.Ownership{Kind: "service", ID: "s2", Owners: []rbac.OrgSlug{"hmrc"}}))), want: rbac.ErrForbidden, mention: "places.edit",
			control: apply("ed", "", one(rbac.PutOwnership(rbac.Ownership{Kind: "service", ID: "s2", Owners: []rbac.OrgSlug{"dfe"}})))},
		{name: "an agency administrator manages a user outside his workgroups",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("nora").AssignRole(ctx, "", "bob", "case_reader")
				return err
			}, want: rbac.ErrForbidden, mention: "workgroup",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("nora").AssignRole(ctx, "", "leo", "case_reader")
				return err
			}},
		{name: "an agency administrator moves his user to another agency",
			attack: apply("nora", "", userEdit("leo", func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"bristol"} })), want: rbac.ErrForbidden, mention: "workgroup",
			control: apply("nora", "", userEdit("leo", func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"north"} }))},
		{name: "an admin permission held at mine confers nothing",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("minnie").AssignRole(ctx, "", "int1", "case_reader")
				return err
			}, want: rbac.ErrForbidden, mention: "rbac.users.manage",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("ursula").AssignRole(ctx, "", "int1", "case_reader")
				return err
			}},

		// Leaks and bad input.
		{name: "an outsider previews who would hold what",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				impact, err := a.Admin("olly").Preview(ctx, rbac.PutRole(rbac.Role{ID: "case_reader", Grants: []rbac.Grant{{Permission: "case.write", Scope: rbac.ScopeGlobal}}}))
				if impact != nil {
					return errors.New("preview revealed impacts")
				}
				return err
			}, want: rbac.ErrForbidden, mention: "rbac.roles.manage",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").Preview(ctx, rbac.PutRole(rbac.Role{ID: "case_reader", Grants: []rbac.Grant{{Permission: "case.write", Scope: rbac.ScopeGlobal}}}))
				return err
			}},
		{name: "an outsider reverts and reads entity names from the audit log",
			setup: func(ctx context.Context, a *rbac.Authorizer) error {
				if _, err := a.Admin("sam").AssignRole(ctx, "", "int1", "case_reader"); err != nil {
					return err
				}
				_, err := a.Admin("sam").AssignRole(ctx, "", "int1", "case_writer")
				return err
			},
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("olly").Revert(ctx, a.Snapshot().Revision()-1, "")
				if err != nil && strings.Contains(err.Error(), "int1") {
					return errors.New("revert revealed an entity: " + err.Error())
				}
				return err
			}, want: rbac.ErrForbidden, mention: "rbac.audit.read",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").Revert(ctx, a.Snapshot().Revision(), "")
				return err
			}},
		{name: "an outsider reads the history",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("olly").History(ctx, rbac.HistoryQuery{})
				return err
			}, want: rbac.ErrForbidden, mention: "rbac.audit.read",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").History(ctx, rbac.HistoryQuery{})
				return err
			}},
		{name: "Revert supplies its own reason to pass the sensitive rule",
			setup: func(ctx context.Context, a *rbac.Authorizer) error {
				if _, err := a.Admin("sam").AssignRole(ctx, "ticket 9", "viewer1", "merger"); err != nil {
					return err
				}
				_, err := a.Admin("sam").UnassignRole(ctx, "ticket 10", "viewer1", "merger")
				return err
			},
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").Revert(ctx, a.Snapshot().Revision(), "")
				return err
			}, want: rbac.ErrForbidden, mention: "reason",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").Revert(ctx, a.Snapshot().Revision(), "ticket 11: removed by mistake")
				return err
			}},
		{name: "a change whose value has the wrong type, by an actor without rights",
			attack: apply("olly", "", one(rbac.Change{Kind: rbac.EntityUser, Key: "x", After: rbac.Role{ID: "x"}})), want: rbac.ErrInvalid, mention: "rbac.role,",
			control: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "x", AccountType: "internal"})))},
		{name: "a change whose value is a pointer",
			attack: apply("olly", "", one(rbac.Change{Kind: rbac.EntityUser, Key: "x", After: &rbac.User{ID: "x"}})), want: rbac.ErrInvalid, mention: "*rbac.user,",
			control: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "x", AccountType: "internal"})))},
		{name: "a change whose value is a nil pointer",
			attack: apply("olly", "", one(rbac.Change{Kind: rbac.EntityOwnership, Key: "service/x", After: (*rbac.Ownership)(nil)})), want: rbac.ErrInvalid, mention: "*rbac.ownership,",
			control: apply("ed", "", one(rbac.PutOwnership(rbac.Ownership{Kind: "service", ID: "x", Owners: []rbac.OrgSlug{"dfe"}})))},
		{name: "NUL in a reason",
			attack: apply("sam", "a\x00b", userEdit("int1", setRoles("case_reader"))), want: rbac.ErrInvalid, mention: "nul",
			control: apply("sam", "ab", userEdit("int1", setRoles("case_reader")))},
		{name: "invalid UTF-8 in a role title",
			attack: apply("sam", "", one(rbac.PutRole(rbac.Role{ID: "r9", Title: "caf\xe9"}))), want: rbac.ErrInvalid, mention: "utf-8",
			control: apply("sam", "", one(rbac.PutRole(rbac.Role{ID: "r9", Title: "café"})))},
		{name: "NUL in a group name",
			attack: apply("sam", "", one(rbac.PutGroup(rbac.Group{ID: "g9", Name: "G\x009", AccountType: "internal"}))), want: rbac.ErrInvalid, mention: "nul",
			control: apply("sam", "", one(rbac.PutGroup(rbac.Group{ID: "g9", Name: "G9", AccountType: "internal"})))},
		{name: "a 10 KB id inside an entity",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").Apply(ctx, "", rbac.PutUser(rbac.User{ID: "x", AccountType: "internal", Roles: []rbac.RoleID{rbac.RoleID(long)}}))
				if err != nil && len(err.Error()) > 500 {
					return errors.New("the error echoes the id: " + err.Error()[:100])
				}
				return err
			}, want: rbac.ErrInvalid, mention: "bytes",
			control: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "x", AccountType: "internal", Roles: []rbac.RoleID{"case_reader"}})))},
		{name: "a user with the id rbac.system",
			attack: apply("sam", "", one(rbac.PutUser(rbac.User{ID: rbac.System, AccountType: "internal"}))), want: rbac.ErrInvalid, mention: "reserved",
			control: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "system", AccountType: "internal"})))},
		{name: "a user with an id starting rbac.",
			attack: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "rbac.admin", AccountType: "internal"}))), want: rbac.ErrInvalid, mention: "reserved",
			control: apply("sam", "", one(rbac.PutUser(rbac.User{ID: "rbacadmin", AccountType: "internal"})))},

		// No empty writes.
		{name: "removing a member who is not one",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveMember(ctx, "", "readers", "int1")
				return err
			}, want: rbac.ErrNotFound, mention: "not in group",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").AddMember(ctx, "", "readers", "int1")
				return err
			}},
		{name: "unassigning a role the user lacks",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").UnassignRole(ctx, "", "int1", "case_reader")
				return err
			}, want: rbac.ErrNotFound, mention: "does not hold",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").UnassignRole(ctx, "", "ed", "editor")
				return err
			}},
		{name: "removing a group role the group lacks",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveGroupRole(ctx, "", "readers", "power")
				return err
			}, want: rbac.ErrNotFound, mention: "does not have",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveGroupRole(ctx, "", "readers", "case_reader")
				return err
			}},
		{name: "removing a manager who is not one",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveGroupManager(ctx, "", "readers", "gina")
				return err
			}, want: rbac.ErrNotFound, mention: "does not manage",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveGroupManager(ctx, "", "partners", "gwen")
				return err
			}},
		{name: "removing a containment that is not there",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").RemoveContains(ctx, "", "power", "case_reader")
				return err
			}, want: rbac.ErrNotFound, mention: "does not contain",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").AddContains(ctx, "", "power", "case_reader")
				return err
			}},
		{name: "putting a user exactly as it is",
			attack: apply("sam", "", userEdit("int1", func(*rbac.User) {})), want: rbac.ErrExists, mention: "nothing to change",
			control: apply("sam", "", userEdit("int1", setRoles("case_reader")))},
		{name: "disabling a disabled user",
			attack: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").DisableUser(ctx, "", "oldadmin")
				return err
			}, want: rbac.ErrExists, mention: "already disabled",
			control: func(ctx context.Context, a *rbac.Authorizer) error {
				_, err := a.Admin("sam").DisableUser(ctx, "", "int1")
				return err
			}},
	}
	runAttacks(t, attackPolicy, &tt, attacks)
}
