// Command rbac checks rolegraph policies in CI and moves them in and out of
// databases: lint, test, check, explain, who-can, review, diff, graph, fmt,
// export, import, migrate, and casbin (convert a Casbin RBAC policy).
//
//	go install github.com/rolegraph/rbac/cmd/rbac@latest
//	rbac lint policy.yaml && rbac test policy.yaml && rbac diff old.yaml policy.yaml
//
// Run "rbac help" for every verb and its flags. Exit codes: 0 ok, 1
// findings or failures (lint errors, failing tests, a denied check), 2 a
// usage error, 3 (diff) someone newly reaches a sensitive permission.
package main

import (
	"os"

	"github.com/rolegraph/rbac/cmd/rbac/internal/cli"

	// The database drivers the DSNs name.
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
