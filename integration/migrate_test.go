package integration

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlstore"
)

// Four replicas starting at once on a fresh database migrate it exactly
// once, and all of them can then write.
func TestMigrateConcurrently(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		_, dsn, _ := db.open(t)
		const replicas = 4
		stores := make([]*sqlstore.Store, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range replicas {
			h := db.connect(t, dsn)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = sqlstore.New(context.Background(), h, db.dialect)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: New: %v", i, err)
			}
			defer stores[i].Close()
		}
		h := db.connect(t, dsn)
		var rows, versions, maxVersion, revisionRows int
		if err := h.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM rbac_schema_migrations").Scan(&rows, &versions, &maxVersion); err != nil {
			t.Fatal(err)
		}
		if rows != versions || versions != maxVersion || rows == 0 {
			t.Errorf("rbac_schema_migrations has %d rows, %d versions, up to %d; want each version once", rows, versions, maxVersion)
		}
		if err := h.QueryRow("SELECT COUNT(*) FROM rbac_revision").Scan(&revisionRows); err != nil || revisionRows != 1 {
			t.Errorf("rbac_revision has %d rows (%v), want 1", revisionRows, err)
		}
		for i, s := range stores {
			rev, err := s.Apply(context.Background(), rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(rbac.User{ID: rbac.UserID("u" + string(rune('0'+i)))})}})
			if err != nil || rev != rbac.Revision(i+1) {
				t.Errorf("replica %d: Apply: %d, %v; want %d", i, rev, err, i+1)
			}
		}
	})
}

// Migrate refuses a schema it does not know, and re-runs cleanly when a
// migration was interrupted before it was recorded.
func TestMigrateRefusesAndRecovers(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		for _, tc := range []struct {
			name    string
			tamper  string // SQL run on a migrated database
			wantErr error
			wantMsg string
			why     string
		}{
			{"Newer", "INSERT INTO rbac_schema_migrations (version, name, checksum, applied_ns) VALUES (999, '0999_future.sql', 'abc', 0)", sqlstore.ErrSchema, "newer", "a newer program migrated this database; an old one must not write to it"},
			{"Edited", "UPDATE rbac_schema_migrations SET checksum = 'edited' WHERE version = 1", sqlstore.ErrSchema, "edited", "the schema may not be what the file now says"},
			{"Interrupted", "DELETE FROM rbac_schema_migrations", nil, "", "MariaDB commits DDL as it goes: an interrupted migration must re-run"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h, _, _ := db.open(t)
				if err := sqlstore.Migrate(ctx, h, db.dialect); err != nil {
					t.Fatalf("Migrate: %v", err)
				}
				if _, err := h.Exec(tc.tamper); err != nil {
					t.Fatal(err)
				}
				err := sqlstore.Migrate(ctx, h, db.dialect)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("Migrate again (%s): %v", tc.why, err)
					}
					s, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate())
					if err != nil {
						t.Fatalf("New after re-running: %v", err)
					}
					s.Close()
					return
				}
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("Migrate (%s): %v; want an error wrapping %q saying %q", tc.why, err, tc.wantErr, tc.wantMsg)
				}
				if _, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate()); !errors.Is(err, tc.wantErr) {
					t.Errorf("New WithoutMigrate (%s): %v; want an error wrapping %q", tc.why, err, tc.wantErr)
				}
			})
		}
		t.Run("NotMigrated", func(t *testing.T) {
			h, _, _ := db.open(t)
			_, err := sqlstore.New(ctx, h, db.dialect, sqlstore.WithoutMigrate())
			if !errors.Is(err, sqlstore.ErrNotMigrated) || !errors.Is(err, sqlstore.ErrSchema) || !strings.Contains(err.Error(), "no rolegraph schema") {
				t.Errorf("New WithoutMigrate on an empty database: %v; want an error wrapping %q and %q saying \"no rolegraph schema\"", err, sqlstore.ErrNotMigrated, sqlstore.ErrSchema)
			}
		})
	})
}

// A database that cannot be reached is reported as unreachable (a
// transient error), not as a schema that needs migrating.
func TestNewUnreachable(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		driver, dsn string
		dialect     sqlstore.Dialect
	}{
		{"pgx", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2", sqlstore.Postgres},
		{"mysql", "nobody@tcp(127.0.0.1:1)/x?timeout=2s", sqlstore.MySQL},
	} {
		t.Run(tc.dialect.String(), func(t *testing.T) {
			h, err := sql.Open(tc.driver, tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			_, err = sqlstore.New(ctx, h, tc.dialect, sqlstore.WithoutMigrate())
			if !errors.Is(err, rbac.ErrUnavailable) || errors.Is(err, sqlstore.ErrSchema) || !strings.Contains(err.Error(), "cannot reach the database") {
				t.Errorf("New on a closed port: %v; want an error wrapping %q (not %q) saying \"cannot reach the database\"", err, rbac.ErrUnavailable, sqlstore.ErrSchema)
			}
		})
	}
}

// A SQLite file that is not a database says so, not that it needs migrating.
func TestNewNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("these are not the tables you are looking for\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	_, err = sqlstore.New(context.Background(), h, sqlstore.SQLite, sqlstore.WithoutMigrate())
	if err == nil || errors.Is(err, sqlstore.ErrSchema) || !strings.Contains(err.Error(), "not a database") {
		t.Errorf("New on a text file: %v; want SQLite's \"not a database\", not %q", err, sqlstore.ErrSchema)
	}
}

// A schema-4 database with data migrates to schema 5 (lists move from
// their tables into their entities' rows, in pos order), and migrating
// again changes nothing: after a run that was not recorded (MariaDB commits
// DDL as it goes) and after re-running every migration.
func TestMigrateListsFromSchema4(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		migrateTo(t, h, db.dialect, 4)
		for _, stmt := range []string{
			"INSERT INTO rbac_permissions (name, title, section, description, deprecated, sensitive_warning) VALUES ('p.a', 'A', '', '', '', ''), ('p.b', 'B', '', '', '', '')",
			"INSERT INTO rbac_permission_requires (permission, pos, requires) VALUES ('p.b', 0, 'p.a')",
			"INSERT INTO rbac_roles (id, title, description) VALUES ('r1', 'R1', ''), ('r2', 'R2', ''), ('r3', 'R3', '')",
			// Rows inserted out of pos order: pos decides.
			"INSERT INTO rbac_role_grants (role_id, pos, permission, scope) VALUES ('r1', 1, 'p.b', 'global'), ('r1', 0, 'p.a', '')",
			"INSERT INTO rbac_role_contains (role_id, pos, contains_id) VALUES ('r2', 0, 'r1')",
			"INSERT INTO rbac_role_account_types (role_id, pos, account_type) VALUES ('r1', 0, 'staff')",
			"INSERT INTO rbac_account_types (id, title) VALUES ('staff', 'Staff')",
			"INSERT INTO rbac_account_type_default_roles (account_type, pos, role_id) VALUES ('staff', 0, 'r1')",
			"INSERT INTO rbac_workgroups (id, name, parent) VALUES ('w1', 'W', '')",
			"INSERT INTO rbac_groups (id, name, description, account_type) VALUES ('g1', 'G', '', '')",
			"INSERT INTO rbac_group_roles (group_id, pos, role_id) VALUES ('g1', 0, 'r2')",
			"INSERT INTO rbac_group_managers (group_id, pos, user_id) VALUES ('g1', 0, 'u1')",
			"INSERT INTO rbac_users (id, account_type, org, disabled) VALUES ('u1', 'staff', 'o', FALSE), ('u2', '', '', TRUE)",
			"INSERT INTO rbac_user_roles (user_id, pos, role_id) VALUES ('u1', 2, 'r2'), ('u1', 0, 'r3'), ('u1', 1, 'r1')",
			"INSERT INTO rbac_user_groups (user_id, pos, group_id) VALUES ('u1', 0, 'g1')",
			"INSERT INTO rbac_user_workgroups (user_id, pos, workgroup_id) VALUES ('u1', 0, 'w1')",
			"INSERT INTO rbac_constraints (name, max_roles, is_dynamic) VALUES ('c1', 1, FALSE)",
			"INSERT INTO rbac_constraint_roles (constraint_name, pos, role_id) VALUES ('c1', 1, 'r1'), ('c1', 0, 'r2')",
			"INSERT INTO rbac_kinds (name, title) VALUES ('doc', 'Doc')",
			"INSERT INTO rbac_ownership_rules (kind, bypass) VALUES ('doc', 'p.a')",
			"INSERT INTO rbac_ownership_rule_create (kind, pos, permission) VALUES ('doc', 0, 'p.b')",
			"INSERT INTO rbac_ownerships (kind, id) VALUES ('doc', '1')",
			"INSERT INTO rbac_ownership_owners (kind, id, pos, org) VALUES ('doc', '1', 1, 'o2'), ('doc', '1', 0, 'o')",
		} {
			if _, err := h.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		want := &rbac.Policy{
			AccountTypes: []rbac.AccountTypeDef{{ID: "staff", Title: "Staff", DefaultRoles: []rbac.RoleID{"r1"}}},
			Permissions:  []rbac.PermissionDef{{Name: "p.a", Title: "A"}, {Name: "p.b", Title: "B", Requires: []rbac.Permission{"p.a"}}},
			Roles: []rbac.Role{
				{ID: "r1", Title: "R1", AccountTypes: []rbac.AccountType{"staff"}, Grants: []rbac.Grant{{Permission: "p.a"}, {Permission: "p.b", Scope: rbac.ScopeGlobal}}},
				{ID: "r2", Title: "R2", Contains: []rbac.RoleID{"r1"}},
				{ID: "r3", Title: "R3"},
			},
			Groups:         []rbac.Group{{ID: "g1", Name: "G", Roles: []rbac.RoleID{"r2"}, Managers: []rbac.UserID{"u1"}}},
			Workgroups:     []rbac.Workgroup{{ID: "w1", Name: "W"}},
			Users:          []rbac.User{{ID: "u1", AccountType: "staff", Org: "o", Roles: []rbac.RoleID{"r3", "r1", "r2"}, Groups: []rbac.GroupID{"g1"}, Workgroups: []rbac.WorkgroupID{"w1"}}, {ID: "u2", Disabled: true}},
			Constraints:    []rbac.Constraint{{Name: "c1", Max: 1, Roles: []rbac.RoleID{"r2", "r1"}}},
			Kinds:          []rbac.Kind{{Name: "doc", Title: "Doc"}},
			OwnershipRules: []rbac.OwnershipRule{{Kind: "doc", Bypass: "p.a", Create: "p.b"}},
			Ownerships:     []rbac.Ownership{{Kind: "doc", ID: "1", Owners: []rbac.OrgSlug{"o", "o2"}}},
		}
		check := func(when string) {
			t.Helper()
			s, err := sqlstore.New(ctx, h, db.dialect)
			if err != nil {
				t.Fatalf("%s: New: %v", when, err)
			}
			defer s.Close()
			got, _, err := s.Load(ctx)
			if err != nil {
				t.Fatalf("%s: Load: %v", when, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Load =\n%+v\nwant\n%+v", when, got, want)
			}
			if _, err := h.Exec("SELECT COUNT(*) FROM rbac_user_roles"); err == nil {
				t.Errorf("%s: rbac_user_roles still exists; schema 5 drops it", when)
			}
		}
		check("migrated from schema 4")
		// The queries sqlstore's doc.go gives DBAs.
		holders := map[sqlstore.Dialect]string{
			sqlstore.SQLite:   "SELECT u.id FROM rbac_users u, json_each(u.role_ids) r WHERE r.value = 'r1'",
			sqlstore.Postgres: "SELECT id FROM rbac_users WHERE role_ids ? 'r1'",
			sqlstore.MySQL:    "SELECT id FROM rbac_users WHERE JSON_CONTAINS(role_ids, JSON_QUOTE('r1'))",
		}[db.dialect]
		if got := queryStrings(t, h, holders); !reflect.DeepEqual(got, []string{"u1"}) {
			t.Errorf("%s: %q, want [u1]", holders, got)
		}
		memberships := map[sqlstore.Dialect]string{
			sqlstore.SQLite:   "SELECT u.id, r.key, r.value FROM rbac_users u, json_each(u.role_ids) r",
			sqlstore.Postgres: "SELECT u.id, r.pos - 1, r.role_id FROM rbac_users u, jsonb_array_elements_text(u.role_ids) WITH ORDINALITY r(role_id, pos)",
			sqlstore.MySQL:    "SELECT u.id, r.pos - 1, r.role_id FROM rbac_users u, JSON_TABLE(u.role_ids, '$[*]' COLUMNS (pos FOR ORDINALITY, role_id VARCHAR(128) PATH '$')) r",
		}[db.dialect]
		if got := queryStrings(t, h, memberships+" ORDER BY 1, 2"); !reflect.DeepEqual(got, []string{"u1 0 r3", "u1 1 r1", "u1 2 r2"}) {
			t.Errorf("%s: %q, want u1's three roles in order", memberships, got)
		}
		if _, err := h.Exec("DELETE FROM rbac_schema_migrations WHERE version = 5"); err != nil {
			t.Fatal(err)
		}
		check("0005 run again")
		if _, err := h.Exec("DELETE FROM rbac_schema_migrations"); err != nil {
			t.Fatal(err)
		}
		check("every migration run again")
	})
}

// migrateTo applies the dialect's migrations up to version, from the SQL
// files, the way sqlstore.Migrate does (an older build's Migrate).
func migrateTo(t *testing.T, h *sql.DB, d sqlstore.Dialect, version int) {
	t.Helper()
	ddl := "CREATE TABLE IF NOT EXISTS rbac_schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_ns BIGINT NOT NULL)"
	if d == sqlstore.MySQL {
		ddl += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	if _, err := h.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "sqlstore", "migrations", d.String(), "*.sql"))
	if err != nil || len(files) < version {
		t.Fatalf("migrations of %v: %v, %v", d, files, err)
	}
	for v, file := range files[:version] {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		for _, line := range strings.Split(string(src), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				body.WriteString(line + "\n")
			}
		}
		for _, stmt := range strings.Split(body.String(), ";") {
			if stmt = strings.TrimSpace(stmt); stmt != "" {
				if _, err := h.Exec(stmt); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
			}
		}
		sum := sha256.Sum256(src)
		q := "INSERT INTO rbac_schema_migrations (version, name, checksum, applied_ns) VALUES (?, ?, ?, 0)"
		if d == sqlstore.Postgres {
			q = "INSERT INTO rbac_schema_migrations (version, name, checksum, applied_ns) VALUES ($1, $2, $3, 0)"
		}
		if _, err := h.Exec(q, v+1, filepath.Base(file), hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
	}
}

// queryStrings runs a query and returns each row's columns joined by spaces.
func queryStrings(t *testing.T, h *sql.DB, query string) []string {
	t.Helper()
	rows, err := h.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = string(v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A list column that is valid JSON but not an array of strings (written by
// hand: every database accepts it) fails the load with ErrInvalid, naming
// the entity; it is not read as an empty or partial list.
func TestLoadRefusesMalformedListColumn(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		s, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := rbac.Import(ctx, s, &rbac.Policy{Roles: []rbac.Role{{ID: "r"}}, Users: []rbac.User{{ID: "u", Roles: []rbac.RoleID{"r"}}}}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{`["r", 1]`, `{"r": true}`, `[["r"]]`} {
			if _, err := h.Exec("UPDATE rbac_users SET role_ids = '" + bad + "'"); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.Load(ctx)
			if !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "role_ids") {
				t.Errorf("Load with role_ids %s: %v; want an error wrapping %q naming the column", bad, err, rbac.ErrInvalid)
			}
			_, err = rbac.New(ctx, s, rbac.WithoutFollow())
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Errorf("New with role_ids %s: %v; want an error wrapping %q", bad, err, rbac.ErrInvalid)
			}
		}
	})
}

// Schema 7: the change log's items carry no foreign key to their change set
// on the servers that would check it per row (the store writes both in one
// transaction), rbac_change_kinds keeps its key, and Prune still leaves no
// item without its change set.
func TestChangeItemsWithoutForeignKey(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		s, err := sqlstore.New(ctx, h, db.dialect)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if db.dialect != sqlstore.SQLite {
			schema := map[sqlstore.Dialect]string{sqlstore.Postgres: "current_schema()", sqlstore.MySQL: "DATABASE()"}[db.dialect]
			keys := "SELECT table_name FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' AND table_schema = " + schema +
				" AND table_name IN ('rbac_change_items', 'rbac_change_kinds')"
			if got := queryStrings(t, h, keys); !reflect.DeepEqual(got, []string{"rbac_change_kinds"}) {
				t.Errorf("foreign keys of the change log's tables: %q, want only rbac_change_kinds's", got)
			}
		}
		for i := range 3 {
			if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{
				rbac.PutUser(rbac.User{ID: rbac.UserID("u" + string(rune('0'+i)))}),
				rbac.PutUser(rbac.User{ID: rbac.UserID("v" + string(rune('0'+i)))}),
			}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Prune(ctx, 2); err != nil {
			t.Fatal(err)
		}
		orphans := "SELECT i.revision, i.pos FROM rbac_change_items i LEFT JOIN rbac_changes c ON c.revision = i.revision WHERE c.revision IS NULL"
		if got := queryStrings(t, h, orphans); len(got) != 0 {
			t.Errorf("change items without their change set after Prune: %q", got)
		}
		if got := queryStrings(t, h, "SELECT revision, pos FROM rbac_change_items ORDER BY revision, pos"); !reflect.DeepEqual(got, []string{"3 0", "3 1"}) {
			t.Errorf("change items after Prune(2): %q, want revision 3's two", got)
		}
	})
}
