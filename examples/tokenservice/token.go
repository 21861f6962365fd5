// Token verification, aside from the service's own code: the tokens are
// the examples' stand-in for an identity provider's (package bearer).
package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/bearer"
)

// principalFrom returns the function that verifies a request's bearer
// token and returns the principal its claims describe.
func principalFrom(key []byte) func(*http.Request) (*rbac.User, error) {
	return func(r *http.Request) (*rbac.User, error) {
		claims, err := bearer.Verify(key, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), time.Now())
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
	for _, c := range []bearer.Claims{
		{Subject: "ada", AccountType: "council", Org: "council", Roles: []string{"access_admin"}, Expires: exp},
		{Subject: "colin", AccountType: "council", Org: "council", Roles: []string{"caseworker"}, Workgroups: []string{"leeds"}, Expires: exp},
	} {
		fmt.Fprintf(w, "token for %s: %s\n", c.Subject, bearer.Sign(key, c))
	}
}
