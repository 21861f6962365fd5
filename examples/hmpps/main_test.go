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

const want = `pat (Delius) views a probation case: the probation role comes with the account
  allowed (granted, global): user pat_probation → account_type delius (default role) → role probation → grant probation.case.view@global
omar (DPS) views a probation case
  denied (no_grant): user omar_officer: no active role of omar_officer grants probation.case.view: no role open to account type nomis grants it
PC Morgan (external) views prisoner details through the West Police group
  allowed (granted, global): user pc_morgan → group west_police → role police_viewer → grant prisoner.view@global
mia holds suggest and approve; with both active she may do nothing
  denied (separation_of_duty): user mia_manager → constraint suggest-vs-approve: roles suggest_changes, approve_changes are active at once; at most 1 may be
mia picks the approver role from the menu and approves
  allowed (granted, global): user mia_manager → role approve_changes (active) → grant categorisation.approve@global
acting as approver, mia tries to suggest
  denied (no_grant): user mia_manager: no active role of mia_manager grants categorisation.suggest: roles that grant it: suggest_changes (categorisation.suggest@global)
omar picks a role he does not hold
  denied (role_not_held): user omar_officer: role "approve_changes" is not authorized for omar_officer
`
