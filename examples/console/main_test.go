package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
