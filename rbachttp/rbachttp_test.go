package rbachttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/rbachttp"
)

const policy = `
account_types:
  - {id: council}
  - {id: dwp}
permissions:
  - {name: case.read}
  - {name: case.create}
  - {name: case.all_orgs}
roles:
  - {id: caseworker, grants: [case.read, case.create]}
  - {id: auditor, grants: [case.all_orgs, case.read]}
  - {id: team_reader, grants: [case.read@workgroup]}
users:
  - {id: colin, account_type: council, org: council, roles: [caseworker]}
  - {id: dora, account_type: dwp, org: dwp, roles: [caseworker]}
  - {id: nina, account_type: council, org: council}
  - {id: wally, account_type: council, org: council, roles: [team_reader]}
kinds:
  - {name: case}
ownership:
  - {kind: case, bypass: case.all_orgs}
`

type caseRow struct {
	ID     string
	Owners []string
}

var cases = map[string]caseRow{"1": {"1", []string{"council"}}, "2": {"2", []string{"dwp"}}, "3": {"3", nil}}

func newAuthorizer(t testing.TB, opts ...rbac.Option) *rbac.Authorizer {
	t.Helper()
	ctx := context.Background()
	p, err := rbac.LoadPolicy(strings.NewReader(policy))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, append([]rbac.Option{rbac.WithoutFollow()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// identify reads X-User (a stored user) or X-Principal (JSON claims).
func identify(r *http.Request) (rbachttp.Identity, error) {
	if c := r.Header.Get("X-Principal"); c != "" {
		var u rbac.User
		if err := json.Unmarshal([]byte(c), &u); err != nil {
			return rbachttp.Identity{}, err
		}
		return rbachttp.Identity{Principal: &u}, nil
	}
	if u := r.Header.Get("X-User"); u != "" {
		return rbachttp.Identity{User: rbac.UserID(u)}, nil
	}
	return rbachttp.Identity{}, errors.New("no credentials")
}

func caseByID(r *http.Request) (*rbac.Resource, error) {
	if r.PathValue("id") == "boom" {
		return nil, errors.New("database down")
	}
	c, ok := cases[r.PathValue("id")]
	if !ok {
		return nil, rbachttp.ErrNoRecord
	}
	return &rbac.Resource{Kind: "case", ID: c.ID, Owners: rbac.Orgs(c.Owners...)}, nil
}

func server(t *testing.T, g *rbachttp.Guard) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /cases/{id}", g.Require("case.read", caseByID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := rbachttp.DecisionFrom(r.Context())
		id, ok2 := rbachttp.IdentityFrom(r.Context())
		if !ok || !ok2 || !d.Allowed {
			t.Errorf("handler ran without an allowed decision in the context: %v %v", d, id)
		}
		w.Write([]byte("case " + r.PathValue("id") + " for " + string(id.ID()) + " (" + d.Scope.String() + ")"))
	})))
	mux.Handle("POST /cases", g.Require("case.create", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})))
	mux.HandleFunc("GET /cases", func(w http.ResponseWriter, r *http.Request) {
		rows := []caseRow{cases["1"], cases["2"], cases["3"]}
		kept, err := rbachttp.Filter(g, r, "case.read", "case", rows, func(c caseRow) rbac.Resource {
			return rbac.Resource{ID: c.ID, Owners: rbac.Orgs(c.Owners...)}
		})
		if errors.Is(err, rbachttp.ErrUnauthenticated) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		for _, c := range kept {
			w.Write([]byte(c.ID + " "))
		}
	})
	return mux
}

func TestRequire(t *testing.T) {
	var logs bytes.Buffer
	g := &rbachttp.Guard{Authorizer: newAuthorizer(t), Identify: identify, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	mux := server(t, g)
	tests := []struct {
		name, method, path string
		header             [2]string
		status             int
		body               string
	}{
		{"own org's case", "GET", "/cases/1", [2]string{"X-User", "colin"}, 200, "case 1 for colin (global)"},
		{"another org's case: 404, not 403", "GET", "/cases/2", [2]string{"X-User", "colin"}, 404, "Not Found\n"},
		{"a case owned by nobody", "GET", "/cases/3", [2]string{"X-User", "colin"}, 404, "Not Found\n"},
		{"no such case: the same 404", "GET", "/cases/9", [2]string{"X-User", "colin"}, 404, "Not Found\n"},
		{"no grant: 403", "GET", "/cases/1", [2]string{"X-User", "nina"}, 403, "Forbidden\n"},
		{"unknown user: 403", "GET", "/cases/1", [2]string{"X-User", "ghost"}, 403, "Forbidden\n"},
		{"no credentials: 401", "GET", "/cases/1", [2]string{}, 401, "Unauthorized\n"},
		{"the resource cannot be described: 500", "GET", "/cases/boom", [2]string{"X-User", "colin"}, 500, "Internal Server Error\n"},
		{"create: a capability", "POST", "/cases", [2]string{"X-User", "dora"}, 201, ""},
		{"create without the grant", "POST", "/cases", [2]string{"X-User", "nina"}, 403, "Forbidden\n"},
		{"a principal from a token", "GET", "/cases/2", [2]string{"X-Principal", `{"ID":"tok","AccountType":"dwp","Org":"dwp","Roles":["caseworker"]}`}, 200, "case 2 for tok (global)"},
		{"a principal with the bypass", "GET", "/cases/3", [2]string{"X-Principal", `{"ID":"aud","Roles":["auditor"]}`}, 200, "case 3 for aud (global)"},
		{"a principal with an unknown role: 403", "GET", "/cases/1", [2]string{"X-Principal", `{"ID":"tok","AccountType":"council","Roles":["admin"]}`}, 403, "Forbidden\n"},
		{"list: only what the user may see", "GET", "/cases", [2]string{"X-User", "colin"}, 200, "1 "},
		{"list for the bypass holder", "GET", "/cases", [2]string{"X-Principal", `{"ID":"aud","Roles":["auditor"]}`}, 200, "1 2 3 "},
		{"list without credentials", "GET", "/cases", [2]string{}, 401, "unauthorized\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, rec.Code, rec.Body.String(), tt.status, tt.body)
			}
		})
	}
	// Each denial is logged with its explanation (invalid_request at warn,
	// the rest at info), a missing identity at info, errors at error.
	type record struct{ Msg, Level, Path, Reason string }
	var got []record
	var denials []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		reason, _ := m["reason"].(string)
		got = append(got, record{m["msg"].(string), m["level"].(string), m["path"].(string), reason})
		if m["msg"] == "rbachttp: denied" {
			denials = append(denials, m)
		}
	}
	wantRecords := []record{
		{"rbachttp: denied", "INFO", "/cases/2", "not_owner"},
		{"rbachttp: denied", "INFO", "/cases/3", "not_owner"},
		{"rbachttp: denied", "INFO", "/cases/1", "no_grant"},
		{"rbachttp: denied", "INFO", "/cases/1", "unknown_user"},
		{"rbachttp: unauthenticated", "INFO", "/cases/1", ""},
		{"rbachttp: describe the resource", "ERROR", "/cases/boom", ""},
		{"rbachttp: denied", "INFO", "/cases", "no_grant"},
		{"rbachttp: denied", "WARN", "/cases/1", "invalid_request"}, // the token names a role the policy lacks
	}
	if diff := cmp.Diff(wantRecords, got); diff != "" {
		t.Errorf("log records (-want +got):\n%s", diff)
	}
	first := denials[0]
	want := map[string]any{"level": "INFO", "method": "GET", "path": "/cases/2", "user": "colin", "permission": "case.read", "reason": "not_owner", "status": float64(404),
		"explanation": `denied (not_owner): user colin → role caseworker → grant case.read@global: case "2" is owned by [dwp]; colin's org is council and the active roles lack the bypass case.all_orgs`}
	if diff := cmp.Diff(want, map[string]any{"level": first["level"], "method": first["method"], "path": first["path"], "user": first["user"], "permission": first["permission"],
		"reason": first["reason"], "status": first["status"], "explanation": first["explanation"]}); diff != "" {
		t.Errorf("denial record (-want +got):\n%s", diff)
	}
	if last := denials[len(denials)-1]; !strings.Contains(last["explanation"].(string), `unknown role "admin"`) {
		t.Errorf("principal denial explanation: %v", last["explanation"])
	}
}

func TestStatusIsConfigurableAndErrorsAre503(t *testing.T) {
	a := newAuthorizer(t)
	var answered []int
	g := &rbachttp.Guard{Authorizer: a,
		Identify: func(r *http.Request) (rbachttp.Identity, error) { return rbachttp.Identity{User: "colin"}, nil },
		// A service that prefers 403 everywhere.
		Status: func(rbac.Reason) int { return http.StatusForbidden },
		Deny: func(w http.ResponseWriter, r *http.Request, status int) {
			answered = append(answered, status)
			w.WriteHeader(status)
		},
	}
	mux := http.NewServeMux()
	mux.Handle("GET /cases/{id}", g.Require("case.read", caseByID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cases/2", nil))

	// A revision the authorizer never reaches within the request's time:
	// no decision, 503.
	g.AtLeast = func(*http.Request) rbac.Revision { return 1 << 40 }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cases/1", nil).WithContext(ctx))
	if diff := cmp.Diff([]int{http.StatusForbidden, http.StatusServiceUnavailable}, answered); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestDefaultStatus(t *testing.T) {
	for reason, want := range map[rbac.Reason]int{
		rbac.ReasonOutOfScope: 404, rbac.ReasonNotOwner: 404, rbac.ReasonNoGrant: 403, rbac.ReasonUnknownUser: 403,
		rbac.ReasonDisabled: 403, rbac.ReasonRoleNotHeld: 403, rbac.ReasonSeparationOfDuty: 403,
		rbac.ReasonMissingPrerequisite: 403, rbac.ReasonInvalidRequest: 403,
	} {
		if got := rbachttp.DefaultStatus(reason); got != want {
			t.Errorf("%s: %d, want %d", reason, got, want)
		}
	}
}
