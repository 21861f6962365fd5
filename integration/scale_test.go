package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
	"github.com/rolegraph/rbac/sqlstore/pgxcopy"
)

// scalePolicy builds users users, roles roles (each containing the one
// before it in its block of ten, with two grants) and perUser role
// memberships per user.
func scalePolicy(users, roles, perUser int) *rbac.Policy {
	p := &rbac.Policy{}
	for i := range roles {
		r := rbac.Role{ID: rbac.RoleID(fmt.Sprintf("role-%05d", i)), Title: fmt.Sprintf("Role %d", i), Grants: []rbac.Grant{
			{Permission: rbac.Permission(fmt.Sprintf("app%d.read", i%100)), Scope: rbac.ScopeGlobal},
			{Permission: rbac.Permission(fmt.Sprintf("app%d.write", i%100)), Scope: rbac.ScopeMine},
		}}
		if i%10 != 0 {
			r.Contains = []rbac.RoleID{rbac.RoleID(fmt.Sprintf("role-%05d", i-1))}
		}
		p.Roles = append(p.Roles, r)
	}
	for i := range users {
		u := rbac.User{ID: rbac.UserID(fmt.Sprintf("user-%06d", i)), Org: "org"}
		for j := range perUser {
			u.Roles = append(u.Roles, rbac.RoleID(fmt.Sprintf("role-%05d", (i*7+j*997)%roles)))
		}
		p.Users = append(p.Users, u)
	}
	return p
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkScale imports 100,000 users, 10,000 roles and 1,000,000
// memberships (RBAC_SCALE_USERS scales the users), then measures Load and
// Load plus compile (rbac.New) (PostgresCOPY: imports with
// sqlstore.WithCopy(pgxcopy.CopyFrom)), in wall time and in this process's CPU
// time. Run it alone:
//
//	go test ./integration -run - -bench Scale -benchtime 1x -timeout 30m
func BenchmarkScale(b *testing.B) {
	users, roles, perUser := envInt("RBAC_SCALE_USERS", 100_000), 10_000, 10
	type run struct {
		name string
		db   database
		opts []sqlstore.Option
	}
	var runs []run
	for _, db := range databases() {
		runs = append(runs, run{db.name, db, nil})
		if db.dialect == sqlstore.Postgres {
			runs = append(runs, run{db.name + "COPY", db, []sqlstore.Option{sqlstore.WithCopy(pgxcopy.CopyFrom)}})
		}
	}
	for _, r := range runs {
		db := r.db
		b.Run(r.name, func(b *testing.B) {
			if !db.available() {
				b.Skip("database not configured")
			}
			ctx := context.Background()
			h, _, _ := db.open(b)
			s, err := sqlstore.New(ctx, h, db.dialect, r.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p := scalePolicy(users, roles, perUser)
			start, startCPU := time.Now(), processCPU()
			if _, err := rbac.Import(ctx, s, p); err != nil {
				b.Fatal(err)
			}
			imported, importedCPU := time.Since(start), processCPU()-startCPU
			var load, full, loadCPU, fullCPU time.Duration
			for b.Loop() {
				t0, c0 := time.Now(), processCPU()
				got, _, err := s.Load(ctx)
				if err != nil {
					b.Fatal(err)
				}
				t1, c1 := time.Now(), processCPU()
				if len(got.Users) != users {
					b.Fatalf("Load: %d users, want %d", len(got.Users), users)
				}
				a, err := rbac.New(ctx, s, rbac.WithoutFollow())
				if err != nil {
					b.Fatal(err)
				}
				full += time.Since(t1)
				fullCPU += processCPU() - c1
				load += t1.Sub(t0)
				loadCPU += c1 - c0
				a.Close()
			}
			b.ReportMetric(imported.Seconds(), "s/import")
			b.ReportMetric(load.Seconds()/float64(b.N), "s/load")
			b.ReportMetric(full.Seconds()/float64(b.N), "s/load+compile")
			// CPU time of this process (SQLite's work included, a database
			// server's not): on a shared, loaded machine it is steadier
			// than the wall clock.
			b.ReportMetric(importedCPU.Seconds(), "cpu-s/import")
			b.ReportMetric(loadCPU.Seconds()/float64(b.N), "cpu-s/load")
			b.ReportMetric(fullCPU.Seconds()/float64(b.N), "cpu-s/load+compile")
		})
	}
}
