// Command nviro shows nVIRO's security groups and evaluation scopes: roles
// Mine, Workgroup, Global and Administrator over an agency's workgroup
// hierarchy, users getting the union of their groups' roles, and a security
// group copied under a new name, extended, and deleted again.
//
// policy.yaml is a copy of testdata/seeds/nviro.yaml.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("nviro", run) }

func run(w io.Writer) error {
	ctx := context.Background()
	a, done, err := demo.Authorizer(ctx, policyYAML)
	if err != nil {
		return err
	}
	defer done()

	evaluation := func(id string, assignee rbac.UserID, wg rbac.WorkgroupID, inactive bool) *rbac.Resource {
		r := &rbac.Resource{Kind: "evaluation", ID: id, Workgroups: []rbac.WorkgroupID{wg}, Inactive: inactive}
		if assignee != "" {
			r.Assignees = []rbac.UserID{assignee}
		}
		return r
	}
	ask := func(text string, req rbac.Request) error {
		return demo.Ask(ctx, w, a, []demo.Question{{Text: text, Request: req}})
	}
	questions := []demo.Question{
		{Text: "Paula (Mine) reads e1, which she processes",
			Request: rbac.Request{User: "paula", Permission: "evaluation.read", Resource: evaluation("e1", "paula", "deq.water.north", false)}},
		{Text: "Paula (Mine) reads e2, processed by a colleague",
			Request: rbac.Request{User: "paula", Permission: "evaluation.read", Resource: evaluation("e2", "sven", "deq.water.north", false)}},
		{Text: "Sven (Workgroup: Water Division) reads e2 in North Region Water",
			Request: rbac.Request{User: "sven", Permission: "evaluation.read", Resource: evaluation("e2", "sven", "deq.water.north", false)}},
		{Text: "Sven reads e5 in the Air Division",
			Request: rbac.Request{User: "sven", Permission: "evaluation.read", Resource: evaluation("e5", "", "deq.air", false)}},
		{Text: "Greta (Global) reads closed evaluation e9",
			Request: rbac.Request{User: "greta", Permission: "evaluation.read", Resource: evaluation("e9", "", "dnr", true)}},
		{Text: "Ada (Administrator) reads closed evaluation e9",
			Request: rbac.Request{User: "ada", Permission: "evaluation.read", Resource: evaluation("e9", "", "dnr", true)}},
		{Text: "Carla, in Permitting Staff and Compliance Staff, updates an inspection",
			Request: rbac.Request{User: "carla", Permission: "inspection.update"}},
		{Text: "Paula updates an inspection",
			Request: rbac.Request{User: "paula", Permission: "inspection.update"}},
	}
	if err := demo.Ask(ctx, w, a, questions); err != nil {
		return err
	}

	// Three permit writers need compliance functions the rest of their
	// group should not get: copy the group under a unique name, add the
	// role, and move them.
	snap, _ := a.Policy()
	var base rbac.Group
	for _, g := range snap.Groups {
		if g.ID == "permitting_staff" {
			base = g
		}
	}
	copied := base.Copy("permitting_staff_inspections", "Permitting Staff With Inspections")
	copied.Roles = append(copied.Roles, "compliance")
	rev, err := a.Apply(ctx, rbac.ChangeSet{Actor: "ada", Reason: "three permit writers also inspect",
		Changes: []rbac.Change{
			rbac.PutGroup(copied),
			rbac.PutUser(rbac.User{ID: "paula", AccountType: "internal", Groups: []rbac.GroupID{"permitting_staff_inspections"}, Workgroups: []rbac.WorkgroupID{"deq.water.north"}}),
		}})
	if err != nil {
		return err
	}
	roles := make([]string, len(copied.Roles))
	for i, r := range copied.Roles {
		roles[i] = string(r)
	}
	fmt.Fprintf(w, "\ncopied %q to %q with roles %s (revision %d)\n", base.Name, copied.Name, strings.Join(roles, ", "), rev)
	if err := ask("Paula updates an inspection", rbac.Request{User: "paula", Permission: "inspection.update", AtLeast: rev}); err != nil {
		return err
	}

	// Deleting a group removes it from every member in the same change.
	rev, err = a.Apply(ctx, rbac.ChangeSet{Actor: "ada", Reason: "no longer needed",
		Changes: []rbac.Change{rbac.DeleteGroup("permitting_staff_inspections")}})
	if err != nil {
		return err
	}
	after, _ := a.Policy()
	for _, u := range after.Users {
		if u.ID == "paula" {
			groups := "paula is in no group any more"
			if len(u.Groups) > 0 {
				groups = fmt.Sprintf("paula is still in %d groups", len(u.Groups))
			}
			fmt.Fprintf(w, "\ndeleted the copy (revision %d); %s\n", rev, groups)
		}
	}
	return ask("Paula, in no group now, reads e1", rbac.Request{User: "paula", Permission: "evaluation.read", AtLeast: rev,
		Resource: evaluation("e1", "paula", "deq.water.north", false)})
}
