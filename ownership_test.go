package rbac

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOwnersForNew(t *testing.T) {
	snap := compileText(t, enginePolicy)
	tests := []struct {
		reason    string
		user      UserID
		kind      string
		requested []OrgSlug
		want      []OrgSlug
		err       error
	}{
		{"editor gets their own org", "bob", "service", nil, []OrgSlug{"dfe"}, nil},
		{"editor may name their own org", "bob", "service", []OrgSlug{"dfe"}, []OrgSlug{"dfe"}, nil},
		{"editor may not name another org", "bob", "service", []OrgSlug{"hmrc"}, nil, ErrForbidden},
		{"editor may not add another org", "bob", "service", []OrgSlug{"dfe", "hmrc"}, nil, ErrForbidden},
		{"GDS editor sets owners directly", "carol", "service", []OrgSlug{"hmrc", "dfe", "hmrc"}, []OrgSlug{"hmrc", "dfe"}, nil},
		{"GDS editor defaults to their org", "carol", "service", nil, []OrgSlug{"gds"}, nil},
		{"no org and no bypass", "erin", "service", nil, nil, ErrForbidden},
		{"disabled user", "frank", "service", nil, nil, ErrForbidden},
		{"unknown user", "zed", "service", nil, nil, ErrForbidden},
		{"kind without a rule", "bob", "evaluation", nil, nil, ErrNotFound},
		{"malformed owner", "carol", "service", []OrgSlug{"a b"}, nil, ErrInvalid},
	}
	for _, tt := range tests {
		got, err := snap.OwnersForNew(tt.user, tt.kind, tt.requested)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: error %v, want %v", tt.reason, err, tt.err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
		}
	}
	for user, want := range map[UserID]bool{"bob": false, "carol": true, "root": true, "frank": false, "zed": false} {
		if got := snap.CanSetOwners(user, "service"); got != want {
			t.Errorf("CanSetOwners(%s) = %v, want %v", user, got, want)
		}
	}
}

func TestParseAndFormatOwners(t *testing.T) {
	got, err := ParseOwners(" hmrc, dfe,,hmrc ")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]OrgSlug{"hmrc", "dfe"}, got); diff != "" {
		t.Errorf("ParseOwners (-want +got):\n%s", diff)
	}
	if s := FormatOwners(got); s != "hmrc,dfe" {
		t.Errorf("FormatOwners = %q", s)
	}
	if _, err := ParseOwners("hmrc, d'fe"); !errors.Is(err, ErrInvalid) {
		t.Errorf("malformed slug: %v", err)
	}
	if got, err := ParseOwners(""); err != nil || len(got) != 0 {
		t.Errorf("empty field: %v, %v", got, err)
	}
}
