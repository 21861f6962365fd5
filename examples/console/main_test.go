package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConsoleServes: the switcher lists both systems' users, choosing one
// sets a SameSite cookie for that console only, and the console then
// answers as that user.
func TestConsoleServes(t *testing.T) {
	h, closeAll, err := newServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("switcher: %d", res.StatusCode)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = client.PostForm(srv.URL+"/switch", url.Values{"system": {"iyss"}, "user": {"iris_admin"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Cookies()
	if res.StatusCode != 303 || len(cookies) != 1 || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/iyss/" {
		t.Fatalf("switch: %d %v", res.StatusCode, cookies)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/iyss/roles", nil)
	req.AddCookie(cookies[0])
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if body := string(b); res.StatusCode != 200 || !strings.Contains(body, "team_manager") || !strings.Contains(body, "Development only") {
		t.Fatalf("console as iris_admin: %d", res.StatusCode)
	}
	// Without a chosen user the console shows nothing.
	res, _ = http.Get(srv.URL + "/nviro/roles")
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("no user: %d", res.StatusCode)
	}
	// Only known users of the system can be chosen.
	res, _ = client.PostForm(srv.URL+"/switch", url.Values{"system": {"nviro"}, "user": {"iris_admin"}})
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("unknown user: %d", res.StatusCode)
	}
}

// TestChooserListsAdministratorsFirst: each system's list opens with its
// administrators, who may read the console, and ends with the users who
// may not; the first user offered (the default) is an administrator.
func TestChooserListsAdministratorsFirst(t *testing.T) {
	h, closeAll, err := newServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	get := func(target, user, sys string) (int, string) {
		req := httptest.NewRequest("GET", target, nil)
		if user != "" {
			req.AddCookie(&http.Cookie{Name: "dev-user-" + sys, Value: user})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	_, page := get("/", "", "")
	selects := regexp.MustCompile(`(?s)<select id="user-(\w+)" name="user">(.*?)</select>`).FindAllStringSubmatch(page, -1)
	if len(selects) != len(systems) {
		t.Fatalf("%d user lists, want %d:\n%s", len(selects), len(systems), page)
	}
	optgroup := regexp.MustCompile(`(?s)<optgroup label="([^"]+)">(.*?)</optgroup>`)
	option := regexp.MustCompile(`<option>([^<]+)</option>`)
	for _, sel := range selects {
		sys := sel[1]
		var labels []string
		first := ""
		for _, g := range optgroup.FindAllStringSubmatch(sel[2], -1) {
			labels = append(labels, g[1])
			for _, o := range option.FindAllStringSubmatch(g[2], -1) {
				if first == "" {
					first = o[1]
				}
				status, _ := get("/"+sys+"/", o[1], sys)
				switch g[1] {
				case "Administrators":
					if status != 200 {
						t.Errorf("%s: administrator %s gets %d", sys, o[1], status)
					}
					if status, _ = get("/"+sys+"/users", o[1], sys); status != 200 {
						t.Errorf("%s: administrator %s gets %d for the users", sys, o[1], status)
					}
				case "No console access":
					if status != 403 {
						t.Errorf("%s: %s, listed without access, gets %d", sys, o[1], status)
					}
				default:
					if status != 200 {
						t.Errorf("%s: manager %s gets %d", sys, o[1], status)
					}
				}
			}
		}
		if d := cmp.Diff([]string{"Administrators", "Managers of some groups or users", "No console access"}, labels); d != "" {
			t.Errorf("%s: groups of users (-want +got):\n%s", sys, d)
		}
		if status, _ := get("/"+sys+"/roles", first, sys); status != 200 {
			t.Errorf("%s: the first user offered, %s, gets %d for the roles", sys, first, status)
		}
	}
}

// TestRunPrintsAddress: the program says where to open the console as
// it starts, and serves there.
func TestRunPrintsAddress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, w); w.Close() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("reading what it prints: %v", err)
	}
	m := regexp.MustCompile(`^admin console: open (http://127\.0\.0\.1:\d+/) and choose who you are`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("it printed %q", line)
	}
	go io.Copy(io.Discard, r)
	res, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET %s: %d", m[1], res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after ctx ended: %v", err)
	}
}
