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

const want = `248 permissions in 15 sections (25 deprecated, 23 sensitive)
Client Merge (Client Merge) requires windows.system_admin, yj.case_notification.view
  warning: As this gives permission to merge data and make IYSS client records
           inactive, the Client Merge permission should only be granted to One IYSS
           System Administrators who have responsibility for and understanding of
           system maintenance. As it grants the ability to identify young people
           known to the Youth Justice Service, it should only be granted to One
           IYSS System Administrators who have relevant Youth Justice Service
           permissions or consent.

a youth worker (all of Client Add/Change/Delete) adds a family contact
  allowed (granted, global): user wanda_worker → role youth_worker → grant client.*@global (matches client.personal_family_contacts.add)
the same youth worker adds substance misuse data (another section)
  denied (no_grant): user wanda_worker: no active role of wanda_worker grants substance_misuse.add: roles that grant it: substance_misuse_worker (substance_misuse.*@global)
a team manager uses the deprecated Templates and Paras
  allowed (granted, global): user tariq_manager → role team_manager → grant admin_manager.*@global (matches admin_manager.templates_and_paras)
a system administrator without Youth Justice permissions merges clients
  denied (missing_prerequisite): user simon_sysadmin → role system_administrator → grant client_merge.merge@global: client_merge.merge requires yj.case_notification.view, which simon_sysadmin does not hold
a system administrator with Youth Justice permissions merges clients
  allowed (granted, global): user yara_sysadmin_yj → role system_administrator → grant client_merge.merge@global
`
