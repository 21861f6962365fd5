package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// source is where a query verb reads the model: policy files or a store.
type source struct {
	policy string // comma-separated policy files
	dsn    string
	at     string // -at: the instant asked about ("" now)
}

func (s *source) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.policy, "policy", "", "policy `FILE`s (comma-separated; later files may not redefine an id)")
	fs.StringVar(&s.dsn, "dsn", "", "database `DSN` (sqlite:PATH, postgres://..., mysql://...)")
}

// atFlag adds -at to a verb that can answer for a past or future instant.
func (s *source) atFlag(fs *flag.FlagSet) {
	fs.StringVar(&s.at, "at", "", "answer as of `TIME` (RFC 3339, or a date: its start in UTC): with -dsn the model as it was then, rebuilt from the change log; timed assignments as they hold then")
}

// instant parses -at; the zero time when it is not given.
func (s *source) instant() (time.Time, error) {
	if s.at == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s.at); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s.at); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("-at %q is neither an RFC 3339 time (2027-01-08T17:00:00Z) nor a date (2027-01-08)", s.at)
}

// snapshot returns what a query reads: the authorizer's snapshot, or with
// -at and a store the model as of that instant (rbac.System reads the
// audit trail: the command line holds the database's credentials already).
func (s *source) snapshot(ctx context.Context, a *rbac.Authorizer) (*rbac.Snapshot, error) {
	at, err := s.instant()
	if err != nil || at.IsZero() || s.dsn == "" {
		return a.Snapshot(), err
	}
	return a.Admin(rbac.System).AsOfTime(ctx, at)
}

func (s *source) check(e *env, fs *flag.FlagSet) bool {
	if (s.policy == "") == (s.dsn == "") {
		e.stderr.Write([]byte("rbac " + fs.Name() + ": give -policy FILE or -dsn DSN (one of them)\n"))
		return false
	}
	return true
}

// open returns an authorizer on the source; close releases it.
func (s *source) open(ctx context.Context) (a *rbac.Authorizer, p *rbac.Policy, close func(), err error) {
	var store rbac.Store
	var release func()
	if s.policy != "" {
		p, err = rbac.LoadPolicyFiles(list(s.policy)...)
		if err != nil {
			return nil, nil, nil, err
		}
		m := memstore.New()
		if _, err := rbac.Import(ctx, m, p); err != nil {
			m.Close()
			return nil, nil, nil, err
		}
		store, release = m, func() { m.Close() }
	} else {
		sq, done, err := openStore(ctx, s.dsn, false)
		if err != nil {
			return nil, nil, nil, err
		}
		store, release = sq, done
	}
	opts := []rbac.Option{rbac.WithoutFollow()}
	if at, err := s.instant(); err != nil {
		release()
		return nil, nil, nil, err
	} else if !at.IsZero() && s.policy != "" {
		// Policy files have no history: the model is the file's, its
		// timed assignments as they hold at the instant.
		opts = append(opts, rbac.WithClock(func() time.Time { return at }))
	}
	a, err = rbac.New(ctx, store, opts...)
	if err != nil {
		release()
		return nil, nil, nil, err
	}
	if p == nil {
		p, _ = a.Policy()
	}
	return a, p, func() { a.Close(); release() }, nil
}

// request is the flags that describe a request.
type request struct {
	user, permission, activeRoles    string
	kind, id, owners, assignees, wgs string
	inactive                         bool
}

func (r *request) flags(fs *flag.FlagSet, withUser bool) {
	if withUser {
		fs.StringVar(&r.user, "user", "", "the user `ID`")
		fs.StringVar(&r.activeRoles, "active-roles", "", "the roles the user acts in, comma-separated (default: all)")
	}
	fs.StringVar(&r.permission, "permission", "", "the `PERMISSION`")
	fs.StringVar(&r.kind, "kind", "", "the resource's `KIND` (without -kind and -id: a capability check)")
	fs.StringVar(&r.id, "id", "", "the resource's `ID`")
	fs.StringVar(&r.owners, "owners", "", "the resource's owners, comma-separated org slugs (default: stored ownership)")
	fs.StringVar(&r.assignees, "assignees", "", "the resource's assignees, comma-separated user ids")
	fs.StringVar(&r.wgs, "workgroups", "", "the resource's workgroups, comma-separated")
	fs.BoolVar(&r.inactive, "inactive", false, "the resource is inactive (closed, archived)")
}

func (r *request) build() (rbac.Request, error) {
	if r.permission == "" {
		return rbac.Request{}, errors.New("-permission is required")
	}
	req := rbac.Request{User: rbac.UserID(r.user), Permission: rbac.Permission(r.permission)}
	for _, id := range list(r.activeRoles) {
		req.ActiveRoles = append(req.ActiveRoles, rbac.RoleID(id))
	}
	described := r.owners != "" || r.assignees != "" || r.wgs != "" || r.inactive
	switch {
	case r.kind != "" && r.id == "":
		return rbac.Request{}, fmt.Errorf("-kind %s needs -id: the resource's id (without -kind and -id: a capability check)", r.kind)
	case r.id != "" && r.kind == "":
		return rbac.Request{}, fmt.Errorf("-id %s needs -kind: the resource's kind", r.id)
	case described && r.kind == "":
		return rbac.Request{}, errors.New("-owners, -assignees, -workgroups and -inactive describe a resource: give its -kind and -id")
	}
	if r.kind != "" {
		res := &rbac.Resource{Kind: r.kind, ID: r.id, Inactive: r.inactive}
		for _, o := range list(r.owners) {
			res.Owners = append(res.Owners, rbac.OrgSlug(o))
		}
		for _, a := range list(r.assignees) {
			res.Assignees = append(res.Assignees, rbac.UserID(a))
		}
		for _, w := range list(r.wgs) {
			res.Workgroups = append(res.Workgroups, rbac.WorkgroupID(w))
		}
		req.Resource = res
	}
	return req, nil
}

// errText is an error's message without its position prefix, and the
// position, for reports that print the position themselves.
func errText(err error) (where, msg string) {
	var re *rbac.Error
	if errors.As(err, &re) && re.Where != "" {
		c := *re
		c.Where = ""
		return re.Where, c.Error()
	}
	return "", strings.TrimSpace(err.Error())
}
