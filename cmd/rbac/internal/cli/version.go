package cli

import (
	"fmt"
	"runtime/debug"
)

func runVersion(e *env, args []string) int {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	fmt.Fprintf(e.stdout, "rbac %s\n", v)
	return ExitOK
}
