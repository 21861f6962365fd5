package rbac

import "fmt"

// Identifier types. Every identifier is a case-sensitive string of 1 to
// MaxIDLen characters from [A-Za-z0-9_.:@+/-].
type (
	UserID      string
	RoleID      string
	GroupID     string
	WorkgroupID string
	AccountType string
	OrgSlug     string
	Permission  string
)

// Revision numbers the states of a Store. Zero means "no revision".
type Revision uint64

// MaxIDLen is the longest identifier accepted anywhere.
const MaxIDLen = 128

// checkID reports why s is not a valid identifier, or nil.
func checkID(s string) error {
	if s == "" {
		return fmt.Errorf("identifier is empty")
	}
	if len(s) > MaxIDLen {
		return fmt.Errorf("identifier is %d bytes long, more than %d", len(s), MaxIDLen)
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			return fmt.Errorf("identifier %s has character %q at offset %d; allowed are A-Z a-z 0-9 _ . : @ + / -", quoteShort(s), s[i], i)
		}
	}
	return nil
}

// idByte reports whether c may appear in an identifier. It reads a table:
// checks validate every permission they are asked, byte by byte.
func idByte(c byte) bool { return idBytes[c] }

var idBytes = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "_.:@+/-" {
		t[c] = true
	}
	return t
}()

// ValidID reports whether s is a well-formed identifier.
func ValidID(s string) bool { return checkID(s) == nil }

// quoteShort quotes s for an error message, cutting very long input so a
// hostile value cannot flood logs.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q…(%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// Typed lists from plain strings (claims, form values, database columns),
// so that a service never writes a conversion loop. Each returns nil for
// no arguments, except Orgs: see there.

// Users converts ids to UserIDs.
func Users(ids ...string) []UserID { return convert[UserID](ids) }

// Roles converts ids to RoleIDs.
func Roles(ids ...string) []RoleID { return convert[RoleID](ids) }

// Groups converts ids to GroupIDs.
func Groups(ids ...string) []GroupID { return convert[GroupID](ids) }

// Workgroups converts ids to WorkgroupIDs.
func Workgroups(ids ...string) []WorkgroupID { return convert[WorkgroupID](ids) }

// Permissions converts names to Permissions.
func Permissions(names ...string) []Permission { return convert[Permission](names) }

// Orgs converts slugs to the owners of a record. It never returns nil:
// Orgs() is "owned by nobody" (only holders of the bypass permission
// reach the record), not "look up the stored owners", which is what a nil
// Resource.Owners means. Use StoredOwners to say that explicitly.
func Orgs(slugs ...string) []OrgSlug {
	out := make([]OrgSlug, len(slugs))
	for i, s := range slugs {
		out[i] = OrgSlug(s)
	}
	return out
}

// StoredOwners is the Resource.Owners that asks for the owners stored
// with Ownership for the record's kind and id: nil. It exists so that
// code says which one it means.
func StoredOwners() []OrgSlug { return nil }

func convert[T ~string](in []string) []T {
	if len(in) == 0 {
		return nil
	}
	out := make([]T, len(in))
	for i, s := range in {
		out[i] = T(s)
	}
	return out
}
