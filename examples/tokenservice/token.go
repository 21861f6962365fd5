package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// Token verification, aside from the service's own code. Claims are what the identity provider vouches for (HMPPS Auth's tokens
// carry the user's roles and account type). A real service verifies a JWT
// with its provider's keys; this example signs plain JSON with HMAC so
// that it needs no library: token = base64url(claims) "." base64url(mac).
type Claims struct {
	Subject     string   `json:"sub"`
	AccountType string   `json:"account_type,omitempty"`
	Org         string   `json:"org,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Workgroups  []string `json:"workgroups,omitempty"`
	Expires     int64    `json:"exp"` // Unix seconds
}

// Principal turns verified claims into the user a Request.Principal
// carries: no store lookup, checked against the policy on every request.
func (c Claims) Principal() *rbac.User {
	return &rbac.User{
		ID: rbac.UserID(c.Subject), AccountType: rbac.AccountType(c.AccountType), Org: rbac.OrgSlug(c.Org),
		Roles: rbac.Roles(c.Roles...), Groups: rbac.Groups(c.Groups...), Workgroups: rbac.Workgroups(c.Workgroups...),
	}
}

// principalFrom returns the function that verifies a request's bearer
// token and returns the principal its claims describe.
func principalFrom(key []byte) func(*http.Request) (*rbac.User, error) {
	return func(r *http.Request) (*rbac.User, error) {
		claims, err := Verify(key, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), time.Now())
		return claims.Principal(), err
	}
}

// newKey draws the key tokens are signed with (the identity provider's).
func newKey() []byte {
	key := make([]byte, 32)
	rand.Read(key)
	return key
}

// printDemoTokens prints tokens to try the service with: an access
// administrator and a caseworker of Leeds, both of the council.
func printDemoTokens(w io.Writer, key []byte) {
	exp := time.Now().Add(8 * time.Hour).Unix()
	for _, c := range []Claims{
		{Subject: "ada", AccountType: "council", Org: "council", Roles: []string{"access_admin"}, Expires: exp},
		{Subject: "colin", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}, Expires: exp},
	} {
		fmt.Fprintf(w, "token for %s: %s\n", c.Subject, Sign(key, c))
	}
}

var errBadToken = errors.New("invalid or expired token")

// Sign issues a token for claims (the identity provider's side).
func Sign(key []byte, c Claims) string {
	payload, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(mac(key, p))
}

// Verify checks a token's signature and expiry and returns its claims.
func Verify(key []byte, token string, now time.Time) (Claims, error) {
	p, sig, ok := strings.Cut(token, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, mac(key, p)) {
		return Claims{}, errBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Claims{}, errBadToken
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || now.Unix() >= c.Expires {
		return Claims{}, errBadToken
	}
	return c, nil
}

func mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}
