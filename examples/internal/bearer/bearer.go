// Package bearer is the examples' stand-in for an identity provider's
// tokens. Claims are what the provider vouches for (HMPPS Auth's tokens
// carry the user's roles and account type). A real service verifies a JWT
// with its provider's keys; the examples sign plain JSON with HMAC so that
// they need no library: token = base64url(claims) "." base64url(mac).
package bearer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// Claims are what a verified token says about its caller.
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

// ErrBadToken is Verify's one answer to any token it refuses: a caller
// learns nothing from which check failed.
var ErrBadToken = errors.New("invalid or expired token")

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
		return Claims{}, ErrBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Claims{}, ErrBadToken
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || now.Unix() >= c.Expires {
		return Claims{}, ErrBadToken
	}
	return c, nil
}

func mac(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}
