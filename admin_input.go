package rbac

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The first rule of administration: input is well formed before anything
// else is looked at. A change whose value has the wrong Go type, an id that
// is not an identifier, or free text that is not UTF-8 (or holds a NUL) is
// ErrInvalid, never a panic, and is reported before the actor's rights, so
// that nothing about the model is revealed to a malformed request either.

// MaxTextLen is the longest free text (a reason, a title, a description)
// that administration accepts.
const MaxTextLen = 64 << 10

// checkText reports why s is not acceptable free text, or nil.
func checkText(what, s string) error {
	switch {
	case len(s) > MaxTextLen:
		return fmt.Errorf("%s is %d bytes long, more than %d", what, len(s), MaxTextLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", what)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%s contains a NUL byte", what)
	}
	return nil
}

// reservedUserID reports whether id is reserved for the package: rbac.system
// and every id starting "rbac.".
func reservedUserID(id UserID) bool {
	return id == System || strings.HasPrefix(string(id), BuiltinPermissionPrefix)
}

// checkAdminInput checks a reason and change list for well-formedness.
func checkAdminInput(op, reason string, changes []Change) error {
	if err := checkText("the reason", reason); err != nil {
		return &Error{Op: op, Msg: err.Error(), Err: ErrInvalid}
	}
	if len(changes) == 0 {
		return &Error{Op: op, Msg: "no changes given", Err: ErrInvalid}
	}
	for i, c := range changes {
		if err := checkChangeInput(c); err != nil {
			return &Error{Op: op, Kind: c.Kind, ID: c.Key, Msg: fmt.Sprintf("change %d of %d: %v", i+1, len(changes), err), Err: ErrInvalid}
		}
	}
	return nil
}

// checkChangeInput checks one change: a known kind, a well-formed key, a
// value (if any) of exactly the kind's Go type with that key, and every id
// and text inside the value well formed. Errors quote ids cut short.
func checkChangeInput(c Change) error {
	want, known := entityGoType[c.Kind]
	if !known {
		return fmt.Errorf("unknown entity kind %s", quoteShort(string(c.Kind)))
	}
	if err := checkKey(c.Kind, c.Key); err != nil {
		return err
	}
	if c.After == nil {
		return nil
	}
	got := fmt.Sprintf("%T", c.After)
	if got != want {
		return fmt.Errorf("the value of the %s change is of type %s, not %s", c.Kind, got, want)
	}
	if c.After.EntityKey() != c.Key {
		return fmt.Errorf("the value's key %s is not the change's key", quoteShort(c.After.EntityKey()))
	}
	return checkEntityInput(c.After)
}

// entityGoType is the dynamic type a Change's value must have, by kind:
// values, never pointers.
var entityGoType = map[EntityKind]string{
	EntityAccountType:   "rbac.AccountTypeDef",
	EntityPermission:    "rbac.PermissionDef",
	EntityRole:          "rbac.Role",
	EntityGroup:         "rbac.Group",
	EntityWorkgroup:     "rbac.Workgroup",
	EntityUser:          "rbac.User",
	EntityConstraint:    "rbac.Constraint",
	EntityApproval:      "rbac.Approval",
	EntityCampaign:      "rbac.Campaign",
	EntityOwnershipRule: "rbac.OwnershipRule",
	EntityResourceKind:  "rbac.Kind",
	EntityOwnership:     "rbac.Ownership",
	EntityElevation:     "rbac.Elevation",
}

// checkEntityInput checks the ids and free text inside one entity value.
func checkEntityInput(e Entity) error {
	var ids []idField
	var texts [][2]string
	switch v := e.(type) {
	case AccountTypeDef:
		texts = append(texts, [2]string{"title", v.Title})
		ids = appendIDs(ids, "default role", v.DefaultRoles)
	case PermissionDef:
		texts = append(texts, [2]string{"title", v.Title}, [2]string{"section", v.Section}, [2]string{"description", v.Description},
			[2]string{"deprecated", v.Deprecated}, [2]string{"sensitive", v.Sensitive})
		ids = appendIDs(ids, "prerequisite", v.Requires)
	case Role:
		texts = append(texts, [2]string{"title", v.Title}, [2]string{"description", v.Description})
		ids = appendIDs(ids, "account type", v.AccountTypes)
		ids = appendIDs(ids, "contained role", v.Contains)
		for _, g := range v.Grants {
			if err := checkGrantPermission(g.Permission); err != nil {
				return fmt.Errorf("grant %s: %v", quoteShort(string(g.Permission)), err)
			}
			if g.Scope < ScopeMine || g.Scope > ScopeAll {
				return fmt.Errorf("grant %s has no valid scope (%d)", quoteShort(string(g.Permission)), g.Scope)
			}
		}
	case Group:
		texts = append(texts, [2]string{"name", v.Name}, [2]string{"description", v.Description})
		ids = appendIDs(ids, "account type", optional(v.AccountType))
		ids = appendIDs(ids, "role", v.Roles)
		ids = appendIDs(ids, "manager", v.Managers)
	case Workgroup:
		texts = append(texts, [2]string{"name", v.Name})
		ids = appendIDs(ids, "parent", optional(v.Parent))
	case User:
		if reservedUserID(v.ID) {
			return fmt.Errorf("user id %s is reserved: no user may be %s or start with %q", quoteShort(string(v.ID)), System, BuiltinPermissionPrefix)
		}
		if err := checkUserDetails(v); err != nil {
			return err
		}
		ids = appendIDs(ids, "account type", optional(v.AccountType))
		ids = appendIDs(ids, "org", optional(v.Org))
		ids = appendIDs(ids, "role", v.Roles)
		ids = appendIDs(ids, "group", v.Groups)
		ids = appendIDs(ids, "workgroup", v.Workgroups)
	case Constraint:
		ids = appendIDs(ids, "role", v.Roles)
	case Elevation:
		texts = append(texts, [2]string{"title", v.Title})
		ids = appendIDs(ids, "role", v.Roles)
	case Approval:
		ids = appendIDs(ids, "role", v.Roles)
		ids = appendIDs(ids, "group", v.Groups)
	case Campaign:
		ids = appendIDs(ids, "role", v.Roles)
		ids = appendIDs(ids, "group", v.Groups)
	case OwnershipRule:
		ids = appendIDs(ids, "bypass permission", []Permission{v.Bypass})
		ids = appendIDs(ids, "create permission", optional(v.Create))
	case Ownership:
		ids = appendIDs(ids, "owner", v.Owners)
	case Kind:
		texts = append(texts, [2]string{"title", v.Title})
	}
	for _, t := range texts {
		if err := checkText(t[0], t[1]); err != nil {
			return err
		}
	}
	for _, f := range ids {
		if err := checkID(f.id); err != nil {
			return fmt.Errorf("%s: %v", f.what, err)
		}
	}
	return nil
}

type idField struct{ what, id string }

func appendIDs[T ~string](out []idField, what string, ids []T) []idField {
	for _, id := range ids {
		out = append(out, idField{what, string(id)})
	}
	return out
}

// optional lists id unless it is empty (an optional reference).
func optional[T ~string](id T) []T {
	if id == "" {
		return nil
	}
	return []T{id}
}
