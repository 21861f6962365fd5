package adminui_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/memstore"
)

// seeds maps a name to the policy files of a console under test: a seed
// system's policy and the administrators added for the console.
var seeds = map[string][]string{
	"nviro":  {"../testdata/seeds/nviro.yaml", "testdata/nviro-console.yaml"},
	"iyss":   {"../testdata/seeds/one_iyss.yaml", "testdata/iyss-console.yaml"},
	"places": {"../testdata/seeds/places_manager.yaml", "testdata/places-console.yaml"},
}

type fixture struct {
	t     testing.TB
	authz *rbac.Authorizer
	store *memstore.Store
	h     http.Handler
}

// newFixture serves the console of a seed at /admin/, as a host would:
// the host's own authentication is the X-Test-User header.
func newFixture(t testing.TB, seed string) *fixture {
	t.Helper()
	p, err := rbac.LoadPolicyFiles(seeds[seed]...)
	if err != nil {
		t.Fatal(err)
	}
	return policyFixture(t, p)
}

// yamlFixture serves the console of the policy policyYAML describes; set,
// if given, changes its options.
func yamlFixture(t testing.TB, policyYAML string, set ...func(*adminui.Options)) *fixture {
	t.Helper()
	p, err := rbac.LoadPolicy(strings.NewReader(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	return policyFixture(t, p, set...)
}

// policyFixture serves the console of p, imported into a fresh memory
// store; set, if given, changes its options.
func policyFixture(t testing.TB, p *rbac.Policy, set ...func(*adminui.Options)) *fixture {
	t.Helper()
	return authzFixture(t, p, nil, set...)
}

// authzFixture is policyFixture with the authorizer's options.
func authzFixture(t testing.TB, p *rbac.Policy, opts []rbac.Option, set ...func(*adminui.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(ctx, store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return newFixtureFor(t, a, store, set...)
}

// newFixtureFor serves a's console; set, if given, changes its options.
func newFixtureFor(t testing.TB, a *rbac.Authorizer, store *memstore.Store, set ...func(*adminui.Options)) *fixture {
	opts := adminui.Options{Actor: func(r *http.Request) (rbac.UserID, error) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			return rbac.UserID(u), nil
		}
		return "", errors.New("not signed in")
	}, Title: "Test administration"}
	for _, f := range set {
		f(&opts)
	}
	console := adminui.New(a, opts)
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", console))
	return &fixture{t: t, authz: a, store: store, h: mux}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(actor, method, target string, form url.Values) response {
	f.t.Helper()
	return f.doWith(actor, method, target, form, [2]string{})
}

// doWith sends a request with one extra header (name, value).
func (f *fixture) doWith(actor, method, target string, form url.Values, header [2]string) response {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if actor != "" {
		req.Header.Set("X-Test-User", actor)
	}
	if header[0] != "" {
		req.Header.Set(header[0], header[1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return response{status: w.Code, header: w.Result().Header, body: string(b)}
}

func (f *fixture) get(actor, target string) response { return f.do(actor, "GET", target, nil) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token reads the actor's form token from a page, as a browser would.
func (f *fixture) token(actor, page string) string {
	f.t.Helper()
	var m []string
	// The page given, or any page with a form the actor may see.
	for _, p := range []string{page, "/admin/role?id=permitting", "/admin/role?id=youth_worker", "/admin/group?id=north_permit_writers", "/admin/group?id=youth_workers", "/admin/history"} {
		if m = csrfField.FindStringSubmatch(f.get(actor, p).body); m != nil {
			break
		}
	}
	if m == nil {
		f.t.Fatalf("no form token on %s for %s", page, actor)
	}
	return m[1]
}

// post sends a form with the actor's token (taken from page).
func (f *fixture) post(actor, page, target string, form url.Values) response {
	f.t.Helper()
	form.Set("csrf", f.token(actor, page))
	return f.do(actor, "POST", target, form)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// confirm posts a preview page's confirmation form, as a browser would, with
// a reason.
func (f *fixture) confirm(actor string, preview response, reason string) response {
	f.t.Helper()
	i := strings.Index(preview.body, `action="apply"`)
	if i < 0 {
		f.t.Fatalf("the preview offers no confirmation:\n%s", preview.body)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(preview.body[i:], -1) {
		form.Add(m[1], htmlUnescape(m[2]))
	}
	form.Set("reason", reason)
	return f.do(actor, "POST", "/admin/apply", form)
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+")
	return r.Replace(s)
}
