package sqlstore

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/rolegraph/rbac"
)

// colType is the Go type a scalar column is read into.
type colType int

const (
	textCol colType = iota
	intCol
	boolCol
)

type column struct {
	name string
	typ  colType
}

// listTable holds one list of an entity: either in a column of the
// entity's row (column set; schema 5, see listcolumn.go) or in a table of
// its own (name set), whose rows are (the parent's key columns, pos,
// values...), pos keeping the list's order. Ownership owners stay in a
// table: sqlfilter joins it to the application's tables.
type listTable struct {
	column string   // the JSON column in the entity's table
	name   string   // or the list's table
	keys   []string // the parent's key, under the list table's column names
	cols   []string // the values of one item (text), named as in schema 4
}

// inColumn reports whether the list is stored in a column of its entity.
func (l listTable) inColumn() bool { return l.column != "" }

// entityTable maps one entity kind to its table and its list tables.
type entityTable struct {
	kind  rbac.EntityKind
	name  string
	keys  []string // one column, or kind and id for ownership
	cols  []column // the scalar fields after the key
	lists []listTable
	// toRecord and fromRecord convert between the entity and its rows.
	toRecord   func(rbac.Entity) record
	fromRecord func(record) (rbac.Entity, error)
}

// record is an entity as rows: its key, its scalar values (string, int64
// or bool, in cols order) and each list flattened (len(cols) strings per
// item).
type record struct {
	key   []string
	vals  []any
	lists [][]string
}

// keyString joins a record's key the way rbac.Entity.EntityKey does.
func keyString(key []string) string {
	if len(key) == 2 {
		return rbac.OwnershipKey(key[0], key[1])
	}
	return key[0]
}

// splitKey splits an entity key into the key columns of its table.
func (t *entityTable) splitKey(key string) []string {
	if len(t.keys) == 2 {
		k, id, _ := strings.Cut(key, "/")
		return []string{k, id}
	}
	return []string{key}
}

func strs[T ~string](in []T) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func ids[T ~string](in []string) []T {
	if len(in) == 0 {
		return nil
	}
	// A view, not a copy: T is a string type, so both have one layout. The
	// record's list is not used again, or is shared read-only (LoadEach).
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(in))), len(in))
}

// scopeText and parseScope store a grant's scope by name, readable in SQL.
func scopeText(s rbac.Scope) string {
	if s == rbac.ScopeNone {
		return ""
	}
	return s.String()
}

func parseScope(s string) (rbac.Scope, error) {
	if s == "" {
		return rbac.ScopeNone, nil
	}
	return rbac.ParseScope(s)
}

func one(name string) []string { return []string{name} }

var entityTables = []*entityTable{
	{
		kind: rbac.EntityPermission, name: "rbac_permissions", keys: one("name"),
		cols:  []column{{"title", textCol}, {"section", textCol}, {"description", textCol}, {"deprecated", textCol}, {"sensitive_warning", textCol}},
		lists: []listTable{{column: "requires", cols: one("requires")}},
		toRecord: func(e rbac.Entity) record {
			d := e.(rbac.PermissionDef)
			return record{one(string(d.Name)), []any{d.Title, d.Section, d.Description, d.Deprecated, d.Sensitive}, [][]string{strs(d.Requires)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.PermissionDef{
				Name: rbac.Permission(r.key[0]), Title: r.vals[0].(string), Section: r.vals[1].(string),
				Description: r.vals[2].(string), Deprecated: r.vals[3].(string), Sensitive: r.vals[4].(string),
				Requires: ids[rbac.Permission](r.lists[0]),
			}, nil
		},
	},
	{
		kind: rbac.EntityRole, name: "rbac_roles", keys: one("id"),
		cols: []column{{"title", textCol}, {"description", textCol}},
		lists: []listTable{
			{column: "account_types", cols: one("account_type")},
			{column: "contains_ids", cols: one("contains_id")},
			{column: "grants", cols: []string{"permission", "scope"}},
		},
		toRecord: func(e rbac.Entity) record {
			r := e.(rbac.Role)
			var grants []string
			for _, g := range r.Grants {
				grants = append(grants, string(g.Permission), scopeText(g.Scope))
			}
			return record{one(string(r.ID)), []any{r.Title, r.Description}, [][]string{strs(r.AccountTypes), strs(r.Contains), grants}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			role := rbac.Role{
				ID: rbac.RoleID(r.key[0]), Title: r.vals[0].(string), Description: r.vals[1].(string),
				AccountTypes: ids[rbac.AccountType](r.lists[0]), Contains: ids[rbac.RoleID](r.lists[1]),
			}
			if g := r.lists[2]; len(g) > 0 {
				role.Grants = make([]rbac.Grant, 0, len(g)/2)
				for i := 0; i+1 < len(g); i += 2 {
					sc, err := parseScope(g[i+1])
					if err != nil {
						return nil, fmt.Errorf("role %q, grant of %q: %w", role.ID, g[i], err)
					}
					role.Grants = append(role.Grants, rbac.Grant{Permission: rbac.Permission(g[i]), Scope: sc})
				}
			}
			return role, nil
		},
	},
	{
		kind: rbac.EntityAccountType, name: "rbac_account_types", keys: one("id"),
		cols:  []column{{"title", textCol}},
		lists: []listTable{{column: "default_role_ids", cols: one("role_id")}},
		toRecord: func(e rbac.Entity) record {
			a := e.(rbac.AccountTypeDef)
			return record{one(string(a.ID)), []any{a.Title}, [][]string{strs(a.DefaultRoles)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.AccountTypeDef{ID: rbac.AccountType(r.key[0]), Title: r.vals[0].(string), DefaultRoles: ids[rbac.RoleID](r.lists[0])}, nil
		},
	},
	{
		kind: rbac.EntityWorkgroup, name: "rbac_workgroups", keys: one("id"),
		cols: []column{{"name", textCol}, {"parent", textCol}},
		toRecord: func(e rbac.Entity) record {
			w := e.(rbac.Workgroup)
			return record{one(string(w.ID)), []any{w.Name, string(w.Parent)}, nil}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Workgroup{ID: rbac.WorkgroupID(r.key[0]), Name: r.vals[0].(string), Parent: rbac.WorkgroupID(r.vals[1].(string))}, nil
		},
	},
	{
		kind: rbac.EntityGroup, name: "rbac_groups", keys: one("id"),
		cols: []column{{"name", textCol}, {"description", textCol}, {"account_type", textCol}},
		lists: []listTable{
			{column: "role_ids", cols: one("role_id")},
			{column: "manager_ids", cols: one("user_id")},
		},
		toRecord: func(e rbac.Entity) record {
			g := e.(rbac.Group)
			return record{one(string(g.ID)), []any{g.Name, g.Description, string(g.AccountType)}, [][]string{strs(g.Roles), strs(g.Managers)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Group{
				ID: rbac.GroupID(r.key[0]), Name: r.vals[0].(string), Description: r.vals[1].(string),
				AccountType: rbac.AccountType(r.vals[2].(string)),
				Roles:       ids[rbac.RoleID](r.lists[0]), Managers: ids[rbac.UserID](r.lists[1]),
			}, nil
		},
	},
	{
		kind: rbac.EntityUser, name: "rbac_users", keys: one("id"),
		// temporary: schema 9, the JSON of User.Temporary ("" for none).
		cols: []column{{"account_type", textCol}, {"org", textCol}, {"disabled", boolCol}, {"name", textCol}, {"email", textCol}, {"temporary", textCol}},
		lists: []listTable{
			{column: "role_ids", cols: one("role_id")},
			{column: "group_ids", cols: one("group_id")},
			{column: "workgroup_ids", cols: one("workgroup_id")},
		},
		toRecord: func(e rbac.Entity) record {
			u := e.(rbac.User)
			return record{one(string(u.ID)), []any{string(u.AccountType), string(u.Org), u.Disabled, u.Name, u.Email, encodeTemporary(u.Temporary)}, [][]string{strs(u.Roles), strs(u.Groups), strs(u.Workgroups)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			temporary, err := decodeTemporary(r.vals[5].(string))
			if err != nil {
				return nil, fmt.Errorf("user %q: temporary: %w", r.key[0], err)
			}
			return rbac.User{
				ID: rbac.UserID(r.key[0]), AccountType: rbac.AccountType(r.vals[0].(string)), Org: rbac.OrgSlug(r.vals[1].(string)),
				Disabled: r.vals[2].(bool), Name: r.vals[3].(string), Email: r.vals[4].(string),
				Roles: ids[rbac.RoleID](r.lists[0]), Groups: ids[rbac.GroupID](r.lists[1]), Workgroups: ids[rbac.WorkgroupID](r.lists[2]),
				Temporary: temporary,
			}, nil
		},
	},
	{
		kind: rbac.EntityConstraint, name: "rbac_constraints", keys: one("name"),
		cols:  []column{{"max_roles", intCol}, {"is_dynamic", boolCol}},
		lists: []listTable{{column: "role_ids", cols: one("role_id")}},
		toRecord: func(e rbac.Entity) record {
			c := e.(rbac.Constraint)
			return record{one(c.Name), []any{int64(c.Max), c.Dynamic}, [][]string{strs(c.Roles)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Constraint{Name: r.key[0], Max: int(r.vals[0].(int64)), Dynamic: r.vals[1].(bool), Roles: ids[rbac.RoleID](r.lists[0])}, nil
		},
	},
	{
		// Added by migration 0010 (0010_four_eyes.sql).
		kind: rbac.EntityApproval, name: "rbac_approvals", keys: one("name"),
		cols: []column{{"sensitive_gains", boolCol}, {"relaxations", boolCol}}, // SENSITIVE is reserved in MySQL
		lists: []listTable{
			{column: "role_ids", cols: one("role_id")},
			{column: "group_ids", cols: one("group_id")},
			{column: "made_by_role_ids", cols: one("role_id")},
		},
		toRecord: func(e rbac.Entity) record {
			a := e.(rbac.Approval)
			return record{one(a.Name), []any{a.Sensitive, a.Relaxations}, [][]string{strs(a.Roles), strs(a.Groups), strs(a.MadeBy)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Approval{Name: r.key[0], Sensitive: r.vals[0].(bool), Relaxations: r.vals[1].(bool),
				Roles: ids[rbac.RoleID](r.lists[0]), Groups: ids[rbac.GroupID](r.lists[1]), MadeBy: ids[rbac.RoleID](r.lists[2])}, nil
		},
	},
	{
		// Added by migration 0010 (0010_four_eyes.sql). Due is RFC 3339
		// text in UTC, with nanoseconds.
		kind: rbac.EntityCampaign, name: "rbac_campaigns", keys: one("id"),
		cols: []column{{"due", textCol}},
		lists: []listTable{
			{column: "group_ids", cols: one("group_id")},
			{column: "role_ids", cols: one("role_id")},
		},
		toRecord: func(e rbac.Entity) record {
			c := e.(rbac.Campaign)
			return record{one(c.ID), []any{c.Due.UTC().Format(time.RFC3339Nano)}, [][]string{strs(c.Groups), strs(c.Roles)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			due, err := time.Parse(time.RFC3339Nano, r.vals[0].(string))
			if err != nil {
				return nil, fmt.Errorf("campaign %q: due: %w", r.key[0], err)
			}
			return rbac.Campaign{ID: r.key[0], Due: due, Groups: ids[rbac.GroupID](r.lists[0]), Roles: ids[rbac.RoleID](r.lists[1])}, nil
		},
	},
	{
		// Added by migration 0003 (0003_kinds.sql).
		kind: rbac.EntityResourceKind, name: "rbac_kinds", keys: one("name"),
		cols: []column{{"title", textCol}},
		toRecord: func(e rbac.Entity) record {
			k := e.(rbac.Kind)
			return record{one(k.Name), []any{k.Title}, nil}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Kind{Name: r.key[0], Title: r.vals[0].(string)}, nil
		},
	},
	{
		kind: rbac.EntityOwnershipRule, name: "rbac_ownership_rules", keys: one("kind"),
		cols: []column{{"bypass", textCol}},
		// Create is a list of zero or one permission (schema 4).
		lists: []listTable{{name: "rbac_ownership_rule_create", keys: one("kind"), cols: one("permission")}},
		toRecord: func(e rbac.Entity) record {
			o := e.(rbac.OwnershipRule)
			var create []string
			if o.Create != "" {
				create = one(string(o.Create))
			}
			return record{one(o.Kind), []any{string(o.Bypass)}, [][]string{create}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			rule := rbac.OwnershipRule{Kind: r.key[0], Bypass: rbac.Permission(r.vals[0].(string))}
			switch len(r.lists[0]) {
			case 0:
			case 1:
				rule.Create = rbac.Permission(r.lists[0][0])
			default:
				return nil, fmt.Errorf("ownership rule %q has %d create permissions", rule.Kind, len(r.lists[0]))
			}
			return rule, nil
		},
	},
	{
		kind: rbac.EntityOwnership, name: "rbac_ownerships", keys: []string{"kind", "id"},
		lists: []listTable{{name: "rbac_ownership_owners", keys: []string{"kind", "id"}, cols: one("org")}},
		toRecord: func(e rbac.Entity) record {
			o := e.(rbac.Ownership)
			return record{[]string{o.Kind, o.ID}, nil, [][]string{strs(o.Owners)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Ownership{Kind: r.key[0], ID: r.key[1], Owners: ids[rbac.OrgSlug](r.lists[0])}, nil
		},
	},
	{
		// Added by migration 0009 (0009_timed_assignments.sql).
		kind: rbac.EntityElevation, name: "rbac_elevations", keys: one("id"),
		cols:  []column{{"title", textCol}, {"max_duration_ns", intCol}, {"invoke", textCol}},
		lists: []listTable{{column: "role_ids", cols: one("role_id")}},
		toRecord: func(e rbac.Entity) record {
			v := e.(rbac.Elevation)
			return record{one(v.ID), []any{v.Title, int64(v.MaxDuration), string(v.Invoke)}, [][]string{strs(v.Roles)}}
		},
		fromRecord: func(r record) (rbac.Entity, error) {
			return rbac.Elevation{ID: r.key[0], Title: r.vals[0].(string), MaxDuration: time.Duration(r.vals[1].(int64)),
				Invoke: rbac.Permission(r.vals[2].(string)), Roles: ids[rbac.RoleID](r.lists[0])}, nil
		},
	},
}

// tableOf returns the table of an entity kind.
func tableOf(kind rbac.EntityKind) *entityTable {
	for _, t := range entityTables {
		if t.kind == kind {
			return t
		}
	}
	return nil
}
