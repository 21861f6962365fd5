package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rolegraph/rbac/cmd/rbac/internal/casbinfile"
)

func runCasbin(e *env, args []string) int {
	fs := flag.NewFlagSet("casbin", flag.ContinueOnError)
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	files, err := parse(e, fs, args, 2, 2, "[-o FILE] MODEL.conf POLICY.csv")
	if err != nil {
		return exitFor(err)
	}
	model, err := os.Open(files[0])
	if err != nil {
		return e.fail("casbin", err)
	}
	defer model.Close()
	policy, err := os.Open(files[1])
	if err != nil {
		return e.fail("casbin", err)
	}
	defer policy.Close()
	c, err := casbinfile.Convert(model, files[0], policy, files[1])
	if err != nil {
		return e.fail("casbin", err)
	}
	data, err := c.Policy.Marshal()
	if err != nil {
		return e.fail("casbin", err)
	}
	header := fmt.Sprintf("# Converted by rbac casbin from %s and %s.\n# The tests are what Casbin's Enforce answers for every subject and permission.\n", filepath.Base(files[0]), filepath.Base(files[1]))
	data = append([]byte(header), data...)
	if *out != "" {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return e.fail("casbin", err)
		}
		fmt.Fprintf(e.stderr, "wrote %s: %s, %s, %s\n", *out, count(len(c.Policy.Roles), "role"), count(len(c.Policy.Users), "user"), count(len(c.Policy.Tests), "test"))
		return ExitOK
	}
	e.stdout.Write(data)
	return ExitOK
}
