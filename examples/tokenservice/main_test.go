package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/bearer"
	"github.com/rolegraph/rbac/examples/internal/demo"
	"github.com/rolegraph/rbac/sqlstore"
)

// client drives a running service as a caller with a token.
type client struct {
	t   *testing.T
	svc http.Handler
	key []byte
}

func (c client) token(claims bearer.Claims) string {
	claims.Expires = time.Now().Add(time.Hour).Unix()
	return bearer.Sign(c.key, claims)
}

var (
	ada   = bearer.Claims{Subject: "ada", AccountType: "council", Org: "council", Roles: []string{"access_admin"}}
	colin = bearer.Claims{Subject: "colin", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}}
	dora  = bearer.Claims{Subject: "dora", AccountType: "dwp", Org: "dwp", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}}
	aud   = bearer.Claims{Subject: "aud", AccountType: "dwp", Org: "dwp", Roles: []string{"auditor"}}
	typo  = bearer.Claims{Subject: "tess", AccountType: "council", Org: "council", Roles: []string{"case_worker"}}
)

func (c client) do(who *bearer.Claims, method, target, contentType, body string) (int, string) {
	c.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if who != nil {
		req.Header.Set("Authorization", "Bearer "+c.token(*who))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	c.svc.ServeHTTP(w, req)
	return w.Code, strings.TrimSpace(w.Body.String())
}

var (
	csrfField   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	htmlEntity  = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+")
)

// consoleChange makes a change in the console as an administrator would:
// the form's preview, then its confirmation with a reason.
func (c client) consoleChange(who bearer.Claims, page string, form url.Values, reason string) {
	c.t.Helper()
	_, body := c.do(&who, "GET", page, "", "")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no form on %s:\n%s", page, body)
	}
	form.Set("csrf", m[1])
	status, preview := c.do(&who, "POST", "/admin/preview", "application/x-www-form-urlencoded", form.Encode())
	i := strings.Index(preview, `action="apply"`)
	if status != 200 || i < 0 {
		c.t.Fatalf("preview: %d\n%s", status, preview)
	}
	confirm := url.Values{}
	for _, h := range hiddenField.FindAllStringSubmatch(preview[i:], -1) {
		confirm.Add(h[1], htmlEntity.Replace(h[2]))
	}
	confirm.Set("reason", reason)
	if status, body := c.do(&who, "POST", "/admin/apply", "application/x-www-form-urlencoded", confirm.Encode()); status != 303 {
		c.t.Fatalf("apply: %d\n%s", status, body)
	}
}

func start(t *testing.T, path string, key []byte, log io.Writer) *Service {
	t.Helper()
	svc, err := Open(context.Background(), path, key, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestCasesAndConsole: callers from tokens read, list and open cases as
// the policy says; the console answers the access administrator only.
func TestCasesAndConsole(t *testing.T) {
	key := newKey()
	var logs demo.SyncBuffer
	svc := start(t, filepath.Join(t.TempDir(), "cases.db"), key, &logs)
	defer svc.Close()
	c := client{t, svc, key}
	for _, tt := range []struct {
		reason      string
		who         *bearer.Claims
		method, url string
		body        string
		status      int
		response    string
	}{
		{"colin opens a council case in Leeds", &colin, "POST", "/cases", `{"Title":"Housing benefit","Owner":"council","Workgroup":"leeds"}`, 201, `{"ID":1,"Title":"Housing benefit","Owner":"council","Workgroup":"leeds"}`},
		{"dora opens a DWP case in Leeds", &dora, "POST", "/cases", `{"Title":"Universal Credit","Owner":"dwp","Workgroup":"leeds"}`, 201, `{"ID":2,"Title":"Universal Credit","Owner":"dwp","Workgroup":"leeds"}`},
		{"colin may not open a case for DWP", &colin, "POST", "/cases", `{"Title":"x","Owner":"dwp","Workgroup":"leeds"}`, 404, "Not Found"},
		{"colin may not open a case in York", &colin, "POST", "/cases", `{"Title":"x","Owner":"council","Workgroup":"york"}`, 404, "Not Found"},
		{"the auditor may not open cases", &aud, "POST", "/cases", `{"Title":"x","Owner":"dwp","Workgroup":"leeds"}`, 403, "Forbidden"},
		{"colin reads his case", &colin, "GET", "/cases/1", "", 200, `{"ID":1,"Title":"Housing benefit","Owner":"council","Workgroup":"leeds"}`},
		{"colin cannot see DWP's", &colin, "GET", "/cases/2", "", 404, "Not Found"},
		{"nor a case that does not exist", &colin, "GET", "/cases/9", "", 404, "Not Found"},
		{"colin lists his org's cases", &colin, "GET", "/cases", "", 200, `[{"ID":1,"Title":"Housing benefit","Owner":"council","Workgroup":"leeds"}]`},
		{"the auditor lists every case", &aud, "GET", "/cases", "", 200, `[{"ID":1,"Title":"Housing benefit","Owner":"council","Workgroup":"leeds"},{"ID":2,"Title":"Universal Credit","Owner":"dwp","Workgroup":"leeds"}]`},
		{"a token naming an unknown role lists nothing", &typo, "GET", "/cases", "", 403, "Forbidden"},
		{"no token", nil, "GET", "/cases", "", 401, "Unauthorized"},
		{"the console for its administrator", &ada, "GET", "/admin/roles", "", 200, ""},
		{"not for a caseworker", &colin, "GET", "/admin/roles", "", 403, ""},
		{"nor without a token", nil, "GET", "/admin/roles", "", 401, ""},
	} {
		status, body := c.do(tt.who, tt.method, tt.url, "application/json", tt.body)
		if status != tt.status || tt.response != "" && body != tt.response {
			t.Errorf("%s: %d %s\nwant %d %s", tt.reason, status, body, tt.status, tt.response)
		}
	}
	for _, want := range []string{`level=WARN msg="rbachttp: denied"`, `reason=invalid_request`, `msg="rbac: decision"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logs.String())
		}
	}
}

// TestRestartKeepsConsoleEdits: an administrator from a token changes a
// role (a section policy.yaml manages) and creates a group (one it does
// not) in the console; after a restart both are kept: the import refuses,
// naming the role's edit, and the service starts on the store's model.
func TestRestartKeepsConsoleEdits(t *testing.T) {
	key := newKey()
	path := filepath.Join(t.TempDir(), "cases.db")
	var logs demo.SyncBuffer
	svc := start(t, path, key, &logs)
	c := client{t, svc, key}
	c.consoleChange(ada, "/admin/group-new", url.Values{"op": {"group.create"}, "id": {"leeds_team"}, "name": {"Leeds team"}, "account_type": {"council"}}, "new team")
	c.consoleChange(ada, "/admin/group?id=leeds_team", url.Values{"op": {"group.addrole"}, "id": {"leeds_team"}, "role": {"caseworker"}}, "the team's work")
	svc.Close()

	// A group only: policy.yaml does not manage groups, so the import
	// goes through and the group stays.
	svc = start(t, path, key, &logs)
	if strings.Contains(logs.String(), "not imported") {
		t.Fatalf("the import refused an edit of a section it does not manage:\n%s", logs.String())
	}
	if g, ok := svc.Authz.Snapshot().Group("leeds_team"); !ok || len(g.Roles) != 1 {
		t.Fatalf("the console's group after a restart: %+v", g)
	}
	c = client{t, svc, key}
	c.consoleChange(ada, "/admin/role-edit?id=caseworker", url.Values{"op": {"role.update"}, "id": {"caseworker"}, "title": {"Caseworker (pilot)"}}, "ticket 42")
	svc.Close()

	logs = demo.SyncBuffer{}
	svc = start(t, path, key, &logs)
	defer svc.Close()
	if r, _ := svc.Authz.Snapshot().Role("caseworker"); r.Title != "Caseworker (pilot)" {
		t.Errorf("the console's edit was undone by the restart: %+v", r)
	}
	if _, ok := svc.Authz.Snapshot().Group("leeds_team"); !ok {
		t.Errorf("the console's group was lost")
	}
	for _, want := range []string{`level=WARN msg="policy.yaml not imported`, `role \"caseworker\"`, "ada", "ticket 42"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the start-up log does not say %s:\n%s", want, logs.String())
		}
	}
	// What the service logs is Import's refusal, naming the edit.
	_, err := rbac.Import(context.Background(), storeOf(t, path), mustPolicy(t))
	var conflict *rbac.ImportConflict
	if !errors.Is(err, rbac.ErrConflict) || !errors.As(err, &conflict) {
		t.Fatalf("import after a console edit: %v", err)
	}
	var edited []string
	for _, e := range conflict.Edits {
		edited = append(edited, string(e.Kind)+" "+e.Key+" by "+string(e.Actor))
	}
	if diff := cmp.Diff([]string{"role caseworker by ada"}, edited); diff != "" {
		t.Errorf("the edits the import names (-want +got):\n%s", diff)
	}
}

func storeOf(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	svc := start(t, path, newKey(), io.Discard)
	t.Cleanup(svc.Close)
	store, err := sqlstore.New(context.Background(), svc.db, sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func mustPolicy(t *testing.T) *rbac.Policy {
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServiceCodeFitsTheBudget: the service's own code, token
// verification (token.go) aside, is at most 150 lines of Go, not counting
// blank lines, comments and the import block, as the README says.
func TestServiceCodeFitsTheBudget(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	code, inImports := 0, false
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "import (":
			inImports = true
		case inImports:
			inImports = line != ")"
		case line != "" && !strings.HasPrefix(line, "//"):
			code++
		}
	}
	if code > 150 {
		t.Errorf("main.go has %d lines of code, more than the 150 the README promises", code)
	}
	t.Logf("main.go: %d lines of code", code)
}

// TestREADMESnippetsAreTheCode: every code block of the README marked as
// coming from this main.go is in it, line for line (indentation aside).
func TestREADMESnippetsAreTheCode(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	dedent := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimLeft(l, "\t")
		}
		return strings.Join(lines, "\n")
	}
	code := dedent(string(src))
	const marker = "<!-- from examples/tokenservice/main.go -->\n```go\n"
	blocks := strings.Split(string(readme), marker)[1:]
	if len(blocks) < 3 {
		t.Fatalf("the README has %d snippets of main.go, want the routes, load, list and the import", len(blocks))
	}
	for _, b := range blocks {
		snippet, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("an unterminated snippet: %.80s", b)
		}
		if !strings.Contains(code, dedent(snippet)) {
			t.Errorf("the README's snippet is not in main.go:\n%s", snippet)
		}
	}
}
