// Command console serves the admin console (package adminui) over the nVIRO
// and One IYSS policies on 127.0.0.1, with a development-only user
// switcher in place of the host service's sign-in:
//
//	go run ./examples/console
//
// then open http://127.0.0.1:8080/. The policies are testdata/seeds/nviro.yaml
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
	Users       []rbac.UserID
	authz       *rbac.Authorizer
}

var systems = []*system{
	{Name: "nviro", Title: "nVIRO security administration", Files: []string{"testdata/seeds/nviro.yaml", "adminui/testdata/nviro-console.yaml"}},
	{Name: "iyss", Title: "One IYSS security administration", Files: []string{"testdata/seeds/one_iyss.yaml", "adminui/testdata/iyss-console.yaml"}},
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (keep it on the loopback: the user switcher lets anyone be anyone)")
	flag.Parse()
	h, closeAll, err := newServer(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer closeAll()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("admin console: http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
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
		sys.Users = nil
		for _, u := range p.Users {
			sys.Users = append(sys.Users, u.ID)
		}
		slices.Sort(sys.Users)
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
<select id="user-{{.Name}}" name="user">{{range .Users}}<option>{{.}}</option>{{end}}</select></div>
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
	if i < 0 || !slices.Contains(systems[i].Users, user) {
		http.Error(w, "unknown system or user", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "dev-user-" + name, Value: string(user), Path: "/" + name + "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/"+name+"/", http.StatusSeeOther)
}
