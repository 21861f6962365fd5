package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

const want = `Paula (Mine) reads e1, which she processes
  allowed (granted, mine): user paula → group permitting_staff → role evaluations_manager_mine → grant evaluation.read@mine → assignee paula (assigned to the resource)
Paula (Mine) reads e2, processed by a colleague
  denied (out_of_scope): user paula → group permitting_staff → role evaluations_manager_mine → grant evaluation.read@mine: holds evaluation.read@mine, resource not assigned to paula
Sven (Workgroup: Water Division) reads e2 in North Region Water
  allowed (granted, workgroup): user sven → group permitting_supervisors → role evaluations_manager_workgroup → grant evaluation.read@workgroup → workgroup deq.water (resource in deq.water.north, under deq.water)
Sven reads e5 in the Air Division
  denied (out_of_scope): user sven → group permitting_supervisors → role evaluations_manager_workgroup → grant evaluation.read@workgroup: holds evaluation.read@workgroup, resource workgroups [deq.air] are not in or under sven's workgroups [deq.water]
Greta (Global) reads closed evaluation e9
  denied (out_of_scope): user greta → group statewide_reviewers → role evaluations_manager_global → grant evaluation.read@global: holds evaluation.read@global, resource is inactive
Ada (Administrator) reads closed evaluation e9
  allowed (granted, all): user ada → group evaluation_admins → role evaluations_administrator → grant evaluation.read@all
Carla, in Permitting Staff and Compliance Staff, updates an inspection
  allowed (granted, global): user carla → group compliance_staff → role compliance → grant inspection.update@global
Paula updates an inspection
  denied (no_grant): user paula: no active role of paula grants inspection.update: roles that grant it: compliance (inspection.update@global)

copied "Permitting Staff" to "Permitting Staff With Inspections" with roles permitting, evaluations_manager_mine, compliance (revision 2)
Paula updates an inspection
  allowed (granted, global): user paula → group permitting_staff_inspections → role compliance → grant inspection.update@global

deleted the copy (revision 3); paula is in no group any more
Paula, in no group now, reads e1
  denied (no_grant): user paula: no active role of paula grants evaluation.read: roles that grant it: evaluations_administrator (evaluation.read@all), evaluations_manager_global (evaluation.read@global), evaluations_manager_mine (evaluation.read@mine)
`
