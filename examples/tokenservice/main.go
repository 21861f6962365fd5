// Command tokenservice is the service the README recommends: callers are
// principals from bearer tokens, the model and the cases share one SQLite
// file, the console is under /admin, and every start imports policy.yaml
// without undoing the console's edits. go run ./tokenservice -db cases.db
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	_ "modernc.org/sqlite"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/rbachttp"
	"github.com/rolegraph/rbac/sqlfilter"
	"github.com/rolegraph/rbac/sqlstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	dbPath, addr := flag.String("db", "cases.db", "the SQLite file of the model and the cases"), flag.String("addr", "localhost:8080", "where to listen")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	key := newKey()
	svc, err := Open(context.Background(), *dbPath, key, log)
	if err != nil {
		log.Error("starting", "error", err)
		os.Exit(1)
	}
	defer svc.Close()
	printDemoTokens(os.Stdout, key)
	log.Error("serving", "error", http.ListenAndServe(*addr, svc))
}

// Service is the running service.
type Service struct {
	http.Handler
	Authz *rbac.Authorizer
	db    *sql.DB
	guard *rbachttp.Guard
}

func (s *Service) Close() { s.Authz.Close(); s.db.Close() }

// Open opens the SQLite file and imports policy.yaml. An import that would
// undo a console edit is refused (rbac.ErrConflict): the service starts on
// the store's model, the edits kept, and logs what to reconcile.
func Open(ctx context.Context, path string, key []byte, log *slog.Logger) (*Service, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	store, err := sqlstore.New(ctx, db, sqlstore.SQLite)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, title TEXT NOT NULL, owner TEXT NOT NULL, workgroup TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	policy, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return nil, err
	}
	if _, err := rbac.Import(ctx, store, policy); errors.Is(err, rbac.ErrConflict) {
		log.Warn("policy.yaml not imported: it would undo edits made in the console", "error", err)
	} else if err != nil {
		return nil, err
	}
	authz, err := rbac.New(ctx, store, rbac.WithLogger(log), rbac.WithDecisionLog(rbac.SlogDecisionLog(log)))
	if err != nil {
		return nil, err
	}
	principal := principalFrom(key) // verifies the bearer token (token.go)
	s := &Service{Authz: authz, db: db, guard: &rbachttp.Guard{Authorizer: authz, Logger: log, Identify: rbachttp.Principals(principal)}}
	mux := http.NewServeMux()
	mux.Handle("GET /cases/{id}", s.guard.Require("case.read", s.load, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := rbachttp.RecordFrom[Case](r.Context()) // kept by load: not read twice
		json.NewEncoder(w).Encode(c)
	})))
	mux.HandleFunc("GET /cases", s.list)
	mux.Handle("POST /cases", s.guard.Require("case.create", nil, http.HandlerFunc(s.create)))
	mux.Handle("/admin/", http.StripPrefix("/admin", adminui.New(authz, adminui.Options{Principal: principal, CSRFKey: key})))
	s.Handler = mux
	return s, nil
}

// Case is a row of the service's own table.
type Case struct {
	ID                      int64
	Title, Owner, Workgroup string
}

func (c Case) resource() *rbac.Resource {
	return &rbac.Resource{Kind: "case", ID: fmt.Sprint(c.ID), Owners: rbac.Orgs(c.Owner), Workgroups: rbac.Workgroups(c.Workgroup)}
}

var caseTable = sqlfilter.Table{Name: "cases", ID: "id", Owners: sqlfilter.Values{Column: "owner"}, Workgroups: sqlfilter.Values{Column: "workgroup"}}

// cases reads the cases a WHERE clause selects.
func (s *Service) cases(ctx context.Context, where string, args ...any) ([]Case, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, owner, workgroup FROM cases WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		var c Case
		if err := rows.Scan(&c.ID, &c.Title, &c.Owner, &c.Workgroup); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// load describes the case for the guard, and keeps it for the handler.
func (s *Service) load(r *http.Request) (*rbac.Resource, error) {
	found, err := s.cases(r.Context(), "id = ?", r.PathValue("id"))
	if err != nil || len(found) == 0 {
		return nil, cmp.Or(err, rbachttp.ErrNoRecord)
	}
	rbachttp.Keep(r, found[0])
	return found[0].resource(), nil
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	if plan, ok := s.guard.List(w, r, "case.read", "case"); ok {
		where, args, err := sqlfilter.Where(plan, caseTable, sqlstore.SQLite)
		var found []Case
		if err == nil {
			found, err = s.cases(r.Context(), where, args...)
		}
		reply(w, http.StatusOK, found, err)
	}
}

// create opens a case; the caller must be able to read what it opens
// (its org's, in its workgroups, unless it holds the bypass).
func (s *Service) create(w http.ResponseWriter, r *http.Request) {
	var c Case
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&c); err != nil {
		http.Error(w, `a case is JSON: {"title", "owner", "workgroup"}`, http.StatusBadRequest)
		return
	} else if _, ok := s.guard.Check(w, r, "case.read", c.resource()); !ok {
		return
	}
	err := s.db.QueryRowContext(r.Context(), `INSERT INTO cases (title, owner, workgroup) VALUES (?, ?, ?) RETURNING id`, c.Title, c.Owner, c.Workgroup).Scan(&c.ID)
	reply(w, http.StatusCreated, c, err)
}

// reply writes v as JSON with status, or a 500 for err.
func reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
