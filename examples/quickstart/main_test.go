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

const want = `may alice read c1? yes, at scope mine

alice reads c1, assigned to her
  allowed (granted, mine): user alice → group north_team → role case_worker → grant case.read@mine → assignee alice (assigned to the resource)
alice reads c2, assigned to dave in Leeds
  denied (out_of_scope): user alice → group north_team → role case_worker → grant case.read@mine: holds case.read@mine, resource not assigned to alice
bob, supervisor of the North, reads c2
  allowed (granted, workgroup): user bob → role supervisor → grant case.read@workgroup → workgroup north (resource in leeds, under north)
bob approves c3 in the South
  denied (out_of_scope): user bob → role supervisor → grant case.approve@workgroup: holds case.approve@workgroup, resource workgroups [south] are not in or under bob's workgroups [north]
carol, auditor, reads closed case c4
  allowed (granted, all): user carol → role auditor → grant case.read@all
alice approves c1
  denied (no_grant): user alice: no active role of alice grants case.approve: roles that grant it: supervisor (case.approve@workgroup)
mallory reads c1
  denied (unknown_user): no user "mallory"

after promotion (revision 2), alice approves c2
  allowed (granted, workgroup): user alice → role supervisor → grant case.approve@workgroup → workgroup leeds (resource in leeds)
`
