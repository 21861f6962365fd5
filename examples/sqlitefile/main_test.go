package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Two runs on one file: the second finds the policy, the promotion and
// the audit trail that the first left there.
func TestRunTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.db")
	for i, want := range []string{firstRun, secondRun} {
		var out strings.Builder
		if err := run(&out, path); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if d := cmp.Diff(want, out.String()); d != "" {
			t.Errorf("run %d output (-want +got):\n%s", i+1, d)
		}
	}
}

const firstRun = `the file is at revision 0
imported policy.yaml at revision 1
may alice approve c7 in Leeds? denied (no_grant): user alice: no active role of alice grants case.approve: roles that grant it: supervisor (case.approve@workgroup)
promoted alice at revision 2; now: allowed (granted, workgroup): user alice → role supervisor → grant case.approve@workgroup → workgroup leeds (resource in leeds)
audit trail:
  r1 by rbac.system, 6 change(s): "import"
  r2 by carol, 1 change(s): "alice leads Leeds now"
    put user "alice", replacing {ID:alice AccountType: Org: Roles:[case_worker] Groups:[] Workgroups:[leeds] Disabled:false}
`

const secondRun = `the file is at revision 2
may alice approve c7 in Leeds? allowed (granted, workgroup): user alice → role supervisor → grant case.approve@workgroup → workgroup leeds (resource in leeds)
audit trail:
  r1 by rbac.system, 6 change(s): "import"
  r2 by carol, 1 change(s): "alice leads Leeds now"
    put user "alice", replacing {ID:alice AccountType: Org: Roles:[case_worker] Groups:[] Workgroups:[leeds] Disabled:false}
`
