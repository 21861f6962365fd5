package integration

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

// The exactness tests fill an application table with values that differ
// from the ids a plan allows only by padding or case ("cara ", " cara",
// "CARA"), and with NULLs, in columns of the database's usual collation
// and of a loose one: NOCASE on SQLite, a nondeterministic ICU collation
// on PostgreSQL, utf8mb4_general_ci on MariaDB (the tables themselves are
// utf8mb4_bin, a PAD SPACE collation: 'cara ' = 'cara' there). Check, on
// the records as read back from those columns, is the reference.

// variants of an id: itself, padded, in other case, and NULL (nil).
func variants(id string) []any {
	return []any{id, id + " ", id + "  ", " " + id, strings.ToUpper(id), strings.ToUpper(id[:1]) + id[1:], id + "\t", nil}
}

// looseCollation is the column type of the loose columns: dialect d's
// case-insensitive (and on MariaDB padding) collation. On PostgreSQL it
// creates one in the test's schema; without ICU it says so and gives the
// default collation.
func looseCollation(ctx context.Context, t *testing.T, h *sql.DB, d sqlstore.Dialect) string {
	switch d {
	case sqlstore.SQLite:
		return "VARCHAR(128) COLLATE NOCASE"
	case sqlstore.MySQL:
		return "VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
	}
	if _, err := h.ExecContext(ctx, "CREATE COLLATION rbac_loose (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"); err != nil {
		t.Logf("this PostgreSQL has no ICU (%v): the loose columns have the default collation", err)
		return "VARCHAR(128)"
	}
	return "VARCHAR(128) COLLATE rbac_loose"
}

// exactPolicy is listPolicy with a user covering more workgroups than
// sqlfilter sends one placeholder each (the long-list path), and stored
// ownership of integer and text ids.
func exactPolicy(intIDs int, textIDs []string) *rbac.Policy {
	p := listPolicy()
	p.Users = append(p.Users, rbac.User{ID: "boss", Org: "gds", Roles: []rbac.RoleID{"caseworker"},
		Workgroups: []rbac.WorkgroupID{"region-0--", "region-1--", "region-2--", "region-3--"}})
	orgs := []rbac.OrgSlug{"dfe--", "hmrc", "gds"}
	for i := 1; i <= intIDs; i++ {
		if i%4 != 0 {
			p.Ownerships = append(p.Ownerships, rbac.Ownership{Kind: listKind, ID: strconv.Itoa(i), Owners: []rbac.OrgSlug{orgs[i%3], orgs[(i/3)%3]}})
		}
	}
	for i, id := range textIDs {
		p.Ownerships = append(p.Ownerships, rbac.Ownership{Kind: listKind, ID: id, Owners: []rbac.OrgSlug{orgs[i%3]}})
	}
	return p
}

func exactRequests() []rbac.PlanRequest {
	return append(listRequests(), rbac.PlanRequest{User: "boss", Permission: "case.read", Kind: listKind},
		rbac.PlanRequest{User: "boss", Permission: "case.write", Kind: listKind})
}

// exactRecord is a record as read back from the database.
type exactRecord struct {
	id       string
	inactive bool // a NULL closed flag counts as inactive
	values   map[string][]rbac.UserID
}

// TestListsExact: on every database the clause selects exactly the rows
// Check allows when values differ from allowed ids only by trailing or
// leading spaces or by case, and when flags and values are NULL: in
// columns and link tables of a PAD SPACE collation (MariaDB) and of a
// case-insensitive one (all three), for short lists and long ones (one
// parameter), for owners in columns, link tables and stored Ownership,
// and for text ids compared with stored owners and joined with link
// tables (IDText).
func TestListsExact(t *testing.T) {
	const nInt = 1500
	r := rand.New(rand.NewPCG(20, 8))
	p := listPolicy()
	pools := map[string][]any{}
	for _, u := range append(p.Users, rbac.User{ID: "boss"}, rbac.User{ID: "ghost"}) {
		pools["user"] = append(pools["user"], variants(string(u.ID))...)
	}
	for _, w := range p.Workgroups {
		pools["workgroup"] = append(pools["workgroup"], variants(string(w.ID))...)
	}
	for _, o := range []string{"dfe--", "hmrc", "gds"} {
		pools["org"] = append(pools["org"], variants(o)...)
	}
	pick := func(field string) any { return pools[field][r.IntN(len(pools[field]))] }
	closed := func() any { return []any{false, true, nil}[r.IntN(3)] }

	// Text ids: case-1 to case-60 are stored owned; the rows are their
	// variants.
	var storedText []string
	var textIDs []any
	for i := 1; i <= 60; i++ {
		id := "case-" + strconv.Itoa(i)
		storedText = append(storedText, id)
		for _, v := range variants(id) {
			if v != nil && !slices.Contains(textIDs, v) {
				textIDs = append(textIDs, v)
			}
		}
	}
	type linkRow struct {
		table string
		row   []any
	}
	var intRows, textRows [][]any
	var links []linkRow
	for i := 1; i <= nInt; i++ {
		lead, home, owner := pick("user"), pick("workgroup"), pick("org")
		intRows = append(intRows, []any{int64(i), closed(), lead, lead, home, home, owner, owner})
		for field, table := range map[string]string{"user": "exact_assignees", "workgroup": "exact_workgroups", "org": "exact_owners"} {
			for range r.IntN(4) {
				v := pick(field)
				links = append(links, linkRow{table, []any{int64(i), v, v}})
			}
			if i%50 == 0 { // a link row of no record
				v := pools[field][0]
				links = append(links, linkRow{table, []any{nil, v, v}})
			}
		}
	}
	for _, id := range textIDs {
		home := pick("workgroup")
		textRows = append(textRows, []any{id, id, closed(), home})
		for range r.IntN(3) {
			// Mostly users that plans are for, so that a join that
			// ignored padding or case would attach them to a sibling.
			user := pick("user")
			if r.IntN(3) > 0 {
				user = []any{"cara", "boss", "mia--"}[r.IntN(3)]
			}
			links = append(links, linkRow{"exact_text_assignees", []any{id, id, user}})
		}
		links = append(links, linkRow{"exact_text_assignees", []any{nil, nil, "cara"}})
	}

	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, _, _ := db.open(t)
		d := db.dialect
		a := listAuthorizer(t, h, d, func(store *sqlstore.Store) {
			if _, err := rbac.Import(ctx, store, exactPolicy(nInt, storedText)); err != nil {
				t.Fatalf("import: %v", err)
			}
		})
		snap := a.Snapshot()
		loose := looseCollation(ctx, t, h, d)
		text, boolean, suffix := "VARCHAR(128)", "BOOLEAN", ""
		if d == sqlstore.MySQL {
			suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
		}
		// No unique keys on values: a PAD SPACE or case-insensitive key
		// would refuse "cara" beside "cara ".
		for _, stmt := range []string{
			"CREATE TABLE exact_cases (id BIGINT NOT NULL PRIMARY KEY, closed " + boolean + " NULL, lead " + text + " NULL, lead_loose " + loose + " NULL, home " + text + " NULL, home_loose " + loose + " NULL, owner " + text + " NULL, owner_loose " + loose + " NULL)" + suffix,
			"CREATE TABLE exact_assignees (case_id BIGINT NULL, value " + text + " NULL, value_loose " + loose + " NULL)" + suffix,
			"CREATE TABLE exact_workgroups (case_id BIGINT NULL, value " + text + " NULL, value_loose " + loose + " NULL)" + suffix,
			"CREATE TABLE exact_owners (case_id BIGINT NULL, value " + text + " NULL, value_loose " + loose + " NULL)" + suffix,
			"CREATE TABLE exact_text (id " + text + " NOT NULL, id_loose " + loose + " NOT NULL, closed " + boolean + " NULL, home " + text + " NULL)" + suffix,
			"CREATE TABLE exact_text_assignees (case_id " + text + " NULL, case_id_loose " + loose + " NULL, value " + text + " NULL)" + suffix,
			"CREATE INDEX exact_cases_lead ON exact_cases (lead, id)",
			"CREATE INDEX exact_cases_lead_loose ON exact_cases (lead_loose, id)",
			"CREATE INDEX exact_cases_home ON exact_cases (home, id)",
			"CREATE INDEX exact_cases_home_loose ON exact_cases (home_loose, id)",
			"CREATE INDEX exact_assignees_value ON exact_assignees (value, case_id)",
			"CREATE INDEX exact_assignees_value_loose ON exact_assignees (value_loose, case_id)",
			"CREATE INDEX exact_assignees_case ON exact_assignees (case_id)",
			"CREATE INDEX exact_workgroups_value ON exact_workgroups (value, case_id)",
			"CREATE INDEX exact_workgroups_case ON exact_workgroups (case_id)",
			"CREATE INDEX exact_owners_case ON exact_owners (case_id)",
			"CREATE INDEX exact_text_id ON exact_text (id)",
			"CREATE INDEX exact_text_id_loose ON exact_text (id_loose)",
			"CREATE INDEX exact_text_assignees_case ON exact_text_assignees (case_id)",
			"CREATE INDEX exact_text_assignees_case_loose ON exact_text_assignees (case_id_loose)",
		} {
			if _, err := h.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		tx, err := h.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		insertRows(ctx, t, tx, d, "exact_cases", intRows)
		insertRows(ctx, t, tx, d, "exact_text", textRows)
		byTable := map[string][][]any{}
		for _, l := range links {
			byTable[l.table] = append(byTable[l.table], l.row)
		}
		for table, rows := range byTable {
			insertRows(ctx, t, tx, d, table, rows)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		intRecords := readExactRecords(ctx, t, h, "SELECT CAST(id AS "+map[bool]string{true: "CHAR", false: "TEXT"}[d == sqlstore.MySQL]+"), closed, lead, lead_loose, home, home_loose, owner, owner_loose FROM exact_cases",
			[]string{"lead", "lead_loose", "home", "home_loose", "owner", "owner_loose"})
		for _, table := range []string{"exact_assignees", "exact_workgroups", "exact_owners"} {
			readExactLinks(ctx, t, h, "SELECT CAST(case_id AS "+map[bool]string{true: "CHAR", false: "TEXT"}[d == sqlstore.MySQL]+"), value, value_loose FROM "+table, table, intRecords)
		}
		textRecords := readExactRecords(ctx, t, h, "SELECT id, closed, home FROM exact_text", []string{"home"})
		textLoose := readExactRecords(ctx, t, h, "SELECT id_loose, closed, home FROM exact_text", []string{"home"})
		readExactLinks(ctx, t, h, "SELECT case_id, value, value FROM exact_text_assignees", "exact_text_assignees", textRecords)
		readExactLinks(ctx, t, h, "SELECT case_id_loose, value, value FROM exact_text_assignees", "exact_text_assignees", textLoose)

		link := func(table, value string) sqlfilter.Values {
			return sqlfilter.Values{Link: &sqlfilter.Link{Table: table, Record: "case_id", Value: value}}
		}
		col := func(c string) sqlfilter.Values { return sqlfilter.Values{Column: c} }
		stored := sqlfilter.Values{Stored: sqlfilter.StoredInDatabase}
		inSnapshot := sqlfilter.Values{Stored: sqlfilter.StoredInSnapshot}
		type mapping struct {
			name    string
			table   sqlfilter.Table
			records []exactRecord
			// fields: which read-back values describe the record's
			// assignees, workgroups and owners ("" none; owners "stored").
			assignees, workgroups, owners string
		}
		ints := func(name string, a, w, o sqlfilter.Values, fa, fw, fo string, typ sqlfilter.IDType) mapping {
			return mapping{name, sqlfilter.Table{Name: "exact_cases", ID: "id", IDType: typ, Inactive: "closed", Assignees: a, Workgroups: w, Owners: o}, intRecords, fa, fw, fo}
		}
		texts := func(name, id string, records []exactRecord, a, o sqlfilter.Values, fa, fo string) mapping {
			return mapping{name, sqlfilter.Table{Name: "exact_text", ID: id, IDType: sqlfilter.IDText, Inactive: "closed", Assignees: a, Workgroups: col("home"), Owners: o}, records, fa, "home", fo}
		}
		textLink := func(record string) sqlfilter.Values {
			return sqlfilter.Values{Link: &sqlfilter.Link{Table: "exact_text_assignees", Record: record, Value: "value"}}
		}
		mappings := []mapping{
			ints("columns", col("lead"), col("home"), col("owner"), "lead", "home", "owner", sqlfilter.IDInteger),
			ints("loose columns", col("lead_loose"), col("home_loose"), col("owner_loose"), "lead_loose", "home_loose", "owner_loose", sqlfilter.IDInteger),
			ints("link tables", link("exact_assignees", "value"), link("exact_workgroups", "value"), link("exact_owners", "value"),
				"exact_assignees.value", "exact_workgroups.value", "exact_owners.value", sqlfilter.IDAnyType),
			ints("loose link tables", link("exact_assignees", "value_loose"), link("exact_workgroups", "value_loose"), link("exact_owners", "value_loose"),
				"exact_assignees.value_loose", "exact_workgroups.value_loose", "exact_owners.value_loose", sqlfilter.IDInteger),
			ints("loose columns, owners stored in the database", col("lead_loose"), link("exact_workgroups", "value_loose"), stored, "lead_loose", "exact_workgroups.value_loose", "stored", sqlfilter.IDInteger),
			ints("owners stored in the snapshot", link("exact_assignees", "value_loose"), col("home"), inSnapshot, "exact_assignees.value_loose", "home", "stored", sqlfilter.IDAnyType),
			texts("text ids, owners stored in the database", "id", textRecords, textLink("case_id"), stored, "exact_text_assignees", "stored"),
			texts("loose text ids, owners stored in the database", "id_loose", textLoose, textLink("case_id_loose"), stored, "exact_text_assignees", "stored"),
			texts("text ids, owners stored in the snapshot", "id", textRecords, textLink("case_id"), inSnapshot, "exact_text_assignees", "stored"),
			texts("loose text ids, owners stored in the snapshot", "id_loose", textLoose, textLink("case_id_loose"), inSnapshot, "exact_text_assignees", "stored"),
		}
		anyType := mappings[len(mappings)-3] // loose text ids, owners stored in the database
		anyType.name, anyType.table.IDType = "loose text ids of unsaid type, owners stored in the database", sqlfilter.IDAnyType
		mappings = append(mappings, anyType)
		anyType.name, anyType.table.Owners = "loose text ids of unsaid type, owners stored in the snapshot", inSnapshot
		mappings = append(mappings, anyType)

		for _, m := range mappings {
			var nearMisses, nullFlags, long int
			for _, req := range exactRequests() {
				plan := snap.Plan(req)
				if len(plan.Workgroups()) > 32 || len(plan.StoredOwned()) > 32 {
					long++
				}
				where, args, err := sqlfilter.Where(plan, m.table, d)
				if err != nil {
					t.Fatalf("%s, %v: %v", m.name, plan, err)
				}
				var want []string
				for _, rec := range m.records {
					res := rec.resource(m.assignees, m.workgroups, m.owners)
					creq := rbac.Request{User: req.User, ActiveRoles: req.ActiveRoles, Permission: req.Permission, Resource: &res}
					if snap.Check(creq).Allowed {
						want = append(want, rec.id)
						if rec.values["closed"] != nil {
							nullFlags++
						}
						continue
					}
					loose := rec.resource(m.assignees, m.workgroups, m.owners)
					loose.ID = strings.ToLower(strings.TrimSpace(loose.ID))
					foldIDs(loose.Assignees)
					foldIDs(loose.Workgroups)
					foldIDs(loose.Owners)
					creq.Resource = &loose
					if snap.Check(creq).Allowed {
						nearMisses++ // denied only because of padding or case
					}
				}
				got := selectIDs(ctx, t, h, "SELECT "+m.table.ID+" FROM "+m.table.Name+" WHERE "+where, args)
				slices.Sort(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s, %s: plan %v\nWHERE %s %.300v\nrows (-Check +SQL):\n%s", m.name, req.User, plan, where, args, diff)
				}
			}
			if nearMisses == 0 || long == 0 {
				t.Errorf("%s: %d rows denied only for padding or case, %d long-list plans: the test proves nothing", m.name, nearMisses, long)
			}
			if nullFlags == 0 && m.table.Name == "exact_cases" {
				t.Errorf("%s: no allowed row had a NULL closed flag", m.name)
			}
		}
	})
}

// foldIDs lowers and trims ids in place: what a padding, case-insensitive
// comparison would make of them.
func foldIDs[T ~string](ids []T) {
	for i, id := range ids {
		ids[i] = T(strings.ToLower(strings.TrimSpace(string(id))))
	}
}

// resource describes the record as an application reading those columns
// would: a NULL value is no value, a NULL closed flag inactive.
func (rec exactRecord) resource(assignees, workgroups, owners string) rbac.Resource {
	r := rbac.Resource{Kind: listKind, ID: rec.id, Inactive: rec.inactive}
	r.Assignees = slices.Clone(rec.values[assignees]) // foldIDs changes the copy
	for _, w := range rec.values[workgroups] {
		r.Workgroups = append(r.Workgroups, rbac.WorkgroupID(w))
	}
	if owners != "stored" {
		r.Owners = []rbac.OrgSlug{} // the record's own, possibly none
		for _, o := range rec.values[owners] {
			r.Owners = append(r.Owners, rbac.OrgSlug(o))
		}
	}
	if assignees == "" {
		r.Assignees = nil
	}
	return r
}

// readExactRecords reads id, closed and the named text columns.
func readExactRecords(ctx context.Context, t *testing.T, h *sql.DB, q string, cols []string) []exactRecord {
	t.Helper()
	rs, err := h.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []exactRecord
	for rs.Next() {
		var id string
		var closed sql.NullBool
		vals := make([]sql.NullString, len(cols))
		dest := []any{&id, &closed}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rs.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		rec := exactRecord{id: id, inactive: !closed.Valid || closed.Bool, values: map[string][]rbac.UserID{}}
		if !closed.Valid {
			rec.values["closed"] = []rbac.UserID{"NULL"}
		}
		for i, c := range cols {
			if vals[i].Valid {
				rec.values[c] = []rbac.UserID{rbac.UserID(vals[i].String)}
			}
		}
		out = append(out, rec)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readExactLinks adds a link table's values to the records whose id is
// byte for byte its record column, as table.value and table.value_loose
// (and as table, for the text table's one value column).
func readExactLinks(ctx context.Context, t *testing.T, h *sql.DB, q, table string, records []exactRecord) {
	t.Helper()
	byID := map[string]exactRecord{}
	for _, rec := range records {
		byID[rec.id] = rec
	}
	rs, err := h.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	for rs.Next() {
		var id, value, loose sql.NullString
		if err := rs.Scan(&id, &value, &loose); err != nil {
			t.Fatal(err)
		}
		rec, ok := byID[id.String]
		if !id.Valid || !ok {
			continue // a NULL record column belongs to no record
		}
		if value.Valid {
			rec.values[table+".value"] = append(rec.values[table+".value"], rbac.UserID(value.String))
			rec.values[table] = append(rec.values[table], rbac.UserID(value.String))
		}
		if loose.Valid {
			rec.values[table+".value_loose"] = append(rec.values[table+".value_loose"], rbac.UserID(loose.String))
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
}

// selectIDs runs q and returns the first column as text, sorted.
func selectIDs(ctx context.Context, t *testing.T, h *sql.DB, q string, args []any) []string {
	t.Helper()
	out := queryColumn[string](ctx, t, h, q, args)
	slices.Sort(out)
	return out
}

// TestListsNulls: what a NULL means in each mapped column (sqlfilter's
// doc), row by row, on every database: the rows each plan selects are the
// ones written here, and the ones Check allows for the records described
// as the doc says (a NULL closed flag inactive, a NULL value no value, a
// link row with a NULL record nobody's).
func TestListsNulls(t *testing.T) {
	type row struct {
		id                  int64
		closed              any
		lead, home, owner   any
		linkRecord, linkVal any // one row of the assignees' link table, if linkVal or linkRecord is set
		reason              string
	}
	rows := []row{
		{1, nil, "cara", nil, "dfe--", int64(1), "cara", "NULL closed: inactive, so only ann's scope all reaches it"},
		{2, false, nil, "region-0--", "hmrc", nil, nil, "NULL lead: assigned to nobody, but in cara's workgroup"},
		{3, false, nil, nil, "hmrc", nil, nil, "NULL lead and home: reached through global scope only"},
		{4, false, "cara", nil, nil, int64(4), "cara", "NULL owner: owned by no org, so no plan with an owner condition reaches it"},
		{5, false, "cara", nil, "hmrc", nil, "cara", "link row with a NULL record: belongs to no record, so 5 is not linked to cara"},
		{6, false, nil, nil, "hmrc", int64(6), nil, "link row with a NULL value: no assignee"},
		{7, true, "cara", nil, "hmrc", int64(7), "cara", "control: inactive"},
		{8, false, "cara", nil, "hmrc", int64(8), "cara", "control: assigned to cara, owned by hmrc"},
	}
	columns := sqlfilter.Table{Name: "null_cases", ID: "id", Inactive: "closed",
		Assignees: sqlfilter.Values{Column: "lead"}, Workgroups: sqlfilter.Values{Column: "home"}, Owners: sqlfilter.Values{Column: "owner"}}
	links := columns
	links.Assignees = sqlfilter.Values{Link: &sqlfilter.Link{Table: "null_links", Record: "case_id", Value: "value"}}
	tests := []struct {
		user  rbac.UserID
		table sqlfilter.Table
		want  []int64
	}{
		{"cara", columns, []int64{2, 5, 8}},
		{"cara", links, []int64{2, 8}},
		{"bea", columns, []int64{2, 3, 4, 5, 6, 8}}, // global and the bypass: active ones
		{"bea", links, []int64{2, 3, 4, 5, 6, 8}},
		{"ann", columns, []int64{1}}, // scope all, owned by dfe--
		{"gil", links, []int64{2, 3, 5, 6, 8}},
	}
	var legend strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&legend, "\n  row %d: %s", r.id, r.reason)
	}
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		h, a := listSetup(t, db, nil, nil)
		snap := a.Snapshot()
		suffix := ""
		if db.dialect == sqlstore.MySQL {
			suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
		}
		for _, stmt := range []string{
			"CREATE TABLE null_cases (id BIGINT NOT NULL PRIMARY KEY, closed BOOLEAN NULL, lead VARCHAR(128) NULL, home VARCHAR(128) NULL, owner VARCHAR(128) NULL)" + suffix,
			"CREATE TABLE null_links (case_id BIGINT NULL, value VARCHAR(128) NULL)" + suffix,
		} {
			if _, err := h.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		tx, err := h.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var cases, linkRows [][]any
		for _, r := range rows {
			cases = append(cases, []any{r.id, r.closed, r.lead, r.home, r.owner})
			if r.linkRecord != nil || r.linkVal != nil {
				linkRows = append(linkRows, []any{r.linkRecord, r.linkVal})
			}
		}
		insertRows(ctx, t, tx, db.dialect, "null_cases", cases)
		insertRows(ctx, t, tx, db.dialect, "null_links", linkRows)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			req := rbac.PlanRequest{User: tt.user, Permission: "case.read", Kind: listKind}
			where, args, err := sqlfilter.Where(snap.Plan(req), tt.table, db.dialect)
			if err != nil {
				t.Fatal(err)
			}
			var byCheck []int64
			for _, r := range rows {
				res := rbac.Resource{Kind: listKind, ID: strconv.FormatInt(r.id, 10), Inactive: r.closed != false, Owners: []rbac.OrgSlug{}}
				if s, ok := r.owner.(string); ok {
					res.Owners = append(res.Owners, rbac.OrgSlug(s))
				}
				if s, ok := r.home.(string); ok {
					res.Workgroups = []rbac.WorkgroupID{rbac.WorkgroupID(s)}
				}
				if tt.table.Assignees.Column != "" {
					if s, ok := r.lead.(string); ok {
						res.Assignees = []rbac.UserID{rbac.UserID(s)}
					}
				} else if s, ok := r.linkVal.(string); ok && r.linkRecord != nil {
					res.Assignees = []rbac.UserID{rbac.UserID(s)}
				}
				if snap.Check(rbac.Request{User: tt.user, Permission: "case.read", Resource: &res}).Allowed {
					byCheck = append(byCheck, r.id)
				}
			}
			if diff := cmp.Diff(tt.want, byCheck); diff != "" {
				t.Errorf("%s via %s: Check on the records as the doc describes them (-want +Check):\n%s%s", tt.user, describeAssignees(tt.table), diff, legend.String())
			}
			if diff := cmp.Diff(tt.want, listRowIDs(ctx, t, h, "SELECT id FROM null_cases WHERE "+where+" ORDER BY id", args)); diff != "" {
				t.Errorf("%s via %s: WHERE %s %v (-want +SQL):\n%s%s", tt.user, describeAssignees(tt.table), where, args, diff, legend.String())
			}
		}
	})
}

func describeAssignees(t sqlfilter.Table) string {
	if t.Assignees.Link != nil {
		return "the assignees' link table"
	}
	return "the lead column"
}

// listRowIDs runs q and returns the integer ids it selects, in order.
func listRowIDs(ctx context.Context, t *testing.T, h *sql.DB, q string, args []any) []int64 {
	t.Helper()
	out := queryColumn[int64](ctx, t, h, q, args)
	slices.Sort(out)
	return out
}
