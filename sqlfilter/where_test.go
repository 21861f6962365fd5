package sqlfilter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

// The ids here are legal rolegraph identifiers that look like SQL: they
// must only ever travel as parameters.
const testPolicy = `
roles:
  - {id: mine, grants: [case.read@mine]}
  - {id: team, grants: [case.read@workgroup]}
  - {id: both, contains: [mine, team]}
  - {id: global, grants: [case.read@global, service.edit]}
  - {id: admin, grants: ["*@all"]}
  - {id: archivist, grants: [service.edit@all]}
workgroups:
  - {id: "north--", name: North}
  - {id: "leeds--/", name: Leeds, parent: "north--"}
  - {id: south, name: South}
users:
  - {id: "alice--", org: "dfe--", roles: [both], workgroups: ["north--"]}
  - {id: bob, org: hmrc, roles: [global]}
  - {id: root, roles: [admin]}
  - {id: arch, org: hmrc, roles: [archivist]}
ownership: [{kind: service, bypass: service.bypass}]
owners:
  - {kind: service, id: "7", owners: ["dfe--"]}
  - {kind: service, id: "9", owners: [hmrc, "dfe--"]}
  - {kind: service, id: "09", owners: [hmrc]}
`

func snapshot(t testing.TB, text string) *rbac.Snapshot {
	t.Helper()
	snap, closeFn, err := compileSnapshot(text)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	return snap
}

func compileSnapshot(text string) (*rbac.Snapshot, func(), error) {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(text))
	if err != nil {
		return nil, nil, err
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return nil, nil, err
	}
	a, err := rbac.New(ctx, store, rbac.WithoutFollow())
	if err != nil {
		return nil, nil, err
	}
	return a.Snapshot(), func() { a.Close() }, nil
}

var cases = sqlfilter.Table{
	Name:       "cases",
	ID:         "id",
	Inactive:   "closed",
	Assignees:  sqlfilter.Values{Column: "assignee"},
	Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "app.case_workgroups", Record: "case_id", Value: "workgroup"}},
}

func TestWhere(t *testing.T) {
	snap := snapshot(t, testPolicy)
	services := sqlfilter.Table{Name: "s", ID: "id", Inactive: "retired", Owners: sqlfilter.Values{Link: &sqlfilter.Link{Table: "service_owners", Record: "service_id", Value: "org"}}}
	stored := services
	stored.Owners = sqlfilter.Values{Stored: sqlfilter.StoredInDatabase}
	linked := cases
	linked.Assignees = sqlfilter.Values{Link: &sqlfilter.Link{Table: "case_assignees", Record: "case_id", Value: "user_id"}}
	snapOwned := services
	snapOwned.Owners = sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}
	textLinked := withIDType(linked, sqlfilter.IDText)
	type want struct {
		Clause string
		Args   []any
	}
	tests := []struct {
		name    string
		req     rbac.PlanRequest
		table   sqlfilter.Table
		dialect sqlstore.Dialect
		want    want
	}{
		{"mine or workgroup (descendants expanded), active, SQLite", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, cases, sqlstore.SQLite,
			want{`"cases"."closed" = FALSE AND ("cases"."assignee" COLLATE BINARY = ? OR "cases"."id" COLLATE BINARY IN (SELECT rbac_w."case_id" FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."workgroup" COLLATE BINARY IN (?, ?)))`,
				[]any{"alice--", "leeds--/", "north--"}}},
		{"the same on PostgreSQL: each value in the column's collation (its index) and in C (exact)", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, cases, sqlstore.Postgres,
			want{`"cases"."closed" = FALSE AND (("cases"."assignee" = $1 AND CASE WHEN "cases"."assignee" COLLATE "C" = $1 THEN 1 END IS NOT NULL) OR EXISTS (SELECT 1 FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."case_id" = "cases"."id" AND CASE WHEN CAST(rbac_w."case_id" AS TEXT) COLLATE "C" = CAST("cases"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_w."workgroup" IN ($2, $3) AND CASE WHEN rbac_w."workgroup" COLLATE "C" IN ($2, $3) THEN 1 END IS NOT NULL)))`,
				[]any{"alice--", "leeds--/", "north--"}}},
		{"the same on MariaDB: backquotes, values as binary strings (no padding)", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, cases, sqlstore.MySQL,
			want{"`cases`.`closed` = FALSE AND (`cases`.`assignee` = CAST(? AS BINARY) OR (SELECT 1 FROM `app`.`case_workgroups` AS rbac_w WHERE rbac_w.`case_id` = `cases`.`id` AND CAST(rbac_w.`case_id` AS BINARY) = CAST(`cases`.`id` AS BINARY) AND rbac_w.`workgroup` IN (CAST(? AS BINARY), CAST(? AS BINARY)) LIMIT 1) IS NOT NULL)",
				[]any{"alice--", "leeds--/", "north--"}}},
		{"two link tables on SQLite: one IN over their UNION ALL", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, linked, sqlstore.SQLite,
			want{`"cases"."closed" = FALSE AND "cases"."id" COLLATE BINARY IN (SELECT rbac_a."case_id" FROM "case_assignees" AS rbac_a WHERE rbac_a."user_id" COLLATE BINARY = ? UNION ALL SELECT rbac_w."case_id" FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."workgroup" COLLATE BINARY IN (?, ?))`,
				[]any{"alice--", "leeds--/", "north--"}}},
		{"two link tables on PostgreSQL: correlated EXISTS each", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, linked, sqlstore.Postgres,
			want{`"cases"."closed" = FALSE AND (EXISTS (SELECT 1 FROM "case_assignees" AS rbac_a WHERE rbac_a."case_id" = "cases"."id" AND CASE WHEN CAST(rbac_a."case_id" AS TEXT) COLLATE "C" = CAST("cases"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_a."user_id" = $1 AND CASE WHEN rbac_a."user_id" COLLATE "C" = $1 THEN 1 END IS NOT NULL)) OR EXISTS (SELECT 1 FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."case_id" = "cases"."id" AND CASE WHEN CAST(rbac_w."case_id" AS TEXT) COLLATE "C" = CAST("cases"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_w."workgroup" IN ($2, $3) AND CASE WHEN rbac_w."workgroup" COLLATE "C" IN ($2, $3) THEN 1 END IS NOT NULL)))`,
				[]any{"alice--", "leeds--/", "north--"}}},
		{"text ids, link tables on SQLite: the record's id compared in BINARY", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, textLinked, sqlstore.SQLite,
			want{`"cases"."closed" = FALSE AND "cases"."id" COLLATE BINARY IN (SELECT rbac_a."case_id" FROM "case_assignees" AS rbac_a WHERE rbac_a."user_id" COLLATE BINARY = ? UNION ALL SELECT rbac_w."case_id" FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."workgroup" COLLATE BINARY IN (?, ?))`, []any{"alice--", "leeds--/", "north--"}}},
		{"text ids, link tables on PostgreSQL: the record's id in the link's collation and in C", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, textLinked, sqlstore.Postgres,
			want{`"cases"."closed" = FALSE AND (EXISTS (SELECT 1 FROM "case_assignees" AS rbac_a WHERE rbac_a."case_id" = "cases"."id" AND CASE WHEN rbac_a."case_id" COLLATE "C" = "cases"."id" THEN 1 END IS NOT NULL AND (rbac_a."user_id" = $1 AND CASE WHEN rbac_a."user_id" COLLATE "C" = $1 THEN 1 END IS NOT NULL)) OR EXISTS (SELECT 1 FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."case_id" = "cases"."id" AND CASE WHEN rbac_w."case_id" COLLATE "C" = "cases"."id" THEN 1 END IS NOT NULL AND (rbac_w."workgroup" IN ($2, $3) AND CASE WHEN rbac_w."workgroup" COLLATE "C" IN ($2, $3) THEN 1 END IS NOT NULL)))`, []any{"alice--", "leeds--/", "north--"}}},
		{"text ids, link tables on MariaDB: the record's id as bytes both ways", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, textLinked, sqlstore.MySQL,
			want{"`cases`.`closed` = FALSE AND ((SELECT 1 FROM `case_assignees` AS rbac_a WHERE rbac_a.`case_id` = CAST(`cases`.`id` AS BINARY) AND `cases`.`id` = CAST(rbac_a.`case_id` AS BINARY) AND rbac_a.`user_id` = CAST(? AS BINARY) LIMIT 1) IS NOT NULL OR (SELECT 1 FROM `app`.`case_workgroups` AS rbac_w WHERE rbac_w.`case_id` = CAST(`cases`.`id` AS BINARY) AND `cases`.`id` = CAST(rbac_w.`case_id` AS BINARY) AND rbac_w.`workgroup` IN (CAST(? AS BINARY), CAST(? AS BINARY)) LIMIT 1) IS NOT NULL)", []any{"alice--", "leeds--/", "north--"}}},
		{"global: active records", rbac.PlanRequest{User: "bob", Permission: "case.read", Kind: "case"}, cases, sqlstore.SQLite,
			want{`"cases"."closed" = FALSE`, nil}},
		{"all: everything", rbac.PlanRequest{User: "root", Permission: "case.read", Kind: "case"}, cases, sqlstore.SQLite,
			want{`1 = 1`, nil}},
		{"none: nothing", rbac.PlanRequest{User: "nobody", Permission: "case.read", Kind: "case"}, cases, sqlstore.SQLite,
			want{`1 = 0`, nil}},
		{"owners in a link table", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, services, sqlstore.Postgres,
			want{`"s"."retired" = FALSE AND EXISTS (SELECT 1 FROM "service_owners" AS rbac_o WHERE rbac_o."service_id" = "s"."id" AND CASE WHEN CAST(rbac_o."service_id" AS TEXT) COLLATE "C" = CAST("s"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_o."org" = $1 AND CASE WHEN rbac_o."org" COLLATE "C" = $1 THEN 1 END IS NOT NULL))`, []any{"hmrc"}}},
		{"owners stored by sqlstore in the same database", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, stored, sqlstore.Postgres,
			want{`"s"."retired" = FALSE AND CAST("s"."id" AS TEXT) COLLATE "C" IN (SELECT rbac_o.id FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = $1 AND rbac_o.org = $2)`, []any{"service", "hmrc"}}},
		{"owners stored by sqlstore, id type unsaid, MariaDB: bytes on both sides, so the subquery is materialized", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, stored, sqlstore.MySQL,
			want{"`s`.`retired` = FALSE AND CAST(CAST(`s`.`id` AS CHAR) AS BINARY) IN (SELECT CAST(rbac_o.id AS BINARY) FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = CAST(? AS BINARY) AND rbac_o.org = CAST(? AS BINARY))", []any{"service", "hmrc"}}},
		{"owners stored by sqlstore, id type unsaid, SQLite: the id's text in BINARY", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, stored, sqlstore.SQLite,
			want{`"s"."retired" = FALSE AND CAST("s"."id" AS TEXT) COLLATE BINARY IN (SELECT rbac_o.id FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = ? AND rbac_o.org = ?)`, []any{"service", "hmrc"}}},
		{"owners stored in the snapshot", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, snapOwned, sqlstore.SQLite,
			want{`"s"."retired" = FALSE AND CAST("s"."id" AS TEXT) COLLATE BINARY IN (?, ?)`, []any{"09", "9"}}},
		{"stored owners, integer ids, PostgreSQL: text equality (exact) and integer equality (canonical ids converted in a CASE)", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDInteger), sqlstore.Postgres,
			want{`"s"."retired" = FALSE AND EXISTS (SELECT 1 FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = $1 AND rbac_o.org = $2 AND rbac_o.id = CAST("s"."id" AS TEXT) COLLATE "C" AND "s"."id" = CASE WHEN rbac_o.id ~ '^(0|-?[1-9][0-9]{0,17})$' OR rbac_o.id ~ '^[1-9][0-9]{18}$' AND rbac_o.id <= '9223372036854775807' OR rbac_o.id ~ '^-[1-9][0-9]{18}$' AND rbac_o.id <= '-9223372036854775808' THEN CAST(rbac_o.id AS BIGINT) END)`,
				[]any{"service", "hmrc"}}},
		{"stored owners, integer ids, MariaDB: text equality and integer equality", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDInteger), sqlstore.MySQL,
			want{"`s`.`retired` = FALSE AND EXISTS (SELECT 1 FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = CAST(? AS BINARY) AND rbac_o.org = CAST(? AS BINARY) AND rbac_o.id = CAST(CAST(`s`.`id` AS CHAR) AS BINARY) AND `s`.`id` = CAST(rbac_o.id AS SIGNED))",
				[]any{"service", "hmrc"}}},
		{"stored owners, integer ids, SQLite", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDInteger), sqlstore.SQLite,
			want{`"s"."retired" = FALSE AND "s"."id" IN (SELECT CAST(rbac_o.id AS INTEGER) FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = ? AND rbac_o.org = ? AND CAST(CAST(rbac_o.id AS INTEGER) AS TEXT) = rbac_o.id)`,
				[]any{"service", "hmrc"}}},
		{"stored owners, text ids, PostgreSQL: byte equality in both keys' collations", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDText), sqlstore.Postgres,
			want{`"s"."retired" = FALSE AND EXISTS (SELECT 1 FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = $1 AND rbac_o.org = $2 AND rbac_o.id = "s"."id" COLLATE "C" AND "s"."id" = rbac_o.id COLLATE "default")`, []any{"service", "hmrc"}}},
		{"stored owners, text ids, MariaDB: binary equality, each side's index usable", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDText), sqlstore.MySQL,
			want{"`s`.`retired` = FALSE AND EXISTS (SELECT 1 FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = CAST(? AS BINARY) AND rbac_o.org = CAST(? AS BINARY) AND rbac_o.id = CAST(`s`.`id` AS BINARY) AND `s`.`id` = CAST(rbac_o.id AS BINARY))", []any{"service", "hmrc"}}},
		{"stored owners, text ids, SQLite: BINARY", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(stored, sqlfilter.IDText), sqlstore.SQLite,
			want{`"s"."retired" = FALSE AND "s"."id" COLLATE BINARY IN (SELECT rbac_o.id FROM rbac_ownership_owners AS rbac_o WHERE rbac_o.kind = ? AND rbac_o.org = ?)`, []any{"service", "hmrc"}}},
		{"owners in the snapshot, integer ids: only canonical ids, as integers", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(snapOwned, sqlfilter.IDInteger), sqlstore.Postgres,
			want{`"s"."retired" = FALSE AND "s"."id" = $1`, []any{int64(9)}}},
		{"owners in the snapshot, text ids", rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"}, withIDType(snapOwned, sqlfilter.IDText), sqlstore.MySQL,
			want{"`s`.`retired` = FALSE AND `s`.`id` IN (CAST(? AS BINARY), CAST(? AS BINARY))", []any{"09", "9"}}},
		{"scope all with ownership: inactive too, owned", rbac.PlanRequest{User: "arch", Permission: "service.edit", Kind: "service"}, services, sqlstore.SQLite,
			want{`"s"."id" COLLATE BINARY IN (SELECT rbac_o."service_id" FROM "service_owners" AS rbac_o WHERE rbac_o."org" COLLATE BINARY = ?)`, []any{"hmrc"}}},
		{"no inactive column: every record is active", rbac.PlanRequest{User: "bob", Permission: "case.read", Kind: "case"}, sqlfilter.Table{Name: "cases", ID: "id"}, sqlstore.SQLite,
			want{`1 = 1`, nil}},
		{"no assignee or workgroup columns: mine and workgroup reach nothing", rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"}, sqlfilter.Table{Name: "cases", ID: "id"}, sqlstore.SQLite,
			want{`1 = 0`, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clause, args, err := sqlfilter.Where(snap.Plan(tt.req), tt.table, tt.dialect)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, want{clause, args}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func withIDType(t sqlfilter.Table, typ sqlfilter.IDType) sqlfilter.Table {
	t.IDType = typ
	return t
}

// TestWhereLongIntegerListsAreOneParameter: thousands of owned integer ids
// in the snapshot travel as one parameter, non-canonical ids left out.
func TestWhereLongIntegerListsAreOneParameter(t *testing.T) {
	var b strings.Builder
	b.WriteString("roles: [{id: ed, grants: [\"service.edit@all\"]}]\nusers: [{id: ed, org: o, roles: [ed]}]\nownership: [{kind: service, bypass: service.bypass}]\nowners:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "  - {kind: service, id: \"%d\", owners: [o]}\n", i)
	}
	b.WriteString("  - {kind: service, id: \"0042\", owners: [o]}\n")
	plan := snapshot(t, b.String()).Plan(rbac.PlanRequest{User: "ed", Permission: "service.edit", Kind: "service"})
	table := sqlfilter.Table{Name: "s", ID: "id", IDType: sqlfilter.IDInteger, Owners: sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}}
	for d, want := range map[sqlstore.Dialect]string{
		sqlstore.SQLite:   `"s"."id" IN (SELECT value FROM json_each(?))`,
		sqlstore.Postgres: `"s"."id" = ANY(CAST($1 AS bigint[]))`,
		sqlstore.MySQL:    "`s`.`id` IN (SELECT rbac_j.v FROM JSON_TABLE(?, '$[*]' COLUMNS (v BIGINT PATH '$')) AS rbac_j)",
	} {
		clause, args, err := sqlfilter.Where(plan, table, d)
		if err != nil {
			t.Fatal(err)
		}
		if clause != want || len(args) != 1 {
			t.Fatalf("%v: %s %d args, want %s with one", d, clause, len(args), want)
		}
		list := args[0].(string)
		if strings.Contains(list, "0042") || !strings.Contains(list, ",2999") || strings.Count(list, ",") != 2999 {
			t.Errorf("%v: the list is not the 3,000 canonical ids: %.80s…", d, list)
		}
	}
}

func TestWhereRefusesHostileMappings(t *testing.T) {
	snap := snapshot(t, testPolicy)
	plan := snap.Plan(rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"})
	bad := []struct {
		name  string
		table sqlfilter.Table
	}{
		{"statement in the table name", sqlfilter.Table{Name: "cases; DROP TABLE cases", ID: "id"}},
		{"quote in the id column", sqlfilter.Table{Name: "cases", ID: `id" OR 1=1 --`}},
		{"backquote in the inactive column", sqlfilter.Table{Name: "cases", ID: "id", Inactive: "closed` OR 1"}},
		{"comment in a column", sqlfilter.Table{Name: "cases", ID: "id", Assignees: sqlfilter.Values{Column: "a/*"}}},
		{"three-part link table", sqlfilter.Table{Name: "cases", ID: "id", Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "a.b.c", Record: "r", Value: "v"}}}},
		{"empty link column", sqlfilter.Table{Name: "cases", ID: "id", Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "l", Value: "v"}}}},
		{"leading digit", sqlfilter.Table{Name: "1cases", ID: "id"}},
		{"too long", sqlfilter.Table{Name: strings.Repeat("x", 64), ID: "id"}},
		{"no id", sqlfilter.Table{Name: "cases"}},
		{"two sources", sqlfilter.Table{Name: "cases", ID: "id", Assignees: sqlfilter.Values{Column: "a", Link: &sqlfilter.Link{Table: "l", Record: "r", Value: "v"}}}},
		{"stored assignees", sqlfilter.Table{Name: "cases", ID: "id", Assignees: sqlfilter.Values{Stored: sqlfilter.StoredInDatabase}}},
		{"unknown id type", sqlfilter.Table{Name: "cases", ID: "id", IDType: 9}},
	}
	for _, tt := range bad {
		for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres, sqlstore.MySQL} {
			clause, args, err := sqlfilter.Where(plan, tt.table, d)
			if !errors.Is(err, rbac.ErrInvalid) || clause != "" || args != nil {
				t.Errorf("%s on %v: got %q %v %v, want an ErrInvalid and no clause", tt.name, d, clause, args, err)
			}
		}
	}
	// A none plan is still refused a bad mapping: mistakes show at once.
	none := snap.Plan(rbac.PlanRequest{User: "nobody", Permission: "case.read"})
	if _, _, err := sqlfilter.Where(none, sqlfilter.Table{Name: "x y", ID: "id"}, sqlstore.SQLite); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("bad mapping with a none plan: %v", err)
	}
	if _, _, err := sqlfilter.Where(plan, cases, sqlstore.Dialect(42)); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("unknown dialect: %v", err)
	}
	owned := snap.Plan(rbac.PlanRequest{User: "bob", Permission: "service.edit", Kind: "service"})
	if _, _, err := sqlfilter.Where(owned, sqlfilter.Table{Name: "s", ID: "id"}, sqlstore.SQLite); !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "Owners") {
		t.Errorf("ownership rule without mapped owners: %v, want an ErrInvalid naming Table.Owners", err)
	}
}

// TestWhereLongListsAreOneParameter: a user covering 10,000 workgroups
// gets a clause with one parameter for them, on every dialect.
func TestWhereLongListsAreOneParameter(t *testing.T) {
	var b strings.Builder
	b.WriteString("roles: [{id: team, grants: [case.read@workgroup]}]\nworkgroups:\n  - {id: top, name: top}\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "  - {id: \"w%d--\", name: w%d, parent: top}\n", i, i)
	}
	b.WriteString("users: [{id: boss, roles: [team], workgroups: [top]}]\n")
	snap := snapshot(t, b.String())
	plan := snap.Plan(rbac.PlanRequest{User: "boss", Permission: "case.read", Kind: "case"})
	for d, want := range map[sqlstore.Dialect]string{
		sqlstore.SQLite:   `rbac_w."wg" COLLATE BINARY IN (SELECT value FROM json_each(?))`,
		sqlstore.Postgres: `(rbac_w."wg" = ANY(CAST($1 AS text[])) AND CASE WHEN rbac_w."wg" COLLATE "C" = ANY(CAST($1 AS text[])) THEN 1 END IS NOT NULL)`,
		sqlstore.MySQL:    "(rbac_w.`wg`, CAST(rbac_w.`wg` AS BINARY)) IN (SELECT rbac_j.v, rbac_j.b FROM JSON_TABLE(?, '$[*]' COLUMNS (v VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$', b VARBINARY(128) PATH '$')) AS rbac_j)",
	} {
		clause, args, err := sqlfilter.Where(plan, sqlfilter.Table{Name: "cases", ID: "id", Workgroups: sqlfilter.Values{Link: &sqlfilter.Link{Table: "cw", Record: "case_id", Value: "wg"}}}, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(clause, want) || len(args) != 1 {
			t.Errorf("%v: %d args, clause %s; want one parameter used as %s", d, len(args), clause, want)
		}
		if s := args[0].(string); !strings.Contains(s, `"w9999--"`) || strings.Contains(clause, "w9999") {
			t.Errorf("%v: the workgroups are not all in the parameter, or leak into the clause", d)
		}
	}
}

func ExampleWhere() {
	snap, closeFn, err := compileSnapshot(testPolicy)
	if err != nil {
		panic(err)
	}
	defer closeFn()
	plan := snap.Plan(rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"})
	fmt.Println(plan)
	where, args, err := sqlfilter.Where(plan, sqlfilter.Table{
		Name:       "cases",
		ID:         "id",
		Inactive:   "closed",
		Assignees:  sqlfilter.Values{Column: "assignee"},
		Workgroups: sqlfilter.Values{Column: "workgroup"},
	}, sqlstore.Postgres)
	if err != nil {
		panic(err)
	}
	fmt.Println("SELECT id FROM cases WHERE " + where + " ORDER BY id LIMIT 50")
	fmt.Println(args...)
	// Output:
	// case records that are active and (assigned to alice-- or in workgroup leeds--/, north--)
	// SELECT id FROM cases WHERE "cases"."closed" = FALSE AND (("cases"."assignee" = $1 AND CASE WHEN "cases"."assignee" COLLATE "C" = $1 THEN 1 END IS NOT NULL) OR ("cases"."workgroup" IN ($2, $3) AND CASE WHEN "cases"."workgroup" COLLATE "C" IN ($2, $3) THEN 1 END IS NOT NULL)) ORDER BY id LIMIT 50
	// alice-- leeds--/ north--
}

func TestWhereAfter(t *testing.T) {
	snap := snapshot(t, testPolicy)
	linked := cases
	linked.Assignees = sqlfilter.Values{Link: &sqlfilter.Link{Table: "case_assignees", Record: "case_id", Value: "user_id"}}
	plan := snap.Plan(rbac.PlanRequest{User: "alice--", Permission: "case.read", Kind: "case"})
	type want struct {
		Clause string
		Args   []any
	}
	for _, tt := range []struct {
		name string
		d    sqlstore.Dialect
		want want
	}{
		{"SQLite: the bound on the record and inside the union", sqlstore.SQLite, want{
			`"cases"."id" > ? AND "cases"."closed" = FALSE AND "cases"."id" COLLATE BINARY IN (SELECT rbac_a."case_id" FROM "case_assignees" AS rbac_a WHERE rbac_a."user_id" COLLATE BINARY = ? AND rbac_a."case_id" > ? UNION ALL SELECT rbac_w."case_id" FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."workgroup" COLLATE BINARY IN (?, ?) AND rbac_w."case_id" > ?)`,
			[]any{int64(500), "alice--", int64(500), "leeds--/", "north--", int64(500)}}},
		{"PostgreSQL: the bound inside each EXISTS", sqlstore.Postgres, want{
			`"cases"."id" > $1 AND "cases"."closed" = FALSE AND (EXISTS (SELECT 1 FROM "case_assignees" AS rbac_a WHERE rbac_a."case_id" = "cases"."id" AND CASE WHEN CAST(rbac_a."case_id" AS TEXT) COLLATE "C" = CAST("cases"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_a."user_id" = $2 AND CASE WHEN rbac_a."user_id" COLLATE "C" = $2 THEN 1 END IS NOT NULL) AND rbac_a."case_id" > $3) OR EXISTS (SELECT 1 FROM "app"."case_workgroups" AS rbac_w WHERE rbac_w."case_id" = "cases"."id" AND CASE WHEN CAST(rbac_w."case_id" AS TEXT) COLLATE "C" = CAST("cases"."id" AS TEXT) THEN 1 END IS NOT NULL AND (rbac_w."workgroup" IN ($4, $5) AND CASE WHEN rbac_w."workgroup" COLLATE "C" IN ($4, $5) THEN 1 END IS NOT NULL) AND rbac_w."case_id" > $6))`,
			[]any{int64(500), "alice--", int64(500), "leeds--/", "north--", int64(500)}}},
	} {
		clause, args, err := sqlfilter.WhereAfter(plan, linked, tt.d, int64(500))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, want{clause, args}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	all := snap.Plan(rbac.PlanRequest{User: "root", Permission: "case.read", Kind: "case"})
	if clause, args, err := sqlfilter.WhereAfter(all, linked, sqlstore.MySQL, "k"); err != nil || clause != "`cases`.`id` > ?" || len(args) != 1 {
		t.Errorf("all plan after a key: %q %v %v", clause, args, err)
	}
	if _, _, err := sqlfilter.WhereAfter(plan, linked, sqlstore.SQLite, nil); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("nil key: %v, want ErrInvalid", err)
	}
}
