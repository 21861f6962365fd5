package rbac_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// judgePolicy has one actor per attacker of issue 20: dora manages users,
// reads cases everywhere and manages the group writers (whose role writes
// cases, which she cannot); walt manages users and reads cases in leeds'
// subtree only; gus manages users and exercises nothing else; rita manages
// roles and views clients; carl manages roles and holds client.*, as does
// cal; gwen is the disabled manager of partners. sam may do anything.
const judgePolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: case.read}
  - {name: case.write}
  - {name: client.view}
  - {name: client.merge}
kinds:
  - {name: case}
  - {name: service}
roles:
  - {id: admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.audit.read, rbac.escalate, rbac.sensitive.grant]}
  - {id: reader_manager, grants: [rbac.users.manage, case.read]}
  - {id: agency_reader, grants: [rbac.users.manage, "case.read@workgroup"]}
  - {id: user_admin, grants: [rbac.users.manage]}
  - {id: role_manager, grants: [rbac.roles.manage, client.view]}
  - {id: client_role_manager, grants: [rbac.roles.manage, "client.*"]}
  - {id: client_all, grants: ["client.*"]}
  - {id: case_writer, grants: [case.write]}
  - {id: wg_reader, grants: ["case.read@workgroup"]}
  - {id: partner, grants: ["case.read@mine"]}
  - {id: viewer_a, grants: [client.view]}
  - {id: viewer_b, grants: [client.view]}
  - {id: viewer_c, grants: [client.view]}
  - {id: viewer_d, grants: [client.view]}
constraints:
  - {name: one-viewer, max: 1, roles: [viewer_a, viewer_b, viewer_c]}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer], managers: [dora]}
  - {id: partners, name: Partners, account_type: internal, roles: [partner], managers: [gwen]}
workgroups:
  - {id: north}
  - {id: leeds, parent: north}
  - {id: south}
  - {id: bristol, parent: south}
users:
  - {id: sam, account_type: internal, roles: [admin]}
  - {id: dora, account_type: internal, roles: [reader_manager]}
  - {id: walt, account_type: internal, roles: [agency_reader], workgroups: [leeds]}
  - {id: gus, account_type: internal, roles: [user_admin]}
  - {id: rita, account_type: internal, roles: [role_manager]}
  - {id: carl, account_type: internal, roles: [client_role_manager]}
  - {id: cal, account_type: internal, roles: [client_all]}
  - {id: gwen, account_type: internal, disabled: true}
  - {id: int2, account_type: internal}
  - {id: leo, account_type: internal, workgroups: [leeds]}
  - {id: bob, account_type: internal, workgroups: [bristol]}
`

func TestEveryAttackOfIssue20IsRefused(t *testing.T) {
	user := func(id rbac.UserID, edit func(u *rbac.User)) rbac.Change {
		u := rbac.User{ID: id, AccountType: "internal"}
		edit(&u)
		return rbac.PutUser(u)
	}
	apply := func(actor rbac.UserID, reason string, changes ...rbac.Change) func(context.Context, *rbac.Authorizer) error {
		return func(ctx context.Context, a *rbac.Authorizer) error {
			_, err := a.Admin(actor).Apply(ctx, reason, changes...)
			return err
		}
	}
	// then runs steps in order, stopping at the first error.
	then := func(steps ...func(context.Context, *rbac.Authorizer) error) func(context.Context, *rbac.Authorizer) error {
		return func(ctx context.Context, a *rbac.Authorizer) error {
			for _, step := range steps {
				if err := step(ctx, a); err != nil {
					return err
				}
			}
			return nil
		}
	}
	call := func(f func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error)) func(context.Context, *rbac.Authorizer) error {
		return func(ctx context.Context, a *rbac.Authorizer) error {
			_, err := f(ctx, a)
			return err
		}
	}
	inWriters := user("int2", func(u *rbac.User) { u.Groups = []rbac.GroupID{"writers"} })
	writesDirectly := user("int2", func(u *rbac.User) { u.Roles = []rbac.RoleID{"case_writer"} })
	both := user("int2", func(u *rbac.User) { u.Roles, u.Groups = []rbac.RoleID{"case_writer"}, []rbac.GroupID{"writers"} })
	wg := func(id, parent rbac.WorkgroupID) rbac.Change {
		return rbac.PutWorkgroup(rbac.Workgroup{ID: id, Parent: parent})
	}
	allPermissions := []rbac.Change{rbac.DeletePermission("case.read"), rbac.DeletePermission("case.write"), rbac.DeletePermission("client.view"), rbac.DeletePermission("client.merge")}

	runAttacks(t, judgePolicy, nil, []attack{
		// 1. Order inside one set: the net effect is judged.
		{name: "a manager joins a user to his group, then gives the user the group's role directly, in one set",
			attack: apply("dora", "", inWriters, writesDirectly), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("dora", "", inWriters)},
		{name: "the same two changes in the other order",
			attack: apply("dora", "", writesDirectly, both), want: rbac.ErrForbidden, mention: "case.write",
			control: apply("dora", "", user("int2", func(u *rbac.User) {}), inWriters)},
		{name: "the same two changes in two sets: what a managed group delegated becomes a direct role",
			setup:  apply("dora", "", inWriters),
			attack: apply("dora", "", writesDirectly), want: rbac.ErrForbidden, mention: "case.write",
			control: call(func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error) {
				return a.Admin("dora").RemoveMember(ctx, "", "writers", "int2")
			})},

		// 2. Sequences: a deleted workgroup's id keeps no power.
		{name: "deleting a workgroup outside one's reach, then re-creating it under one's own",
			setup:  apply("walt", "", rbac.DeleteWorkgroup("bristol")),
			attack: apply("walt", "", wg("bristol", "leeds")), want: rbac.ErrForbidden, mention: "bristol",
			control: apply("walt", "", wg("bristol", "south"))},
		{name: "the same two changes in one set",
			attack: apply("walt", "", rbac.DeleteWorkgroup("bristol"), wg("bristol", "leeds")), want: rbac.ErrForbidden, mention: "bristol",
			control: apply("walt", "", rbac.DeleteWorkgroup("bristol"), wg("bristol", "south"))},
		{name: "a new workgroup id under a workgroup whose users read by workgroup: reached only by global readers",
			attack: apply("walt", "", wg("headingley", "leeds")), want: rbac.ErrForbidden, mention: "headingley",
			control: apply("dora", "", wg("headingley", "leeds"))},

		// 3. Enabling a disabled manager is appointing him.
		{name: "enabling the disabled manager of a group whose roles the actor lacks",
			attack: call(func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error) {
				return a.Admin("gus").EnableUser(ctx, "", "gwen")
			}), want: rbac.ErrForbidden, mention: "appointing",
			control: call(func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error) {
				return a.Admin("dora").EnableUser(ctx, "", "gwen")
			})},

		// 4. The catalogue confers too.
		{name: "cataloguing a name that holders of client.* now exercise",
			attack: apply("rita", "", rbac.PutPermission(rbac.PermissionDef{Name: "client.export"})), want: rbac.ErrForbidden, mention: "client.export",
			control: apply("carl", "", rbac.PutPermission(rbac.PermissionDef{Name: "client.export"}))},
		{name: "cataloguing a sensitive name under a held wildcard without rbac.sensitive.grant",
			attack: apply("carl", "", rbac.PutPermission(rbac.PermissionDef{Name: "client.export", Sensitive: "bulk export"})), want: rbac.ErrForbidden, mention: "sensitive",
			control: apply("sam", "ticket 20", rbac.PutPermission(rbac.PermissionDef{Name: "client.export", Sensitive: "bulk export"}))},

		// 5. Switching strictness off is a relaxation.
		{name: "deleting the last declared kind, one set after the other",
			setup:  apply("rita", "", rbac.DeleteKind("service")),
			attack: apply("rita", "", rbac.DeleteKind("case")), want: rbac.ErrForbidden, mention: "kind",
			control: apply("rita", "", rbac.PutKind(rbac.Kind{Name: "report"}))},
		{name: "emptying the catalogue",
			attack: apply("rita", "", allPermissions...), want: rbac.ErrForbidden, mention: "catalogue",
			control: apply("rita", "", rbac.DeletePermission("client.merge"))},

		// Ids keep no power: a role deleted out of a constraint could be
		// re-created unconstrained.
		{name: "deleting a role a separation-of-duty constraint names",
			attack: apply("rita", "", rbac.DeleteRole("viewer_c")), want: rbac.ErrForbidden, mention: "viewer_c",
			control: apply("rita", "", rbac.DeleteRole("viewer_d"))},

		// 6. Reach is per permission.
		{name: "a user administrator places a new user who reads by workgroup in a new workgroup",
			attack: apply("gus", "", wg("w1", ""), user("newbie", func(u *rbac.User) {
				u.Workgroups, u.Roles = []rbac.WorkgroupID{"w1"}, []rbac.RoleID{"wg_reader"}
			})), want: rbac.ErrForbidden, mention: "case.read",
			control: then(apply("gus", "", wg("w1", "")), apply("gus", "", user("newbie", func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"w1"} })))},
		{name: "a workgroup-scoped permission for a user in workgroups the actor does not read",
			attack: call(func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error) {
				return a.Admin("walt").AssignRole(ctx, "", "bob", "wg_reader")
			}), want: rbac.ErrForbidden, mention: "bristol",
			control: call(func(ctx context.Context, a *rbac.Authorizer) (rbac.Revision, error) {
				return a.Admin("walt").AssignRole(ctx, "", "leo", "wg_reader")
			})},
		{name: "moving a user who reads by workgroup out of the actor's reach",
			setup:  apply("walt", "", user("leo", func(u *rbac.User) { u.Workgroups, u.Roles = []rbac.WorkgroupID{"leeds"}, []rbac.RoleID{"wg_reader"} })),
			attack: apply("walt", "", user("leo", func(u *rbac.User) { u.Workgroups, u.Roles = []rbac.WorkgroupID{"south"}, []rbac.RoleID{"wg_reader"} })), want: rbac.ErrForbidden, mention: "workgroup",
			control: apply("walt", "", user("leo", func(u *rbac.User) { u.Workgroups = []rbac.WorkgroupID{"south"} }))},
	})
}

// TestUnknownRbacNamesAreInvalid: a name under the built-in prefix that is
// not built in is uncatalogued, with or without a catalogue, even for a
// holder of *@all; the built-in names stay known.
func TestUnknownRbacNamesAreInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
	}{
		{"with a catalogue", "permissions: [{name: case.read}]\nroles: [{id: root, grants: [\"*@all\"]}]\nusers: [{id: sam, roles: [root]}]\n"},
		{"free-form", "roles: [{id: root, grants: [\"*@all\"]}]\nusers: [{id: sam, roles: [root]}]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAuthorizer(t, tc.policy)
			type row struct {
				Permission rbac.Permission
				Reason     rbac.Reason
			}
			var got []row
			want := []row{{"rbac.nothing", rbac.ReasonInvalidRequest}, {"rbac.users.manage", rbac.ReasonGranted}, {"rbac.roles", rbac.ReasonInvalidRequest}}
			for _, w := range want {
				d := a.Snapshot().Check(rbac.Request{User: "sam", Permission: w.Permission})
				got = append(got, row{w.Permission, d.Reason})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
