// Command httpservice is a small case service on net/http that authorizes
// GET /cases/{id}, GET /cases and POST /cases with rolegraph. Callers send a
// bearer token whose claims (roles, account type, org, workgroups) become a
// Request.Principal: no user is stored.
//
//	go run ./httpservice -addr localhost:8080
//
// It prints demo tokens at start; see the README's "In a net/http
// service" section for curl commands.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/bearer"
	"github.com/rolegraph/rbac/memstore"
	"github.com/rolegraph/rbac/rbachttp"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "httpservice:", err)
		os.Exit(1)
	}
}

// Case is a record of the service's own data.
type Case struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Owners    []rbac.OrgSlug `json:"owners"`
	Workgroup string         `json:"workgroup"`
}

// Cases is the service's own store of cases.
type Cases struct {
	mu   sync.Mutex
	byID map[string]Case
	next int
}

func (cs *Cases) Get(id string) (Case, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.byID[id]
	return c, ok
}

func (cs *Cases) All() []Case {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]Case, 0, len(cs.byID))
	for i := 1; i <= cs.next; i++ {
		if c, ok := cs.byID[strconv.Itoa(i)]; ok {
			out = append(out, c)
		}
	}
	return out
}

func (cs *Cases) Add(c Case) Case {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.next++
	c.ID = strconv.Itoa(cs.next)
	cs.byID[c.ID] = c
	return c
}

// newHandler is the whole authorization glue of the service.
func newHandler(authz *rbac.Authorizer, key []byte, cases *Cases, log *slog.Logger) http.Handler {
	// --- glue: who, which record, which permission (44 lines with the list) ---
	identify := func(r *http.Request) (rbachttp.Identity, error) {
		claims, err := bearer.Verify(key, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), time.Now())
		return rbachttp.Identity{Principal: claims.Principal()}, err
	}
	resourceOf := func(c Case) rbac.Resource {
		return rbac.Resource{Kind: "case", ID: c.ID, Owners: c.Owners, Workgroups: rbac.Workgroups(c.Workgroup)}
	}
	caseByID := func(r *http.Request) (*rbac.Resource, error) {
		c, ok := cases.Get(r.PathValue("id"))
		if !ok {
			return nil, rbachttp.ErrNoRecord
		}
		res := resourceOf(c)
		return &res, nil
	}
	guard := &rbachttp.Guard{Authorizer: authz, Identify: identify, Logger: log}
	mux := http.NewServeMux()
	mux.Handle("GET /cases/{id}", guard.Require("case.read", caseByID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := cases.Get(r.PathValue("id"))
		writeJSON(w, http.StatusOK, c)
	})))
	mux.HandleFunc("GET /cases", func(w http.ResponseWriter, r *http.Request) {
		visible, err := rbachttp.Filter(guard, r, "case.read", "case", cases.All(), resourceOf)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, visible)
	})
	mux.Handle("POST /cases", guard.Require("case.create", nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c Case
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&c); err != nil {
			http.Error(w, "a case is JSON: {\"title\": ..., \"workgroup\": ...}", http.StatusBadRequest)
			return
		}
		who, _ := rbachttp.IdentityFrom(r.Context())
		owners, err := authz.Snapshot().OwnersForNewPrincipal(*who.Principal, "case", c.Owners)
		if err != nil { // asked for another org's ownership without the bypass
			http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
			return
		}
		c.Owners = owners
		writeJSON(w, http.StatusCreated, cases.Add(c))
	})))
	// --- end of glue ---
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// run serves until ctx ends. It prints the address and demo tokens to
// out; ready, if not nil, receives the bound address.
func run(ctx context.Context, addr string, out io.Writer, ready chan<- string) error {
	policy, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, policy); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	authz, err := rbac.New(ctx, store, rbac.WithLogger(log))
	if err != nil {
		return err
	}
	defer authz.Close()

	key := make([]byte, 32)
	rand.Read(key)
	cases := &Cases{byID: map[string]Case{}}
	cases.Add(Case{Title: "Housing benefit review", Owners: rbac.Orgs("council"), Workgroup: "leeds"})
	cases.Add(Case{Title: "Universal Credit appeal", Owners: rbac.Orgs("dwp"), Workgroup: "leeds"})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newHandler(authz, key, cases, log), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	exp := time.Now().Add(24 * time.Hour).Unix()
	for _, c := range []bearer.Claims{
		{Subject: "colin", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}, Expires: exp},
		{Subject: "ada", AccountType: "dwp", Org: "dwp", Roles: []string{"auditor"}, Expires: exp},
	} {
		fmt.Fprintf(out, "token for %s: %s\n", c.Subject, bearer.Sign(key, c))
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
