package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/adminui"
	"github.com/rolegraph/rbac/memstore"
)

// chromium finds the browser, or skips the test saying why; with
// RBAC_TEST_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RBAC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RBAC_TEST_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium not found and RBAC_TEST_REQUIRE_BROWSER=1: install it (apt-get install -y chromium) or set RBAC_CHROMIUM")
	}
	t.Skip("chromium not found: skipping the browser tests (install chromium, or set RBAC_TEST_REQUIRE_BROWSER=1 to fail instead)")
	return ""
}

var seeds = map[string][]string{
	"nviro":  {"../../testdata/seeds/nviro.yaml", "../testdata/nviro-console.yaml"},
	"iyss":   {"../../testdata/seeds/one_iyss.yaml", "../testdata/iyss-console.yaml"},
	"places": {"../../testdata/seeds/places_manager.yaml", "../testdata/places-console.yaml"},
}

// browser is one chromium shared by the tests: starting it is the slow
// part.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

func sharedBrowser(exe string) (context.Context, error) {
	browser.once.Do(func() {
		// The closed network makes a default chromium hang on its
		// background services: turn them off, and start from a fresh
		// profile.
		dir, err := os.MkdirTemp("", "rbac-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(exe),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(dir),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1100, 900),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		// Start it now, so that a browser that cannot start fails here. The
		// browser lives as long as the context of its first action, so that
		// is ctx itself, with the time limit kept outside.
		started := make(chan error, 1)
		go func() { started <- chromedp.Do(ctx) }()
		select {
		case err := <-started:
			if err != nil {
				browser.err = fmt.Errorf("starting chromium: %w", err)
			}
		case <-time.After(60 * time.Second):
			browser.err = fmt.Errorf("chromium did not start within a minute")
		}
		browser.ctx = ctx
		browser.cancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
	})
	return browser.ctx, browser.err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// session is a browser on a console served by httptest. The host's sign-in
// is a cookie set by /as?user=.
type session struct {
	t     *testing.T
	ctx   context.Context
	base  string
	authz *rbac.Authorizer
	shots string
	n     int
}

func newSession(t *testing.T, seed string) *session {
	t.Helper()
	p, err := rbac.LoadPolicyFiles(seeds[seed]...)
	if err != nil {
		t.Fatal(err)
	}
	return newSessionOf(t, p)
}

// newSessionOf is newSession on a policy of the test's own.
func newSessionOf(t *testing.T, p *rbac.Policy) *session {
	t.Helper()
	exe := chromium(t)
	bg := context.Background()
	store := memstore.New()
	if _, err := rbac.Import(bg, store, p); err != nil {
		t.Fatal(err)
	}
	a, err := rbac.New(bg, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	console := adminui.New(a, adminui.Options{Title: "Test administration", Actor: func(r *http.Request) (rbac.UserID, error) {
		c, err := r.Cookie("test-user")
		if err != nil {
			return "", err
		}
		return rbac.UserID(c.Value), nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", console))
	mux.HandleFunc("/as", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "test-user", Value: r.URL.Query().Get("user"), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	bctx, err := sharedBrowser(exe)
	if err != nil {
		t.Fatal(err)
	}
	// A tab of its own in a browser context of its own: no cookies shared
	// with the other tests.
	ctx, cancelCtx := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 100*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx() })
	shots := os.Getenv("RBAC_SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	shots = filepath.Join(shots, t.Name())
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &session{t: t, ctx: ctx, base: srv.URL, authz: a, shots: shots}
}

func (s *session) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, steps...); err != nil {
		loc, _ := chromedp.Run(s.ctx, chromedp.Location())
		s.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// value runs an action that returns a value.
func value[T any](s *session, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, a)
	if err != nil {
		loc, _ := chromedp.Run(s.ctx, chromedp.Location())
		s.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
	return v
}

// signIn makes the browser the given user, as the host's sign-in would.
func (s *session) signIn(user string) {
	s.run("sign in as "+user, chromedp.Navigate(s.base+"/as?user="+user), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// shot saves a screenshot of the whole page.
func (s *session) shot(name string) {
	s.t.Helper()
	// The whole page, unless it is very long (the catalogue): then what
	// the window shows, which is what a reader sees first.
	height := value(s, "page height", chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	shot := chromedp.FullScreenshot(100)
	if height > 2500 {
		shot = chromedp.CaptureScreenshot()
	}
	png := value(s, "screenshot "+name, shot)
	s.n++
	path := filepath.Join(s.shots, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) text(sel string) string {
	s.t.Helper()
	return value(s, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

func (s *session) mustSee(sel, want string) {
	s.t.Helper()
	if got := s.text(sel); !strings.Contains(got, want) {
		s.t.Fatalf("%s: want %q in:\n%s", sel, want, got)
	}
}

// nextPage runs trigger (a click or a key that sends a form or follows a
// link) and waits until a new document has loaded: the old one is marked,
// and the wait ends when the mark is gone.
func nextPage(trigger chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`window.__stale = true`)(ctx, t)
			return err
		}),
		trigger,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Evaluating while the page changes fails now and then (its
			// context is gone): ask again until the new page answers.
			for {
				done, err := chromedp.Evaluate[bool](`!window.__stale && document.readyState === "complete" && !!document.querySelector("h1")`)(ctx, t)
				if err == nil && done {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	)
}

func clickAndWait(sel string) chromedp.Action[chromedp.Void] {
	return nextPage(chromedp.Click(chromedp.CSS(sel)))
}

// TestDelegatedManagerAddsMember: HMPPS Auth's and nVIRO's group manager
// sees only their group and adds a member of its account type.
func TestDelegatedManagerAddsMember(t *testing.T) {
	s := newSession(t, "nviro")
	s.signIn("sven")
	s.mustSee("h1", "Your groups")
	s.mustSee("main", "North Permit Writers")
	if strings.Contains(s.text("main"), "Permitting Staff") {
		t.Fatal("a delegated manager sees a group he does not manage")
	}
	s.shot("delegate-groups")
	s.run("open the group", clickAndWait(`a[href="group?id=north_permit_writers"]`))
	if strings.Contains(s.text("main"), "Copy this group") {
		t.Fatal("a delegated manager is offered a copy")
	}
	s.shot("delegate-group")
	s.run("add nina", chromedp.SendKeys(chromedp.CSS("#add-member"), "nina"), clickAndWait(`form input[value="member.add"] ~ button`))
	s.mustSee("h1", "Check the change")
	s.mustSee("main", "nina")
	s.mustSee("main", "permit.read@global")
	s.shot("delegate-preview")
	s.run("confirm", clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee(".notice", "Change saved")
	s.mustSee("main", "nina")
	s.shot("delegate-added")
	u, _ := s.authz.Snapshot().User("nina")
	if !contains(u.Groups, "north_permit_writers") {
		t.Fatalf("nina's groups: %v", u.Groups)
	}
	// The rule's message for what the manager may not do: add a user of
	// another account type.
	s.run("add xavier", chromedp.SendKeys(chromedp.CSS("#add-member"), "xavier"), clickAndWait(`form input[value="member.add"] ~ button`))
	if strings.Contains(s.text("main"), "There is a problem") {
		s.shot("delegate-refused")
		return
	}
	s.run("confirm xavier", clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee(".error-summary", "refused")
	s.shot("delegate-refused")
	if u, _ := s.authz.Snapshot().User("xavier"); contains(u.Groups, "north_permit_writers") {
		t.Fatal("an external user joined an internal group")
	}
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestSecurityAdministrator: nVIRO's copy of a security group, One IYSS's
// section-by-section permissions with "select all" and a sensitive
// warning, the preview, the confirmation, and a revert from the history.
func TestSecurityAdministrator(t *testing.T) {
	s := newSession(t, "iyss")
	s.signIn("iris_admin")
	s.shot("overview")

	// Copy a group under a new unique name.
	s.run("open groups", clickAndWait(`nav a[href="groups"]`))
	s.shot("groups")
	s.run("open group", clickAndWait(`a[href="group?id=youth_workers"]`))
	s.shot("group")
	s.run("copy", chromedp.SendKeys(chromedp.CSS("#new-id"), "youth_workers_south"), chromedp.SendKeys(chromedp.CSS("#new-name"), "Youth workers south"),
		clickAndWait(`form input[value="group.copy"] ~ button`))
	s.mustSee("h1", "Check the change")
	s.shot("copy-preview")
	s.run("confirm copy", clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee("h1", "Youth workers south")
	s.mustSee(".notice", "Change saved")
	if g, ok := s.authz.Snapshot().Group("youth_workers_south"); !ok || !contains(g.Roles, "youth_worker") || len(g.Managers) != 0 {
		t.Fatalf("the copy: %+v", g)
	}

	// Edit a role's permissions: select all in Client Bulk Updates.
	s.run("open role", chromedp.Navigate(s.base+"/admin/role?id=youth_worker"), chromedp.WaitVisible(chromedp.CSS("h1")))
	s.shot("role")
	s.run("open editor", clickAndWait(`a[href="role-grants?id=youth_worker"]`))
	key := value(s, "find the section", chromedp.Evaluate[string](`[...document.querySelectorAll("fieldset.section")].find(f => f.querySelector("legend").textContent.includes("Client Bulk Updates")).dataset.section`))
	s.run("select all", chromedp.Click(chromedp.CSS(`#all-`+key)))
	ticked := value(s, "boxes follow", chromedp.Evaluate[bool](`[...document.querySelectorAll('input[name="grant"][data-section="`+key+`"]')].every(b => b.checked)`))
	if !ticked {
		t.Fatal(`"select all" did not tick the section's boxes`)
	}
	s.shot("grants-editor")
	s.run("preview", clickAndWait(`form.grants button[type="submit"]`))
	s.mustSee("h1", "Check the change")
	s.mustSee(".warning-box", "There is no undo function")
	s.mustSee("main", "wanda_worker")
	s.mustSee("main", "bulk_update.*@global")
	s.shot("grants-preview")
	// A sensitive change needs a reason: the browser refuses to send an
	// empty one.
	required := value(s, "reason required", chromedp.Evaluate[bool](`document.querySelector("#reason").required`))
	if !required {
		t.Fatal("the reason is not required for a sensitive change")
	}
	s.run("confirm", chromedp.SendKeys(chromedp.CSS("#reason"), "Bulk updates for the youth work team (ticket 42)"),
		clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee(".notice", "Change saved")
	r, _ := s.authz.Snapshot().Role("youth_worker")
	if !contains(r.Grants, rbac.Grant{Permission: "bulk_update.*", Scope: rbac.ScopeGlobal}) {
		t.Fatalf("grants after select all: %v", r.Grants)
	}

	// Revert it from the history, behind its own preview.
	s.run("open history", clickAndWait(`nav a[href="history"]`))
	s.mustSee("main", "ticket 42")
	s.shot("history")
	s.run("revert", clickAndWait(`.changeset button[type="submit"]`))
	s.mustSee("h1", "Check the change")
	s.mustSee("main", "Revert revision")
	s.shot("revert-preview")
	s.run("confirm revert", chromedp.SendKeys(chromedp.CSS("#reason"), "Not needed after all"), clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee(".notice", "Change saved")
	r, _ = s.authz.Snapshot().Role("youth_worker")
	if contains(r.Grants, rbac.Grant{Permission: "bulk_update.*", Scope: rbac.ScopeGlobal}) {
		t.Fatalf("grants after revert: %v", r.Grants)
	}

	// The other screens render in the browser too.
	for _, p := range []string{"users", "user?id=yara_sysadmin_yj", "permissions", "review", "role?id=team_manager"} {
		s.run("open "+p, chromedp.Navigate(s.base+"/admin/"+p), chromedp.WaitVisible(chromedp.CSS("h1")))
		s.shot(strings.NewReplacer("?id=", "-", "_", "-").Replace(p))
	}
}

// TestKeyboardOnly: a delegated manager adds a member without a mouse,
// with a visible focus on every control reached.
func TestKeyboardOnly(t *testing.T) {
	s := newSession(t, "nviro")
	s.signIn("sven")
	s.run("open group", chromedp.Navigate(s.base+"/admin/group?id=north_permit_writers"), chromedp.WaitVisible(chromedp.CSS("h1")))
	// Tab until the member field has the focus; every stop must show it.
	tabTo := func(want string) {
		t.Helper()
		for i := 0; i < 40; i++ {
			s.run("tab", chromedp.KeyEvent(kb.Tab))
			focus := value(s, "focus", chromedp.Evaluate[focusState](`(() => { const e = document.activeElement, st = getComputedStyle(e);
				return {ID: e.id, Tag: e.tagName, Text: (e.textContent || "").trim().slice(0, 40), Outline: st.outlineStyle, Shade: st.boxShadow, Background: st.backgroundColor}; })()`))
			if focus.Outline == "none" && focus.Shade == "none" && focus.Background == "rgba(0, 0, 0, 0)" {
				t.Fatalf("no visible focus on %s %q", focus.Tag, focus.ID+focus.Text)
			}
			if focus.ID == want || focus.Text == want {
				return
			}
		}
		t.Fatalf("%q never got the focus", want)
	}
	tabTo("add-member")
	s.shot("keyboard-focus")
	s.run("type", chromedp.KeyEvent("nina"), nextPage(chromedp.KeyEvent(kb.Enter)))
	s.mustSee("h1", "Check the change")
	tabTo("reason")
	s.run("reason", chromedp.KeyEvent("joined the north team"))
	tabTo("Confirm and save")
	s.run("confirm", nextPage(chromedp.KeyEvent(kb.Enter)))
	s.mustSee(".notice", "Change saved")
	s.shot("keyboard-done")
	if u, _ := s.authz.Snapshot().User("nina"); !contains(u.Groups, "north_permit_writers") {
		t.Fatalf("nina's groups: %v", u.Groups)
	}
}

// focusState describes the element that has the focus.
type focusState struct {
	ID, Tag, Text  string
	Outline, Shade string
	Background     string
}

// TestRecordOwners: places-manager's task, a GDS Editor changes a
// service's owning organisations.
func TestRecordOwners(t *testing.T) {
	s := newSession(t, "places")
	s.signIn("gina_gds_admin")
	s.run("open records", clickAndWait(`nav a[href="records"]`))
	s.mustSee("main", "register-offices")
	s.shot("records")
	s.run("set owners", chromedp.Clear(chromedp.CSS("#owners-1")), chromedp.SendKeys(chromedp.CSS("#owners-1"), "department-for-education, hm-revenue-customs"),
		clickAndWait(`form:has(#owners-1) button`))
	s.mustSee("h1", "Check the change")
	s.shot("owners-preview")
	s.run("confirm", chromedp.SendKeys(chromedp.CSS("#reason"), "joint service"), clickAndWait(`form[action="apply"] button[type="submit"]`))
	s.mustSee(".notice", "Change saved")
	for _, o := range s.authz.Snapshot().Ownerships("service") {
		if o.ID == "student-finance" && len(o.Owners) != 2 {
			t.Fatalf("owners of student-finance: %v", o.Owners)
		}
	}
}
