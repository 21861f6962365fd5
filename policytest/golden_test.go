package policytest_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/policytest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current explanations")

// TestGoldenExplanations pins the explanation of every seed test, so that a
// change to Explain shows up as a readable diff. After an intended change:
//
//	go test ./policytest -run TestGoldenExplanations -update
func TestGoldenExplanations(t *testing.T) {
	for _, f := range seedFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := rbac.LoadPolicyFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, r := range policytest.Results(p, snapshotOf(t, p)) {
				fmt.Fprintf(&b, "%s\n  %s\n", r.Test.Name, r.Decision)
			}
			golden := filepath.Join("..", "testdata", "golden", strings.TrimSuffix(filepath.Base(f), ".yaml")+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("explanations differ from %s (-want +got); if intended, run with -update:\n%s", golden, diff)
			}
		})
	}
}
