package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Two runs on one named file: the second finds the policy, the promotion
// and the audit trail that the first left there.
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

// The program without -db runs on a fresh temporary file: twice, the
// same output, and nothing left in the working directory.
func TestDefaultIsRepeatableAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	var outs []string
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=TestMainProcess")
		cmd.Env = append(os.Environ(), "SQLITEFILE_RUN_MAIN=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		}
		outs = append(outs, string(out))
	}
	if d := cmp.Diff(firstRun, outs[0]); d != "" {
		t.Errorf("first run (-want +got):\n%s", d)
	}
	if outs[0] != outs[1] {
		t.Errorf("the second run differs:\n%s", cmp.Diff(outs[0], outs[1]))
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("the runs left %v in the working directory", left)
	}
}

// TestMainProcess runs main in a child process for the test above.
func TestMainProcess(t *testing.T) {
	if os.Getenv("SQLITEFILE_RUN_MAIN") != "1" {
		t.Skip("run by TestDefaultIsRepeatableAndLeavesNothing")
	}
	os.Args = []string{"sqlitefile"}
	main()
	os.Exit(0)
}

const firstRun = `a new policy file
imported policy.yaml at revision 1
may alice approve c7 in Leeds? denied (no_grant): user alice: no active role of alice grants case.approve: roles that grant it: supervisor (case.approve@workgroup)
promoted alice at revision 2; now allowed (granted, workgroup): user alice → role supervisor → grant case.approve@workgroup → workgroup leeds (resource in leeds)
audit trail:
  revision 1 by rbac.system, 7 changes: "import"
  revision 2 by carol, 1 change: "alice leads Leeds now"
    user alice: roles case_worker → supervisor
`

const secondRun = `the policy file is at revision 2, left by an earlier run
may alice approve c7 in Leeds? allowed (granted, workgroup): user alice → role supervisor → grant case.approve@workgroup → workgroup leeds (resource in leeds)
audit trail:
  revision 1 by rbac.system, 7 changes: "import"
  revision 2 by carol, 1 change: "alice leads Leeds now"
    user alice: roles case_worker → supervisor
`
