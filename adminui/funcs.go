package adminui

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/rolegraph/rbac"
)

var funcs = template.FuncMap{
	"pagerFor": pagerFor,
	"scopeOf":  func(s rbac.Scope) string { return s.String() },
	"inc":      func(i int) int { return i + 1 },
	"join":     joinAny,
	"fromText": fromText,
	"hasAT":    func(r rbac.Role, at rbac.AccountType) bool { return containsID(r.AccountTypes, at) },
	"time":     func(t interface{ Format(string) string }) string { return t.Format("2 Jan 2006 15:04:05 MST") },
}

// fromText says where a role comes from, in words.
func fromText(src rbac.RoleSource) string {
	switch src.From {
	case "direct":
		return "assigned directly"
	case "group":
		return "through group " + src.Via
	case "account_type":
		return "default of account type " + src.Via
	case "contains":
		return "contained in role " + src.Via
	}
	return src.From + " " + src.Via
}

func joinAny(xs any) string {
	var parts []string
	switch v := xs.(type) {
	case []rbac.RoleID:
		for _, x := range v {
			parts = append(parts, string(x))
		}
	case []rbac.UserID:
		for _, x := range v {
			parts = append(parts, string(x))
		}
	case []rbac.AccountType:
		for _, x := range v {
			parts = append(parts, string(x))
		}
	case []rbac.Permission:
		for _, x := range v {
			parts = append(parts, string(x))
		}
	}
	return strings.Join(parts, ", ")
}

func itoa(i int) string { return strconv.Itoa(i) }

// quote shows an id or name from the request in a message, cut short (a
// 10 KB id is not echoed whole); html/template escapes it on the page.
func quote(s string) string {
	return strconv.Quote(shorten(s, 80))
}

// pager links the pages of a list that is cut into pages by number.
type pager struct {
	Page, Pages int
	Prev, Next  int // 0: none
}

func pageOf[T any](xs []T, page string, size int) ([]T, pager) {
	n, _ := strconv.Atoi(page)
	pages := (len(xs) + size - 1) / size
	if n < 1 {
		n = 1
	}
	if n > pages {
		n = max(pages, 1)
	}
	pg := pager{Page: n, Pages: pages}
	if n > 1 {
		pg.Prev = n - 1
	}
	if n < pages {
		pg.Next = n + 1
	}
	lo := min((n-1)*size, len(xs))
	hi := min(lo+size, len(xs))
	return xs[lo:hi], pg
}

// pagerLinks is a pager with the page's own address and query, escaped
// here: the template puts Base at the start of an href.
type pagerLinks struct {
	pager
	Base string
}

func pagerFor(page string, p pager, key, val string) pagerLinks {
	if key == "" {
		return pagerLinks{pager: p, Base: page + "?"}
	}
	return pagerLinks{pager: p, Base: page + "?" + url.Values{key: {val}}.Encode() + "&"}
}
