package rbac_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// A user's name and email load from YAML under their own keys, marshal
// back under the same keys and survive the round trip.
func TestUserNameAndEmailInYAML(t *testing.T) {
	p, err := rbac.LoadPolicy(strings.NewReader("users:\n  - {id: sven, name: Sven Larsen, email: sven.larsen@example.org}\n  - {id: bare}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []rbac.User{{ID: "sven", Name: "Sven Larsen", Email: "sven.larsen@example.org"}, {ID: "bare"}}
	if d := cmp.Diff(want, p.Users, policyCmp...); d != "" {
		t.Fatalf("loaded users (-want +got):\n%s", d)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"name: Sven Larsen", "email: sven.larsen@example.org"} {
		if !bytes.Contains(out, []byte(line)) {
			t.Errorf("marshalled policy lacks %q:\n%s", line, out)
		}
	}
	if bytes.Count(out, []byte("name:")) != 1 {
		t.Errorf("an empty name is written:\n%s", out)
	}
	back, err := rbac.LoadPolicy(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, back, policyCmp...); d != "" {
		t.Errorf("round trip (-loaded +reloaded):\n%s", d)
	}
}

// Names and emails are free text within limits: UTF-8 without NUL, at most
// MaxUserNameLen and MaxUserEmailLen characters. A policy file and the
// Admin API refuse the same values with the same message.
func TestUserNameAndEmailRules(t *testing.T) {
	tests := []struct {
		reason      string
		name, email string
		want        string // "" for accepted
	}{
		{"a name with accents and spaces", "Åse  Ødegård-Nkemelu ", "åse@example.org", ""},
		{"a name at the limit in four-byte characters", strings.Repeat("𝔘", rbac.MaxUserNameLen), "", ""},
		{"an email at the limit", "", strings.Repeat("e", rbac.MaxUserEmailLen-12) + "@example.org", ""},
		{"a name one character too long", strings.Repeat("é", rbac.MaxUserNameLen+1), "", "the name is 257 characters long, more than 256"},
		{"an email one character too long", "", strings.Repeat("e", rbac.MaxUserEmailLen-11) + "@example.org", "the email is 255 characters long, more than 254"},
		{"a NUL in the name", "Sven\x00Larsen", "", "the name contains a NUL byte"},
		{"a NUL in the email", "", "sven@example.org\x00", "the email contains a NUL byte"},
		{"a name that is not UTF-8", "Sven \xff", "", "the name is not valid UTF-8"},
	}
	authz, _ := adminSetup(t)
	ad := authz.Admin("sam")
	for _, tt := range tests {
		u := rbac.User{ID: "int1", Name: tt.name, Email: tt.email, AccountType: "internal"}
		_, err := ad.PutUser(context.Background(), "details", u)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Admin.PutUser refused: %v", tt.reason, err)
			} else if got, _ := authz.Snapshot().User("int1"); got.Name != tt.name || got.Email != tt.email {
				t.Errorf("%s: stored %q <%q>", tt.reason, got.Name, got.Email)
			}
		} else if !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Admin.PutUser = %v, want ErrInvalid saying %q", tt.reason, err, tt.want)
		}
		p := &rbac.Policy{Users: []rbac.User{u}, AccountTypes: []rbac.AccountTypeDef{{ID: "internal"}}}
		err = p.Validate()
		if tt.want == "" && err != nil {
			t.Errorf("%s: Validate refused: %v", tt.reason, err)
		}
		if tt.want != "" && (!errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), `user "int1": `+tt.want)) {
			t.Errorf("%s: Validate = %v, want ErrInvalid saying %q", tt.reason, err, tt.want)
		}
	}
}
