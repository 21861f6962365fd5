package rbachttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/rbachttp"
)

// decisionLog records what an authorizer's decision log receives.
type decisionLog struct {
	mu  sync.Mutex
	got []string // "user permission kind/id allowed reason"
}

func (l *decisionLog) log(_ context.Context, req rbac.Request, d rbac.Decision) {
	l.mu.Lock()
	defer l.mu.Unlock()
	user := req.User
	if req.Principal != nil {
		user = req.Principal.ID
	}
	res := "-"
	if req.Resource != nil {
		res = req.Resource.Kind + "/" + req.Resource.ID
	}
	l.got = append(l.got, strings.Join([]string{string(user), string(req.Permission), res, map[bool]string{true: "allowed", false: "denied"}[d.Allowed], string(d.Reason)}, " "))
}

func (l *decisionLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = nil
	return got
}

func TestList(t *testing.T) {
	var decisions decisionLog
	var logs bytes.Buffer
	g := &rbachttp.Guard{Authorizer: newAuthorizer(t, rbac.WithDecisionLog(decisions.log)), Identify: identify, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cases", func(w http.ResponseWriter, r *http.Request) {
		plan, ok := g.List(w, r, "case.read", "case")
		if !ok {
			return
		}
		for _, id := range []string{"1", "2", "3"} {
			c := cases[id]
			if plan.Allows(rbac.Resource{Kind: "case", ID: c.ID, Owners: rbac.Orgs(c.Owners...)}) {
				w.Write([]byte(c.ID + " "))
			}
		}
	})
	for _, tt := range []struct {
		reason   string
		header   [2]string
		status   int
		body     string
		decision string // what the decision log receives; "" nothing
		logged   string // the level of Guard's own record; "" none
	}{
		{"own org's cases", [2]string{"X-User", "colin"}, 200, "1 ", "colin case.read case/ allowed granted", ""},
		{"the bypass holder sees all", [2]string{"X-Principal", `{"ID":"aud","Roles":["auditor"]}`}, 200, "1 2 3 ", "aud case.read case/ allowed granted", ""},
		{"workgroup scope without workgroups: an empty list, not a denial", [2]string{"X-User", "wally"}, 200, "", "wally case.read case/ denied out_of_scope", ""},
		{"no grant: the whole list is denied", [2]string{"X-User", "nina"}, 403, "Forbidden\n", "nina case.read case/ denied no_grant", "INFO"},
		{"a token naming an unknown role: a configuration error", [2]string{"X-Principal", `{"ID":"tok","AccountType":"council","Roles":["admin"]}`}, 403, "Forbidden\n", "tok case.read case/ denied invalid_request", "WARN"},
		{"no credentials", [2]string{}, 401, "Unauthorized\n", "", "INFO"},
	} {
		logs.Reset()
		req := httptest.NewRequest("GET", "/cases", nil)
		if tt.header[0] != "" {
			req.Header.Set(tt.header[0], tt.header[1])
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.reason, rec.Code, rec.Body.String(), tt.status, tt.body)
		}
		var wantDecisions []string
		if tt.decision != "" {
			wantDecisions = []string{tt.decision}
		}
		if diff := cmp.Diff(wantDecisions, decisions.take()); diff != "" {
			t.Errorf("%s: decision log (-want +got):\n%s", tt.reason, diff)
		}
		level := ""
		if logs.Len() > 0 {
			var m map[string]any
			if err := json.Unmarshal(logs.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v: %s", tt.reason, err, logs.String())
			}
			level = m["level"].(string)
		}
		if level != tt.logged {
			t.Errorf("%s: logged at %q, want %q: %s", tt.reason, level, tt.logged, logs.String())
		}
	}
}

// TestCheckInHandlerAndTheLoadedRecord: a guarded create checks the new
// record's owner inside the handler, logged like Require's decisions and
// with the identity Require found (Identify runs once per request); a
// guarded read hands the handler the record its ResourceFunc loaded.
func TestCheckInHandlerAndTheLoadedRecord(t *testing.T) {
	var decisions decisionLog
	var identified, loads int
	g := &rbachttp.Guard{Authorizer: newAuthorizer(t, rbac.WithDecisionLog(decisions.log)),
		Identify: func(r *http.Request) (rbachttp.Identity, error) { identified++; return identify(r) }}
	mux := http.NewServeMux()
	mux.Handle("POST /cases", g.Require("case.create", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The new case is owned by the org the form names.
		owner := r.URL.Query().Get("owner")
		if _, ok := g.Check(w, r, "case.read", &rbac.Resource{Kind: "case", ID: "new", Owners: rbac.Orgs(owner)}); !ok {
			return
		}
		w.WriteHeader(http.StatusCreated)
	})))
	mux.Handle("GET /cases/{id}", g.Require("case.read", func(r *http.Request) (*rbac.Resource, error) {
		loads++
		res, err := caseByID(r)
		if err == nil {
			rbachttp.Keep(r, cases[r.PathValue("id")])
		}
		return res, err
	}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		row, ok := rbachttp.RecordFrom[caseRow](r.Context())
		res, ok2 := rbachttp.ResourceFrom(r.Context())
		if !ok || !ok2 || res.ID != row.ID {
			t.Errorf("the handler lacks the loaded record: %v %v", row, res)
		}
		w.Write([]byte(row.ID + " owned by " + strings.Join(row.Owners, ",")))
	})))
	for _, tt := range []struct {
		reason, method, target, user string
		status                       int
		body                         string
		decisions                    []string
	}{
		{"a create in the caller's own org", "POST", "/cases?owner=council", "colin", 201, "",
			[]string{"colin case.create - allowed granted", "colin case.read case/new allowed granted"}},
		{"a create for another org: the second check denies", "POST", "/cases?owner=dwp", "colin", 404, "Not Found\n",
			[]string{"colin case.create - allowed granted", "colin case.read case/new denied not_owner"}},
		{"no create grant: the handler never runs", "POST", "/cases?owner=council", "nina", 403, "Forbidden\n",
			[]string{"nina case.create - denied no_grant"}},
		{"a read gets the loaded record", "GET", "/cases/1", "colin", 200, "1 owned by council",
			[]string{"colin case.read case/1 allowed granted"}},
	} {
		identified, loads = 0, 0
		req := httptest.NewRequest(tt.method, tt.target, nil)
		req.Header.Set("X-User", tt.user)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.reason, rec.Code, rec.Body.String(), tt.status, tt.body)
		}
		if diff := cmp.Diff(tt.decisions, decisions.take()); diff != "" {
			t.Errorf("%s: decision log (-want +got):\n%s", tt.reason, diff)
		}
		if identified != 1 || tt.method == "GET" && loads != 1 {
			t.Errorf("%s: identified %d times, loaded %d times", tt.reason, identified, loads)
		}
	}
	// Outside Require, Check asks Identify, and answers 401 when it fails.
	rec := httptest.NewRecorder()
	if _, ok := g.Check(rec, httptest.NewRequest("GET", "/x", nil), "case.read", nil); ok || rec.Code != 401 {
		t.Errorf("Check without credentials: %v %d", ok, rec.Code)
	}
}
