package adminui

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/rolegraph/rbac"
)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure a console.
type Options struct {
	// Actor names the person making the request. The host service
	// authenticates; the console has no logins of its own. An error (or an
	// empty id) answers 401 and shows nothing.
	Actor func(*http.Request) (rbac.UserID, error)
	// Principal, instead of Actor, gives the person making the request as
	// a principal from the host's identity token (rbac.Request.Principal):
	// administrators need not be stored users. Changes are made through
	// Authorizer.AdminAs, judged as a stored user with the principal's
	// fields and audited under its id. An error (or nil) answers 401.
	Principal func(*http.Request) (*rbac.User, error)
	// Title heads every page, e.g. "nVIRO administration". Default
	// "Access administration".
	Title string
	// CSRFKey signs the per-actor form tokens. Give the same key to every
	// replica behind a load balancer; nil draws a random key at New (forms
	// left open across a restart then ask to be sent again).
	CSRFKey []byte
	// PageSize bounds every list (users, members, holders, history). Default 50.
	PageSize int
	// Banner, when set, is shown on every page, e.g. "Development only".
	Banner string
	// RequireReason makes a reason required for every change. Without
	// it a reason is still required for a change that gives anyone a
	// sensitive permission, and for a revert.
	RequireReason bool
}

// console is the http.Handler New returns.
type console struct {
	authz *rbac.Authorizer
	opts  Options
	key   []byte
	pages map[string]*template.Template
	mux   *http.ServeMux

	catMu   sync.Mutex
	catSnap *rbac.Snapshot // the snapshot cat was built from
	cat     *catalogue
}

// New returns the console for authz as an http.Handler. Mount it under any
// prefix with http.StripPrefix; every link is relative.
func New(authz *rbac.Authorizer, opts Options) http.Handler {
	if (opts.Actor == nil) == (opts.Principal == nil) {
		panic("adminui.New: set one of Options.Actor and Options.Principal: the host service says who is asking")
	}
	if opts.Title == "" {
		opts.Title = "Access administration"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	c := &console{authz: authz, opts: opts, key: opts.CSRFKey, pages: map[string]*template.Template{}}
	if len(c.key) == 0 {
		c.key = make([]byte, 32)
		if _, err := rand.Read(c.key); err != nil {
			panic("adminui.New: no randomness for the CSRF key: " + err.Error())
		}
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" {
			continue
		}
		c.pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", name))
	}
	c.routes()
	return c
}

func (c *console) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	get := func(p string, h func(*request) error) { m.Handle("GET /"+p, c.page(h)) }
	get("{$}", c.home)
	get("roles", c.roles)
	get("role", c.role)
	get("role-new", c.roleForm)
	get("role-edit", c.roleForm)
	get("role-grants", c.roleGrants)
	get("groups", c.groups)
	get("group", c.group)
	get("group-new", c.groupNew)
	get("users", c.users)
	get("user", c.user)
	get("permissions", c.permissions)
	get("history", c.history)
	get("records", c.records)
	get("review", c.review)
	m.Handle("GET /review.csv", c.page(c.reviewCSV))
	m.Handle("POST /preview", c.page(c.preview))
	m.Handle("POST /apply", c.page(c.apply))
	get("proposals", c.proposals)
	m.Handle("POST /proposal", c.page(c.resolveProposal))
	get("attest", c.attestPage)
	m.Handle("POST /attest", c.page(c.attest))
	get("elevations", c.elevations)
	m.Handle("POST /elevate", c.page(c.elevate))
	c.mux = m
}

// ServeHTTP sets the security headers every answer carries, then routes.
func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No inline script or style anywhere: the console's own files only.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if r.URL.Path == "" {
		// Mounted at /admin and asked for "/admin": relative links need the
		// trailing slash.
		// Set by hand: http.Redirect resolves a relative target against
		// the stripped path.
		w.Header().Set("Location", path.Base(strings.SplitN(r.RequestURI, "?", 2)[0])+"/")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// request is one request to a page: who asks, what they may do, and the
// snapshot every part of the page is read from.
type request struct {
	c      *console
	w      http.ResponseWriter
	r      *http.Request
	snap   *rbac.Snapshot
	rights rights
	csrf   string
}

// errForbidden is a page the actor may not see: 403.
var errForbidden = errors.New("you do not have access to this page")

// errNotFound: 404.
type notFound string

func (e notFound) Error() string { return string(e) }

// badRequest: 400 with a message.
type badRequest string

func (e badRequest) Error() string { return string(e) }

func (c *console) page(h func(*request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, principal, err := c.whoIsAsking(r)
		if err != nil {
			c.fail(w, nil, http.StatusUnauthorized, "Sign in first", "The service you came from did not say who you are.")
			return
		}
		req := &request{c: c, w: w, r: r, snap: c.authz.Snapshot()}
		req.rights = rightsOf(req.snap, actor, principal)
		if !req.rights.any() && !req.mayElevate() {
			c.fail(w, req, http.StatusForbidden, "You do not have access", "Your account has no administration rights and manages no group.")
			return
		}
		req.csrf = c.token(actor)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := c.checkPost(r, actor); errors.Is(err, errFormTooLarge) {
				c.fail(w, req, http.StatusRequestEntityTooLarge, "The form is too large", "A form may send at most 2 MB; this one sent more, and nothing was changed. Go back and send a smaller change.")
				return
			} else if err != nil {
				c.fail(w, req, http.StatusForbidden, "This form has expired", err.Error())
				return
			}
		}
		err = h(req)
		var nf notFound
		var bad badRequest
		switch {
		case err == nil:
		case errors.Is(err, errForbidden):
			c.fail(w, req, http.StatusForbidden, "You do not have access", err.Error())
		case errors.As(err, &nf):
			c.fail(w, req, http.StatusNotFound, "Not found", nf.Error())
		case errors.As(err, &bad):
			c.fail(w, req, http.StatusBadRequest, "There is a problem", bad.Error())
		default:
			c.fail(w, req, http.StatusInternalServerError, "Something went wrong", err.Error())
		}
	})
}

// whoIsAsking returns the actor of r: a stored user's id, or a principal
// (with its id).
func (c *console) whoIsAsking(r *http.Request) (rbac.UserID, *rbac.User, error) {
	if c.opts.Principal != nil {
		p, err := c.opts.Principal(r)
		if err != nil || p == nil || p.ID == "" {
			return "", nil, errors.New("no principal")
		}
		clone := p.Clone()
		return clone.ID, &clone, nil
	}
	actor, err := c.opts.Actor(r)
	if err != nil || actor == "" {
		return "", nil, errors.New("no actor")
	}
	return actor, nil, nil
}

// seeOther sends the browser to target, a page relative to the console, after
// a POST. The Location is set by hand: http.Redirect would resolve a relative
// target against the path StripPrefix left, losing the host's prefix.
func (req *request) seeOther(target string) {
	req.w.Header().Set("Location", target)
	req.w.WriteHeader(http.StatusSeeOther)
}

// admin is the Admin API for the actor of req.
func (req *request) admin() *rbac.Admin {
	if req.rights.principal != nil {
		return req.c.authz.AdminAs(req.rights.principal)
	}
	return req.c.authz.Admin(req.rights.actor)
}

// view is what every template gets.
type view struct {
	Console string
	Banner  string
	Title   string
	Nav     string
	Actor   rbac.UserID
	Rights  rights
	CSRF    string
	Notice  string
	Error   string
	Data    any
}

func (c *console) render(req *request, status int, name, title, nav string, data any) error {
	v := view{Console: c.opts.Title, Banner: c.opts.Banner, Title: title, Nav: nav, Data: data}
	if req != nil {
		v.Actor, v.Rights, v.CSRF = req.rights.actor, req.rights, req.csrf
		if req.r.Method == http.MethodGet {
			v.Notice = noticeFor(req.r.URL.Query().Get("done"))
		}
	}
	var b strings.Builder
	if err := c.pages[name].Execute(&b, v); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	var w http.ResponseWriter
	if req != nil {
		w = req.w
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write([]byte(b.String()))
	return err
}

// fail renders an error page. req may be nil (no actor).
func (c *console) fail(w http.ResponseWriter, req *request, status int, heading, msg string) {
	v := view{Console: c.opts.Title, Banner: c.opts.Banner, Title: heading, Error: msg}
	if req != nil {
		v.Actor, v.Rights, v.CSRF = req.rights.actor, req.rights, req.csrf
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = c.pages["error"].Execute(w, v)
}

// noticeFor turns the "done" parameter of a page reached after a change
// into its message. Only known words are shown, so a link cannot put text
// of its choosing on the page.
func noticeFor(done string) string {
	rev, ok := strings.CutPrefix(done, "applied-")
	if !ok || rev == "" || strings.Trim(rev, "0123456789") != "" {
		return ""
	}
	return "Change saved as revision " + rev + "."
}
