// Package clifuzz fuzzes the rbac command's argument and DSN handling. It
// lives apart from package cli's tests so that the fuzzing build does not
// instrument the database drivers those tests link.
package clifuzz_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/rolegraph/rbac/cmd/rbac/internal/cli"
)

// dsnErrorText is the fixed wording ParseDSN puts after the DSN it names.
const dsnErrorText = "want sqlite:PATH, postgres://... or mysql://user:pass@host:port/db; no host"

// FuzzParseDSN: never panics; a password never appears in an error; an
// accepted DSN names a driver and a dialect.
func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{
		"sqlite:rbac.db", "sqlite:", "sqlite://x?y", "postgres://u:secret@h:5432/db?sslmode=disable",
		"postgresql://h/db", "mysql://u:secret@h:3306/db?parseTime=true", "mysql://u:secret@h/", "mysql://u:secret@/db",
		"oracle://scott:secret@db/x", "postgres://u:secret@[::1", "%", "://:000:@000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, err := cli.ParseDSN(s)
		if err != nil {
			if _, rest, ok := strings.Cut(s, "://"); ok {
				if at := strings.LastIndex(rest, "@"); at >= 0 {
					// What the error adds around the redacted DSN is fixed text;
					// a password that happens to spell part of it ("000:" after
					// host 000) is not a leak.
					said := strings.Replace(err.Error(), "DSN "+cli.Redact(s)+":", "", 1)
					if _, pw, ok := strings.Cut(rest[:at], ":"); ok && len(pw) >= 4 && strings.Contains(said, pw) && !strings.Contains(dsnErrorText, pw) {
						t.Fatalf("ParseDSN(%q): error %q shows the password", s, err)
					}
				}
			}
			return
		}
		if target.Driver == "" || target.DSN == "" {
			t.Fatalf("ParseDSN(%q) = %+v", s, target)
		}
	})
}

// FuzzArgs: whatever the arguments, the command does not panic and exits
// with one of its documented codes. Arguments that would write files or
// reach a network are left out: this fuzzes argument handling.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"lint\x00p.yaml", "lint\x00-format\x00json\x00p.yaml", "lint\x00-strict", "test\x00-run\x00(\x00p.yaml",
		"check\x00-policy\x00p.yaml\x00-user\x00alice\x00-permission\x00x.read", "diff\x00p.yaml\x00p.yaml\x00-format\x00markdown",
		"graph\x00-format\x00dot\x00p.yaml", "fmt\x00p.yaml", "review\x00-policy\x00p.yaml", "who-can", "casbin\x00a", "nope", "",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.WriteFile(dir+"/p.yaml", []byte("roles: [{id: r, grants: [x.read]}]\nusers: [{id: alice, roles: [r]}]\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		for _, a := range args {
			if strings.ContainsAny(a, "/\\") || strings.HasPrefix(strings.TrimLeft(a, "-"), "w") ||
				strings.HasPrefix(strings.TrimLeft(a, "-"), "o") || strings.HasPrefix(strings.TrimLeft(a, "-"), "junit") ||
				strings.HasPrefix(strings.TrimLeft(a, "-"), "dsn") || strings.HasPrefix(strings.TrimLeft(a, "-"), "migrate") ||
				strings.HasPrefix(a, "import") || strings.HasPrefix(a, "export") {
				return
			}
		}
		if len(args) > 0 && args[0] == "fmt" {
			return // fmt -w would rewrite p.yaml
		}
		for i, a := range args {
			if a == "p.yaml" {
				args[i] = dir + "/p.yaml"
			}
		}
		var stdout, stderr bytes.Buffer
		code := cli.Main(args, strings.NewReader(""), &stdout, &stderr)
		if code < 0 || code > 3 {
			t.Fatalf("rbac %q exited %d", args, code)
		}
		if code == cli.ExitUsage && stderr.Len() == 0 {
			t.Fatalf("rbac %q: usage error without a message", args)
		}
	})
}
