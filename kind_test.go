package rbac

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// casePolicy is the service of issue 10 (testdata/case-service.yaml):
// cases owned by departments, a catalogue, a superuser holding "*".
var casePolicy = mustReadTestdata("testdata/case-service.yaml")

// mustReadTestdata reads a file of the package's testdata at init.
func mustReadTestdata(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestTyposCannotAllow(t *testing.T) {
	snap := compileText(t, casePolicy)
	tests := []struct {
		name    string
		req     Request
		want    Reason
		explain string // part of the explanation
	}{
		{"the right kind: not the owner", Request{User: "colin", Permission: "case.read", Resource: &Resource{Kind: "case", ID: "7"}},
			ReasonNotOwner, "owned by [dwp]"},
		{"a typo in the kind no longer skips ownership", Request{User: "colin", Permission: "case.read", Resource: &Resource{Kind: "cases", ID: "7"}},
			ReasonInvalidRequest, `resource kind "cases" is not declared (did you mean "case"?)`},
		{"an empty kind is undeclared too", Request{User: "colin", Permission: "case.read", Resource: &Resource{ID: "7"}},
			ReasonInvalidRequest, `resource kind "" is not declared`},
		{"a misspelled permission is invalid, not no_grant", Request{User: "colin", Permission: "case.raed"},
			ReasonInvalidRequest, `permission "case.raed" is not in the catalogue (did you mean "case.read"?)`},
		{"and does not reach a * grant", Request{User: "root", Permission: "case.raed", Resource: &Resource{Kind: "case", ID: "7"}},
			ReasonInvalidRequest, `did you mean "case.read"?`},
		{"nor with active roles", Request{User: "root", ActiveRoles: []RoleID{"superuser"}, Permission: "case.raed"},
			ReasonInvalidRequest, "not in the catalogue"},
		{"nor for an unknown user", Request{User: "ghost", Permission: "case.raed"},
			ReasonInvalidRequest, "not in the catalogue"},
		{"a far-off name gets no suggestion", Request{User: "root", Permission: "zzzzzz"},
			ReasonInvalidRequest, `permission "zzzzzz" is not in the catalogue`},
		{"built-in permissions need no catalogue entry", Request{User: "root", Permission: "rbac.roles.manage"},
			ReasonGranted, "grant *@all"},
		{"the superuser reaches a catalogued name", Request{User: "root", Permission: "case.read", Resource: &Resource{Kind: "case", ID: "7"}},
			ReasonGranted, "owner dwp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snap.Check(tt.req)
			if got.Reason != tt.want || got.Allowed != (tt.want == ReasonGranted) {
				t.Fatalf("Check = %v, want %s", got, tt.want)
			}
			ex := snap.Explain(tt.req)
			if ex.Reason != got.Reason {
				t.Errorf("Explain = %v, Check = %v", ex, got)
			}
			if !strings.Contains(ex.String(), tt.explain) {
				t.Errorf("Explain = %q, want it to contain %q", ex.String(), tt.explain)
			}
		})
	}
	if far := snap.Explain(Request{User: "root", Permission: "zzzzzz"}).String(); strings.Contains(far, "did you mean") {
		t.Errorf("a far-off name got a suggestion: %s", far)
	}
}

func TestWithoutKindsEveryKindIsAccepted(t *testing.T) {
	snap := compileText(t, strings.Replace(casePolicy, "kinds:\n  - {name: case, title: Case}\n", "", 1))
	d := snap.Check(Request{User: "colin", Permission: "case.read", Resource: &Resource{Kind: "anything", ID: "1"}})
	if diff := cmp.Diff(Decision{Allowed: true, Scope: ScopeGlobal, Reason: ReasonGranted}, d); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestKindsValidation(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		sentinel error
		want     string
	}{
		{"ownership rule on an undeclared kind",
			"kinds:\n  - {name: case}\nownership:\n  - {kind: cases, bypass: x.y}\n",
			ErrNotFound, `k.yaml:4: validate ownership_rule "cases": resource kind "cases" is not declared under kinds (did you mean "case"?)`},
		{"stored owners of an undeclared kind",
			"kinds:\n  - {name: case}\nowners:\n  - {kind: service, id: \"1\", owners: [dfe]}\n",
			ErrNotFound, `resource kind "service" is not declared under kinds`},
		{"a kind with a slash",
			"kinds:\n  - {name: a/b}\n",
			ErrInvalid, `k.yaml:2: validate kind "a/b": resource kind "a/b" contains '/'`},
		{"a kind declared twice",
			"kinds:\n  - {name: case}\n  - {name: case}\n",
			ErrExists, `k.yaml:2 and k.yaml:3: validate kind "case": defined more than once`},
		{"an unknown key",
			"kinds:\n  - {name: case, owner: x}\n",
			ErrInvalid, `k.yaml:2: load policy: unknown key "owner" in a kind (known keys: name, title)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodePolicy(strings.NewReader(tt.yaml), "k.yaml")
			if err == nil {
				err = p.Validate()
			}
			if !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %v containing %q", err, tt.sentinel, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"case", "case", 0}, {"cases", "case", 1}, {"case.raed", "case.read", 1}, {"abc", "", 3}, {"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
