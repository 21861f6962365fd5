// Command nviro shows nVIRO's security groups and evaluation scopes: roles
// Mine, Workgroup, Global and Administrator over an agency's workgroup
// hierarchy, users getting the union of their groups' roles, and a security
// group copied under a new name, extended, and deleted again.
//
// policy.yaml is a copy of testdata/seeds/nviro.yaml.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nviro:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}
	store := memstore.New()
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return err
	}
	a, err := rbac.New(ctx, store)
	if err != nil {
		return err
	}
	defer a.Close()

	evaluation := func(id string, assignee rbac.UserID, wg rbac.WorkgroupID, inactive bool) *rbac.Resource {
		r := &rbac.Resource{Kind: "evaluation", ID: id, Workgroups: []rbac.WorkgroupID{wg}, Inactive: inactive}
		if assignee != "" {
			r.Assignees = []rbac.UserID{assignee}
		}
		return r
	}
	ask := func(text string, req rbac.Request) error {
		d, err := a.Explain(ctx, req)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n  %s\n", text, d)
		return err
	}
	questions := []struct {
		text string
		req  rbac.Request
	}{
		{"Paula (Mine) reads e1, which she processes",
			rbac.Request{User: "paula", Permission: "evaluation.read", Resource: evaluation("e1", "paula", "deq.water.north", false)}},
		{"Paula (Mine) reads e2, processed by a colleague",
			rbac.Request{User: "paula", Permission: "evaluation.read", Resource: evaluation("e2", "sven", "deq.water.north", false)}},
		{"Sven (Workgroup: Water Division) reads e2 in North Region Water",
			rbac.Request{User: "sven", Permission: "evaluation.read", Resource: evaluation("e2", "sven", "deq.water.north", false)}},
		{"Sven reads e5 in the Air Division",
			rbac.Request{User: "sven", Permission: "evaluation.read", Resource: evaluation("e5", "", "deq.air", false)}},
		{"Greta (Global) reads closed evaluation e9",
			rbac.Request{User: "greta", Permission: "evaluation.read", Resource: evaluation("e9", "", "dnr", true)}},
		{"Ada (Administrator) reads closed evaluation e9",
			rbac.Request{User: "ada", Permission: "evaluation.read", Resource: evaluation("e9", "", "dnr", true)}},
		{"Carla, in Permitting Staff and Compliance Staff, updates an inspection",
			rbac.Request{User: "carla", Permission: "inspection.update"}},
		{"Paula updates an inspection",
			rbac.Request{User: "paula", Permission: "inspection.update"}},
	}
	for _, q := range questions {
		if err := ask(q.text, q.req); err != nil {
			return err
		}
	}

	// Three permit writers need compliance functions the rest of their
	// group should not get: copy the group under a unique name, add the
	// role, and move them.
	snap, _, err := store.Load(ctx)
	if err != nil {
		return err
	}
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
	after, _, err := store.Load(ctx)
	if err != nil {
		return err
	}
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
