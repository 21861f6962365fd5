package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/rolegraph/rbac"
)

// The change log keeps each change's before and after images as JSON, one
// object per entity with the Go field names. A role's grants are written as
// {"Permission", "Scope"} objects with the scope's name, so that an odd
// permission name can never be misread.

type grantJSON struct {
	Permission rbac.Permission
	Scope      string
}

type roleJSON struct {
	ID           rbac.RoleID
	Title        string
	Description  string
	AccountTypes []rbac.AccountType
	Contains     []rbac.RoleID
	Grants       []grantJSON
}

// encodeEntity returns e as JSON, or NULL for nil.
func encodeEntity(e rbac.Entity) (sql.NullString, error) {
	return new(imageEncoder).encode(e)
}

// imageEncoder encodes change-log images (encodeEntity), writing users'
// into one reused buffer: an import's 100,000 user images then allocate
// their strings only, not a growing buffer each.
type imageEncoder struct{ buf []byte }

func (enc *imageEncoder) encode(e rbac.Entity) (sql.NullString, error) {
	if e == nil {
		return sql.NullString{}, nil
	}
	if u, ok := e.(rbac.User); ok {
		var ok bool
		if enc.buf, ok = appendUserJSON(enc.buf[:0], u); ok {
			return sql.NullString{String: string(enc.buf), Valid: true}, nil
		}
	}
	var v any = e
	if r, ok := e.(rbac.Role); ok {
		rj := roleJSON{ID: r.ID, Title: r.Title, Description: r.Description, AccountTypes: r.AccountTypes, Contains: r.Contains}
		for _, g := range r.Grants {
			rj.Grants = append(rj.Grants, grantJSON{g.Permission, scopeText(g.Scope)})
		}
		v = rj
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// decodeEntity reads an image written by encodeEntity.
func decodeEntity(kind rbac.EntityKind, s sql.NullString) (rbac.Entity, error) {
	if !s.Valid {
		return nil, nil
	}
	data := []byte(s.String)
	switch kind {
	case rbac.EntityAccountType:
		return decodeAs[rbac.AccountTypeDef](data)
	case rbac.EntityPermission:
		return decodeAs[rbac.PermissionDef](data)
	case rbac.EntityGroup:
		return decodeAs[rbac.Group](data)
	case rbac.EntityWorkgroup:
		return decodeAs[rbac.Workgroup](data)
	case rbac.EntityUser:
		return decodeAs[rbac.User](data)
	case rbac.EntityConstraint:
		return decodeAs[rbac.Constraint](data)
	case rbac.EntityResourceKind:
		return decodeAs[rbac.Kind](data)
	case rbac.EntityApproval:
		return decodeAs[rbac.Approval](data)
	case rbac.EntityCampaign:
		return decodeAs[rbac.Campaign](data)
	case rbac.EntityOwnershipRule:
		return decodeAs[rbac.OwnershipRule](data)
	case rbac.EntityOwnership:
		return decodeAs[rbac.Ownership](data)
	case rbac.EntityElevation:
		return decodeAs[rbac.Elevation](data)
	case rbac.EntityRole:
		var rj roleJSON
		if err := json.Unmarshal(data, &rj); err != nil {
			return nil, err
		}
		r := rbac.Role{ID: rj.ID, Title: rj.Title, Description: rj.Description, AccountTypes: rj.AccountTypes, Contains: rj.Contains}
		for _, g := range rj.Grants {
			sc, err := parseScope(g.Scope)
			if err != nil {
				return nil, err
			}
			r.Grants = append(r.Grants, rbac.Grant{Permission: g.Permission, Scope: sc})
		}
		return r, nil
	}
	return nil, fmt.Errorf("unknown entity kind %q", kind)
}

func decodeAs[T rbac.Entity](data []byte) (rbac.Entity, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// appendUserJSON writes u as json.Marshal does, without reflection: an
// import logs a hundred thousand users. It reports false, and json.Marshal
// is used, if a string holds a byte that json.Marshal would escape (none
// of a valid id does), so that the two always agree.
func appendUserJSON(b []byte, u rbac.User) ([]byte, bool) {
	if len(u.Temporary) > 0 {
		return b, false // rare: json.Marshal writes them
	}
	ok := true
	str := func(s string) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				ok = false
			}
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	list := func(isNil bool, n int, at func(int) string) {
		if isNil {
			b = append(b, "null"...)
			return
		}
		b = append(b, '[')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			str(at(i))
		}
		b = append(b, ']')
	}
	b = append(b, `{"ID":`...)
	str(string(u.ID))
	if u.Name != "" { // omitempty, as User's json tags say
		b = append(b, `,"Name":`...)
		str(u.Name)
	}
	if u.Email != "" {
		b = append(b, `,"Email":`...)
		str(u.Email)
	}
	b = append(b, `,"AccountType":`...)
	str(string(u.AccountType))
	b = append(b, `,"Org":`...)
	str(string(u.Org))
	b = append(b, `,"Roles":`...)
	list(u.Roles == nil, len(u.Roles), func(i int) string { return string(u.Roles[i]) })
	b = append(b, `,"Groups":`...)
	list(u.Groups == nil, len(u.Groups), func(i int) string { return string(u.Groups[i]) })
	b = append(b, `,"Workgroups":`...)
	list(u.Workgroups == nil, len(u.Workgroups), func(i int) string { return string(u.Workgroups[i]) })
	b = append(b, `,"Disabled":`...)
	b = strconv.AppendBool(b, u.Disabled)
	return append(b, '}'), ok
}

// encodeTemporary writes a user's timed assignments as the JSON list the
// change log's images hold too, times in UTC; "" when there are none.
func encodeTemporary(ts []rbac.TimedAssignment) string {
	if len(ts) == 0 {
		return ""
	}
	utc := make([]rbac.TimedAssignment, len(ts))
	for i, t := range ts {
		utc[i] = rbac.TimedAssignment{Role: t.Role, Group: t.Group, From: inUTC(t.From), Until: inUTC(t.Until)}
	}
	b, err := json.Marshal(utc)
	if err != nil {
		// A year outside 0–9999; validation lets none through, and a
		// column that cannot be read back fails the load, loudly.
		return "!" + err.Error()
	}
	return string(b)
}

func inUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// decodeTemporary reads encodeTemporary's column.
func decodeTemporary(s string) ([]rbac.TimedAssignment, error) {
	if s == "" {
		return nil, nil
	}
	var ts []rbac.TimedAssignment
	if err := json.Unmarshal([]byte(s), &ts); err != nil {
		return nil, err
	}
	return ts, nil
}
