package rbac_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// Delegated administration per agency (ServiceNow's agency hierarchy,
// nVIRO's workgroups): rbac.users.manage held at scope workgroup lets an
// agency's administrator manage the users of the agency's workgroups, and
// no one else.
func Example_delegatedAdministrationPerAgency() {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(`
workgroups:
  - {id: state, name: State government}
  - {id: health, name: Health agency, parent: state}
  - {id: clinics, name: Clinics, parent: health}
  - {id: transport, name: Transport agency, parent: state}
roles:
  - {id: agency_admin, grants: ["rbac.users.manage@workgroup", "case.read@workgroup"]}
  - {id: case_reader, grants: ["case.read@workgroup"]}
users:
  - {id: hana, roles: [agency_admin], workgroups: [health]}
  - {id: nurse, workgroups: [clinics]}
  - {id: driver, workgroups: [transport]}
`))
	if err != nil {
		panic(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		panic(err)
	}
	authz, err := rbac.New(ctx, store)
	if err != nil {
		panic(err)
	}
	defer authz.Close()
	hana := authz.Admin("hana")

	_, err = hana.AssignRole(ctx, "new starter", "nurse", "case_reader")
	fmt.Println("hana gives a clinic nurse a role:", err == nil)

	_, err = hana.AssignRole(ctx, "", "driver", "case_reader")
	fmt.Println("hana gives a transport driver a role:", err)

	nurse := rbac.User{ID: "nurse", Roles: []rbac.RoleID{"case_reader"}, Workgroups: []rbac.WorkgroupID{"transport"}}
	_, err = hana.PutUser(ctx, "", nurse)
	fmt.Println("hana moves the nurse to transport:", err)
	// Output:
	// hana gives a clinic nurse a role: true
	// hana gives a transport driver a role: admin user "hana": put user "driver": rbac.users.manage at workgroup manages only users who have workgroups, each under one of the actor's workgroups, before and after the change (forbidden)
	// hana moves the nurse to transport: admin user "hana": put user "nurse": rbac.users.manage at workgroup manages only users who have workgroups, each under one of the actor's workgroups, before and after the change (forbidden)
}
