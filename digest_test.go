package rbac

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// digestReference is ChangeSet.Digest as first written: one JSON document
// of the set, hashed. Stores keep digests (sqlstore's rbac_change_ids), so
// Digest must keep giving the same value for the same set.
func digestReference(cs ChangeSet) string {
	type item struct {
		Kind    EntityKind
		Key     string
		After   any
		Cascade bool
	}
	doc := struct {
		Actor   UserID
		Reason  string
		Changes []item
	}{Actor: cs.Actor, Reason: cs.Reason, Changes: make([]item, len(cs.Changes))}
	for i, c := range cs.Changes {
		doc.Changes[i] = item{Kind: c.Kind, Key: c.Key, Cascade: c.Cascade}
		if c.After != nil {
			v := reflect.New(reflect.TypeOf(c.After)).Elem()
			v.Set(reflect.ValueOf(c.After))
			for i := 0; i < v.NumField(); i++ {
				if f := v.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
					f.Set(reflect.Zero(f.Type()))
				}
			}
			doc.Changes[i].After = v.Interface()
		}
	}
	b, err := json.Marshal(doc)
	if err != nil { // a scope without a name
		b = fmt.Appendf(nil, "%#v", doc)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// drawChangeSet draws a change set of every kind of entity, with strings
// that JSON escapes (quotes, <, &, control characters, invalid UTF-8).
func drawChangeSet(t *rapid.T) ChangeSet {
	str := rapid.OneOf(rapid.SampledFrom([]string{"", "a", "a.b", `q"uote`, "a&b", "a<b", "a>b", `back\slash`, "tab\there", "\b\f", "\x7f", "\u2028", "\u2029", "\xff", "é"}), rapid.String())
	strs := func(label string) []string {
		return rapid.OneOf(rapid.Just[[]string](nil), rapid.SliceOfN(str, 0, 3)).Draw(t, label)
	}
	ids := func(label string) []RoleID {
		var out []RoleID
		if s := strs(label); s != nil {
			out = []RoleID{}
			for _, v := range s {
				out = append(out, RoleID(v))
			}
		}
		return out
	}
	entity := func(kind EntityKind) Entity {
		s := func(label string) string { return str.Draw(t, label) }
		switch kind {
		case EntityUser:
			u := User{ID: UserID(s("id")), Name: s("name"), Email: s("email"), AccountType: AccountType(s("type")), Org: OrgSlug(s("org")), Roles: ids("roles"), Disabled: rapid.Bool().Draw(t, "disabled")}
			for _, g := range strs("groups") {
				u.Groups = append(u.Groups, GroupID(g))
			}
			for i, r := range strs("temporary") {
				at := time.Date(2027, 1, 1+i, 17, 0, 0, rapid.IntRange(0, 1).Draw(t, "nanos"), time.UTC)
				if i%2 == 0 {
					u.Temporary = append(u.Temporary, TimedAssignment{Role: RoleID(r), Until: at})
				} else {
					u.Temporary = append(u.Temporary, TimedAssignment{Group: GroupID(r), From: at.Add(-time.Hour), Until: at})
				}
			}
			return u
		case EntityRole:
			r := Role{ID: RoleID(s("id")), Title: s("title"), Contains: ids("contains")}
			for _, p := range strs("grants") {
				r.Grants = append(r.Grants, Grant{Permission: Permission(p), Scope: Scope(rapid.IntRange(0, 5).Draw(t, "scope"))})
			}
			return r
		case EntityPermission:
			d := PermissionDef{Name: Permission(s("name")), Title: s("title"), Description: s("description")}
			for _, p := range strs("requires") {
				d.Requires = append(d.Requires, Permission(p))
			}
			return d
		case EntityGroup:
			return Group{ID: GroupID(s("id")), Name: s("name"), Roles: ids("roles")}
		case EntityOwnership:
			o := Ownership{Kind: s("kind"), ID: s("id")}
			for _, v := range strs("owners") {
				o.Owners = append(o.Owners, OrgSlug(v))
			}
			return o
		default:
			return Constraint{Name: s("name"), Max: rapid.IntRange(-1, 5).Draw(t, "max"), Roles: ids("roles"), Dynamic: rapid.Bool().Draw(t, "dynamic")}
		}
	}
	cs := ChangeSet{Actor: UserID(str.Draw(t, "actor")), Reason: str.Draw(t, "reason")}
	kinds := []EntityKind{EntityUser, EntityRole, EntityPermission, EntityGroup, EntityOwnership, EntityConstraint}
	for range rapid.IntRange(0, 6).Draw(t, "changes") {
		kind := rapid.SampledFrom(kinds).Draw(t, "kind")
		c := Change{Kind: kind, Key: str.Draw(t, "key"), Cascade: rapid.Bool().Draw(t, "cascade")}
		if rapid.IntRange(0, 3).Draw(t, "delete") > 0 {
			c.After = entity(kind)
		}
		cs.Changes = append(cs.Changes, c)
	}
	return cs
}

func TestDigestMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cs := drawChangeSet(t)
		if got, want := cs.Digest(), digestReference(cs); got != want {
			t.Fatalf("Digest = %s, the reference gives %s", got, want)
		}
	})
}

// A digest written by an earlier build still matches: a retry after an
// upgrade is recognised.
func TestDigestIsStable(t *testing.T) {
	cs := ChangeSet{Actor: "admin", Reason: `import "seed" <1>`, Changes: []Change{
		PutUser(User{ID: "u1", Org: "org", Roles: []RoleID{"r1", "r2"}, Groups: []GroupID{}}),
		PutRole(Role{ID: "r1", Title: "R1", Grants: []Grant{{Permission: "case.read", Scope: ScopeMine}}}),
		{Kind: EntityUser, Key: "gone"},
	}}
	for _, tc := range []struct {
		reason string
		cs     ChangeSet
		want   string
	}{
		{"a set of each change type", cs, "d11b292ca08fc92d82d230065b3548d729b11aefe0206d13ba74c5cbcb52d3fc"},
		{"a grant without a scope (JSON cannot name it)", ChangeSet{Changes: []Change{PutRole(Role{ID: "r", Grants: []Grant{{Permission: "p.a"}}})}}, "104fe5fb9154f9f44a792563741b161da49db5faa7aba20320377b92aa4461fe"},
		{"no changes", ChangeSet{}, "18bc4947bc820f7d3fd4f979fc5d434005ebc77e19ad5e09a319c1ae288b4a79"},
	} {
		if got := tc.cs.Digest(); got != tc.want {
			t.Errorf("%s: Digest = %s, want %s", tc.reason, got, tc.want)
		}
	}
}

func BenchmarkDigestImport(b *testing.B) {
	var cs ChangeSet
	for i := range 100_000 {
		u := User{ID: UserID(fmt.Sprintf("user-%06d", i)), Org: "org"}
		for j := range 10 {
			u.Roles = append(u.Roles, RoleID(fmt.Sprintf("role-%05d", (i*7+j*997)%10000)))
		}
		cs.Changes = append(cs.Changes, PutUser(u))
	}
	b.ReportAllocs()
	for b.Loop() {
		cs.Digest()
	}
}

// appendStdJSONUser writes User's fields by name; a field added to User must
// be added there too, or two different users would digest alike.
func TestDigestKnowsUserFields(t *testing.T) {
	var got []string
	typ := reflect.TypeFor[User]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		got = append(got, fmt.Sprintf("%s %s %q", f.Name, f.Type.Kind(), f.Tag.Get("json")))
	}
	want := []string{`ID string ""`, `Name string ",omitempty"`, `Email string ",omitempty"`, `AccountType string ""`, `Org string ""`, `Roles slice ""`, `Groups slice ""`, `Workgroups slice ""`, `Disabled bool ""`, `Temporary slice ",omitempty"`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("User's fields are\n%q\nappendStdJSONUser writes\n%q", got, want)
	}
}
