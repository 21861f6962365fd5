package sqlstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"pgregory.net/rapid"

	"github.com/rolegraph/rbac"
)

// Any list of strings survives appendList and decode, and encoding/json
// reads what appendList writes as the same strings (the databases' JSON
// functions see the same values).
func TestListColumnRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nv := rapid.IntRange(1, 2).Draw(t, "nv")
		n := rapid.IntRange(0, 6).Draw(t, "items")
		items := rapid.SliceOfN(rapid.StringOf(oddRune), n*nv, n*nv).Draw(t, "values")
		data := appendList(nil, items, nv)
		got, err := newListDecoder().decode(data, nv)
		if err != nil {
			t.Fatalf("decode(%s): %v", data, err)
		}
		if !slices.Equal(got, items) && !(len(got) == 0 && len(items) == 0) {
			t.Fatalf("decode(appendList(%q)) = %q", items, got)
		}
		var std []any
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("encoding/json cannot read %s: %v", data, err)
		}
		var flat []string
		for _, v := range std {
			if nv == 1 {
				flat = append(flat, v.(string))
				continue
			}
			for _, w := range v.([]any) {
				flat = append(flat, w.(string))
			}
		}
		if !slices.Equal(flat, items) && !(len(flat) == 0 && len(items) == 0) {
			t.Fatalf("encoding/json reads %s as %q, want %q", data, flat, items)
		}
	})
}

// oddRune draws quotes, escapes, controls and multi-byte runes often.
var oddRune = rapid.OneOf(rapid.RuneFrom([]rune{'"', '\\', '/', '\n', '\x00', '\x1f', 'é', '😀', '\u2028'}), rapid.Rune())

// decode reads the databases' renderings of a list: PostgreSQL's jsonb adds
// spaces, MariaDB's JSON_QUOTE and others may escape any character.
func TestListColumnDecodesDatabaseJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		nv   int
		want []string
	}{
		{`["a", "b"]`, 1, []string{"a", "b"}},
		{` [ "a" ,"b" ] `, 1, []string{"a", "b"}},
		{`[["p", "global"], ["q", ""]]`, 2, []string{"p", "global", "q", ""}},
		{`["a\/b", "\u0041\"\\", "\ud83d\ude00", "\t\n"]`, 1, []string{"a/b", `A"\`, "😀", "\t\n"}},
		{`[]`, 1, nil},
		{``, 1, nil},
	} {
		got, err := newListDecoder().decode([]byte(tc.in), tc.nv)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("decode(%s, %d) = %q, %v; want %q", tc.in, tc.nv, got, err, tc.want)
		}
	}
	for _, bad := range []string{`[`, `["a"`, `["a",]`, `[1]`, `{"a":1}`, `["a"] x`, `[["a"]]`, `["a\q"]`, `["\u12"]`, "[\"a\x01\"]", `"a"`} {
		if got, err := newListDecoder().decode([]byte(bad), 1+strings.Count(bad, "[[")); err == nil {
			t.Errorf("decode(%q) = %q, want an error", bad, got)
		}
	}
}

// appendUserJSON writes what json.Marshal writes, or says it cannot.
func TestUserJSONMatchesEncodingJSON(t *testing.T) {
	id := rapid.StringOf(rapid.RuneFrom([]rune("abcXYZ019_.:@+/-<&\"\\é\x01")))
	ids := func(name string) *rapid.Generator[[]string] {
		return rapid.Custom(func(t *rapid.T) []string {
			if rapid.Bool().Draw(t, name+"Nil") {
				return nil
			}
			return rapid.SliceOfN(id, 0, 4).Draw(t, name)
		})
	}
	rapid.Check(t, func(t *rapid.T) {
		u := rbac.User{
			ID: rbac.UserID(id.Draw(t, "id")), Name: rapid.OneOf(rapid.Just(""), id).Draw(t, "name"), Email: rapid.OneOf(rapid.Just(""), id).Draw(t, "email"), AccountType: rbac.AccountType(id.Draw(t, "type")), Org: rbac.OrgSlug(id.Draw(t, "org")),
			Roles: typed[rbac.RoleID](ids("roles").Draw(t, "r")), Groups: typed[rbac.GroupID](ids("groups").Draw(t, "g")), Workgroups: typed[rbac.WorkgroupID](ids("workgroups").Draw(t, "w")),
			Disabled: rapid.Bool().Draw(t, "disabled"),
		}
		want, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendUserJSON(nil, u)
		if ok && string(got) != string(want) {
			t.Fatalf("appendUserJSON = %s\njson.Marshal   = %s", got, want)
		}
		all := fmt.Sprint(u.ID, u.Name, u.Email, u.AccountType, u.Org, u.Roles, u.Groups, u.Workgroups)
		if plain := !strings.ContainsAny(all, "<>&\"\\é\x01"); !ok && plain {
			t.Fatalf("appendUserJSON gave up on %s, which has nothing to escape", want)
		}
	})
}

func typed[T ~string](in []string) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = T(v)
	}
	return out
}

// A sharing decoder (LoadEach's) parses a column text once: the same text
// again gives the same array, clipped so that an append copies; lists of
// pairs and a plain decoder's lists are never shared, and a malformed
// text fails every time.
func TestSharingListDecoder(t *testing.T) {
	d := newSharingListDecoder()
	first, err1 := d.decode([]byte(`["r1","r2"]`), 1)
	again, err2 := d.decode([]byte(`["r1","r2"]`), 1)
	spaced, err3 := d.decode([]byte(`[ "r1", "r2" ]`), 1)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, []string{"r1", "r2"}) || !slices.Equal(spaced, first) {
		t.Fatalf("decoded %q and %q, want [r1 r2]", first, spaced)
	}
	if unsafe.SliceData(again) != unsafe.SliceData(first) || cap(first) != len(first) {
		t.Errorf("the same text twice gave two arrays, or a list with room to grow in place (cap %d)", cap(first))
	}
	for _, dec := range []*listDecoder{newListDecoder(), d} {
		pairs := []byte(`[["a.read","global"]]`)
		a, _ := dec.decode(pairs, 2)
		b, _ := dec.decode(pairs, 2)
		if unsafe.SliceData(a) == unsafe.SliceData(b) {
			t.Errorf("lists of pairs share an array")
		}
	}
	plain := newListDecoder()
	a, _ := plain.decode([]byte(`["r1"]`), 1)
	b, _ := plain.decode([]byte(`["r1"]`), 1)
	if unsafe.SliceData(a) == unsafe.SliceData(b) {
		t.Errorf("a plain decoder (Load's, Apply's) shares arrays")
	}
	for range 2 {
		if got, err := d.decode([]byte(`["r1",]`), 1); err == nil {
			t.Errorf(`decode(["r1",]) = %q, want an error`, got)
		}
	}
}
