package adminui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
)

// CSRF: every form carries a token HMAC-signed with the console's key over
// the actor and the hour it was issued. A signed per-actor token needs no
// cookie (so there is no cookie to inject from a sibling subdomain, which
// defeats double-submit cookies, and no SameSite setting to get wrong); a
// token taken from one person's page is worthless for another, and it
// expires after tokenLife. Browsers that send Sec-Fetch-Site or Origin are
// also refused when the post comes from another site.

const tokenLife = 12 * time.Hour

func (c *console) token(actor rbac.UserID) string {
	return c.tokenAt(actor, time.Now())
}

func (c *console) tokenAt(actor rbac.UserID, t time.Time) string {
	hour := strconv.FormatInt(t.Unix()/3600, 10)
	return hour + "." + c.sign(actor, hour)
}

func (c *console) sign(actor rbac.UserID, hour string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("rolegraph adminui csrf\x00"))
	m.Write([]byte(actor))
	m.Write([]byte{0})
	m.Write([]byte(hour))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// maxFormBytes bounds a posted form: far more than any form of the
// console sends (TestFormSizeLimit measures the largest seed's grants
// editor), far less than a form that could tie up a server.
const maxFormBytes = 2 << 20

// errFormTooLarge: a form over maxFormBytes, answered 413.
var errFormTooLarge = errors.New("the form is larger than the 2 MB a form may be")

func (c *console) checkPost(r *http.Request, actor rbac.UserID) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return errors.New("the form was sent from another site")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errors.New("the form was sent from another site")
		}
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errFormTooLarge
		}
		return errors.New("the form could not be read")
	}
	tok := r.PostForm.Get("csrf")
	hour, sig, ok := strings.Cut(tok, ".")
	n, err := strconv.ParseInt(hour, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(c.sign(actor, hour))) {
		return errors.New("the form's security token is missing or wrong; go back, reload the page and try again")
	}
	if age := time.Since(time.Unix(n*3600, 0)); age > tokenLife+time.Hour || age < -time.Hour {
		return errors.New("the form is too old; go back, reload the page and try again")
	}
	return nil
}
