package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/bearer"
	"github.com/rolegraph/rbac/examples/internal/demo"
	"github.com/rolegraph/rbac/memstore"
)

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// The program as a real server on localhost: start, serve with the tokens
// it prints, log denials with their explanation, shut down.
func TestRealServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &demo.SyncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", out, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	base := "http://" + addr
	tokens := map[string]string{}
	for _, m := range regexp.MustCompile(`token for (\w+): (\S+)`).FindAllStringSubmatch(out.String(), -1) {
		tokens[m[1]] = m[2]
	}
	tests := []struct {
		name, method, path, who, body string
		status                        int
		want                          string
	}{
		{"colin reads his council's case", "GET", "/cases/1", "colin", "", 200, `{"id":"1","title":"Housing benefit review","owners":["council"],"workgroup":"leeds"}`},
		{"DWP's case is hidden: 404", "GET", "/cases/2", "colin", "", 404, "Not Found"},
		{"a missing case: the same 404", "GET", "/cases/99", "colin", "", 404, "Not Found"},
		{"no token: 401", "GET", "/cases/1", "", "", 401, "Unauthorized"},
		{"a forged token: 401", "GET", "/cases/1", "forged", "", 401, "Unauthorized"},
		{"the auditor reads DWP's case", "GET", "/cases/2", "ada", "", 200, `{"id":"2","title":"Universal Credit appeal","owners":["dwp"],"workgroup":"leeds"}`},
		{"colin opens a case: his org owns it", "POST", "/cases", "colin", `{"title":"Council tax","workgroup":"leeds"}`, 201, `{"id":"3","title":"Council tax","owners":["council"],"workgroup":"leeds"}`},
		{"colin may not give it to DWP", "POST", "/cases", "colin", `{"title":"x","owners":["dwp"],"workgroup":"leeds"}`, 403, "Forbidden"},
		{"the auditor may not open cases", "POST", "/cases", "ada", `{"title":"x"}`, 403, "Forbidden"},
		{"colin's list: his org's cases only", "GET", "/cases", "colin", "", 200, `[{"id":"1","title":"Housing benefit review","owners":["council"],"workgroup":"leeds"},{"id":"3","title":"Council tax","owners":["council"],"workgroup":"leeds"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tokens[tt.who]
			if tt.who == "forged" {
				token = tokens["colin"][:len(tokens["colin"])-2] + "xx"
			}
			status, body := do(t, tt.method, base+tt.path, token, tt.body)
			if status != tt.status || body != tt.want {
				t.Errorf("%s %s as %s: %d %s, want %d %s", tt.method, tt.path, tt.who, status, body, tt.status, tt.want)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	log := out.String()
	for _, want := range []string{
		`msg="rbachttp: denied" method=GET path=/cases/2 user=colin permission=case.read reason=not_owner status=404`,
		`case \"2\" is owned by [dwp]; colin's org is council and the active roles lack the bypass case.all_orgs`,
		`msg="rbachttp: denied" method=POST path=/cases user=ada permission=case.create reason=no_grant status=403`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
}

// Tokens whose claims the policy does not know are refused: the role
// typo, the role closed to the account type, the unknown workgroup.
func TestClaimsAreCheckedAgainstThePolicy(t *testing.T) {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	authz, err := rbac.New(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer authz.Close()
	key := []byte("test key")
	cases := &Cases{byID: map[string]Case{}}
	cases.Add(Case{Title: "t", Owners: rbac.Orgs("council"), Workgroup: "leeds"})
	srv := httptest.NewServer(newHandler(authz, key, cases, nil))
	defer srv.Close()
	exp := time.Now().Add(time.Hour).Unix()
	for _, tt := range []struct {
		name   string
		claims bearer.Claims
		status int
	}{
		{"valid", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}, Expires: exp}, 200},
		{"a team lead through containment", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"team_lead"}, Expires: exp}, 200},
		{"a workgroup above the case's", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"north"}, Expires: exp}, 200},
		{"another workgroup", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"york"}, Expires: exp}, 404},
		{"a misspelt role", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"casewroker"}, Workgroups: []string{"leeds"}, Expires: exp}, 403},
		{"an unknown workgroup", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leds"}, Expires: exp}, 403},
		{"an unknown account type", bearer.Claims{Subject: "c", AccountType: "counsel", Org: "council", Roles: []string{"caseworker"}, Expires: exp}, 403},
		{"expired", bearer.Claims{Subject: "c", AccountType: "council", Org: "council", Roles: []string{"team_lead"}, Expires: time.Now().Unix() - 1}, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, "GET", srv.URL+"/cases/1", bearer.Sign(key, tt.claims), "")
			if status != tt.status {
				t.Errorf("%d %s, want %d", status, body, tt.status)
			}
		})
	}
	if c, err := bearer.Verify(key, bearer.Sign(key, bearer.Claims{Subject: "x", Roles: []string{"a"}, Expires: exp}), time.Now()); err != nil || c.Subject != "x" || c.Roles[0] != "a" {
		t.Errorf("round trip: %+v %v", c, err)
	}
	if _, err := bearer.Verify([]byte("another key"), bearer.Sign(key, bearer.Claims{Subject: "x", Expires: exp}), time.Now()); err == nil {
		t.Error("a token signed with another key verified")
	}
}
