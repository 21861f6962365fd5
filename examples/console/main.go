// Command console serves the admin console (package adminui) over the nVIRO
// and One IYSS policies on 127.0.0.1, with a development-only user
// switcher in place of the host service's sign-in:
//
//	go run ./examples/console
//
// It prints the address to open (http://127.0.0.1:8080/ unless -addr says
// otherwise), where you choose who you are: each system's administrators
// are listed first. The policies are testdata/seeds/nviro.yaml
// and one_iyss.yaml (the same as examples/nviro and examples/iyss), plus the
// administrators in adminui/testdata; the state lives in memory and is lost
// when the program stops.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/memstore"
)

// system is one seed system's console.
type system struct {
	Name, Title string
	Files       []string
	Users       []userGroup // administrators first
	authz       *rbac.Authorizer
}

// userGroup is a part of the chooser's list of users.
type userGroup struct {
	Label string
	Users []rbac.UserID
}

// chooserGroups sorts users for the chooser by what the console offers
// them: administrators, who read the whole model, first; then those who
// administer part of it (a group they manage, the users of their
// workgroups); last the users with no access, who get 403 everywhere.
func chooserGroups(s *rbac.Snapshot, users []rbac.UserID) []userGroup {
	groups := []userGroup{{Label: "Administrators"}, {Label: "Managers of some groups or users"}, {Label: "No console access"}}
	managers := map[rbac.UserID]bool{}
	for _, g := range s.Groups() {
		for _, m := range g.Managers {
			managers[m] = true
		}
	}
	holds := func(u rbac.UserID, p rbac.Permission, at rbac.Scope) bool {
		d := s.Check(rbac.Request{User: u, Permission: p})
		return d.Allowed && d.Scope.Covers(at)
	}
	for _, u := range users {
		i := 2
		switch {
		case holds(u, rbac.PermRolesManage, rbac.ScopeGlobal) || holds(u, rbac.PermGroupsManage, rbac.ScopeGlobal) ||
			holds(u, rbac.PermUsersManage, rbac.ScopeGlobal) || holds(u, rbac.PermAuditRead, rbac.ScopeGlobal):
			i = 0
		case managers[u] || holds(u, rbac.PermUsersManage, rbac.ScopeWorkgroup):
			i = 1
		}
		groups[i].Users = append(groups[i].Users, u)
	}
	return slices.DeleteFunc(groups, func(g userGroup) bool { return len(g.Users) == 0 })
}

// has reports whether u is one of the system's users.
func (sys *system) has(u rbac.UserID) bool {
	for _, g := range sys.Users {
		if slices.Contains(g.Users, u) {
			return true
		}
	}
	return false
}

var systems = []*system{
	{Name: "nviro", Title: "nVIRO security administration", Files: []string{"testdata/seeds/nviro.yaml", "adminui/testdata/nviro-console.yaml"}},
	{Name: "iyss", Title: "One IYSS security administration", Files: []string{"testdata/seeds/one_iyss.yaml", "adminui/testdata/iyss-console.yaml"}},
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx ends, first printing the address to open on out.
func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("console", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:8080", "address to listen on (keep it on the loopback: the user switcher lets anyone be anyone)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	h, closeAll, err := newServer(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "admin console: open http://%s/ and choose who you are (Ctrl-C stops it)\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// repoRoot finds the repository root from the working directory, so the
// program runs from the root (go run ./examples/console) or from its own
// folder (go test).
func repoRoot() (string, error) {
	for _, dir := range []string{".", "..", "../.."} {
		if _, err := os.Stat(filepath.Join(dir, "testdata/seeds/nviro.yaml")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("run from the repository root: testdata/seeds/nviro.yaml not found")
}

// newServer loads both systems and mounts a console for each under
// /<name>/, behind the user switcher.
func newServer(ctx context.Context) (http.Handler, func(), error) {
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	for _, sys := range systems {
		var paths []string
		for _, f := range sys.Files {
			paths = append(paths, filepath.Join(root, f))
		}
		p, err := rbac.LoadPolicyFiles(paths...)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		store := memstore.New()
		if _, err := rbac.Import(ctx, store, p); err != nil {
			closeAll()
			return nil, nil, err
		}
		a, err := rbac.New(ctx, store)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		closers = append(closers, func() { a.Close() })
		sys.authz = a
		var users []rbac.UserID
		for _, u := range p.Users {
			users = append(users, u.ID)
		}
		slices.Sort(users)
		sys.Users = chooserGroups(a.Snapshot(), users)
		// The three lines that mount the console in a host service:
		// New with the host's way of naming the signed-in user, under a
		// prefix with StripPrefix.
		console := adminui.New(a, adminui.Options{Actor: devActor(sys.Name), Title: sys.Title, Banner: "Development only: anyone can switch user"})
		mux.Handle("/"+sys.Name+"/", http.StripPrefix("/"+sys.Name, console))
	}
	mux.HandleFunc("GET /{$}", switcherPage)
	mux.HandleFunc("POST /switch", switchUser)
	return mux, closeAll, nil
}

// devActor reads the user chosen in the switcher. A real host reads its
// own session here.
func devActor(sys string) func(*http.Request) (rbac.UserID, error) {
	return func(r *http.Request) (rbac.UserID, error) {
		c, err := r.Cookie("dev-user-" + sys)
		if err != nil || c.Value == "" {
			return "", errors.New("no user chosen")
		}
		return rbac.UserID(c.Value), nil
	}
}

var switcher = template.Must(template.New("switcher").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose a user – development console</title><link rel="stylesheet" href="/nviro/static/console.css"></head>
<body><header class="header"><div class="wrap"><span class="service">Admin console (development)</span></div></header>
<div class="banner"><div class="wrap"><strong class="tag">Development only: anyone can switch user</strong></div></div>
<main id="main" class="wrap"><h1>Choose who you are</h1>
<p class="lead">In a real service the host signs people in; here you pick a user of each seed system and open its console.</p>
{{range .}}<h2>{{.Title}}</h2>
<form method="post" action="/switch" class="row-form">
<input type="hidden" name="system" value="{{.Name}}">
<div class="field"><label for="user-{{.Name}}">User</label>
<select id="user-{{.Name}}" name="user">{{range .Users}}<optgroup label="{{.Label}}">{{range .Users}}<option>{{.}}</option>{{end}}</optgroup>{{end}}</select></div>
<button type="submit" class="button">Open the console as this user</button>
</form>{{end}}
</main></body></html>`))

func switcherPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = switcher.Execute(w, systems)
}

func switchUser(w http.ResponseWriter, r *http.Request) {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	name, user := r.PostFormValue("system"), rbac.UserID(r.PostFormValue("user"))
	i := slices.IndexFunc(systems, func(s *system) bool { return s.Name == name })
	if i < 0 || !systems[i].has(user) {
		http.Error(w, "unknown system or user", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "dev-user-" + name, Value: string(user), Path: "/" + name + "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/"+name+"/", http.StatusSeeOther)
}
