package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"

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
	if e == nil {
		return sql.NullString{}, nil
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
	case rbac.EntityOwnershipRule:
		return decodeAs[rbac.OwnershipRule](data)
	case rbac.EntityOwnership:
		return decodeAs[rbac.Ownership](data)
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
