package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `petra adds eve: allowed (granted, global)
petra adds ian: admin user "petra": put user "ian": changing users needs rbac.users.manage at scope global or all (a group's manager may only add and remove other users of the group's account type) (forbidden)
petra assigns a role: admin user "petra": changing users needs rbac.users.manage at scope global or all (forbidden)
preview: ian gains [referral.approve@global referral.read@global]
without a reason: admin user "sam": the change lets ian newly reach sensitive permission referral.approve@global: give your own reason for the audit trail (forbidden)
ian approves: allowed (granted, global)
history: revision 1 by rbac.system: "import"
history: revision 3 by sam: "cover for the approvals backlog, ticket 1234"
after the revert: denied (no_grant)
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
