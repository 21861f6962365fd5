package rbac

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rolegraph/rbac/internal/intern"
)

// StreamLoader is an optional capability of a Store, found by type
// assertion: LoadEach calls f with every stored entity at one revision, in
// no particular order, and returns that revision. It may first call size
// with how many entities of a kind follow, so that tables are allocated
// once. A user may be passed as a User or as a *User. A *User is kept as
// it is, lists too, which saves a copy of every user: the store may keep
// it as well (memstore hands over the users it stores) but must never
// change it or its lists afterwards, and neither does the Authorizer. A
// store passing *User shares the arrays of equal lists itself (sqlstore
// does), while equal lists of users passed by value are shared by the
// Authorizer. An Authorizer starting (or reloading) on a store that has it
// fills its indexes straight from the stream instead of building a Policy,
// sorting it and copying it: less time and a third less memory on a large
// store. f owns every other entity it receives (the store keeps no alias
// to it or its lists), but equal lists of different entities may share
// one array: f changes a list by replacing it, never in place (the
// Authorizer never changes one). If f returns an error, LoadEach stops and
// returns it. Stores without it are loaded with Load.
// Either way, everything loaded is validated before it is served.
type StreamLoader interface {
	LoadEach(ctx context.Context, size func(EntityKind, int), f func(Entity) error) (Revision, error)
}

// loadState reads the whole store into a new state, whose users are listed
// in loadOrder but not yet in the user table: the caller must call
// indexUsers, and validate the state (reload does both while it
// compiles). where locates an entity in a loaded Policy, for errors; it is
// nil for a stream. early and streamed, if not nil, are the compiles of
// the state's tables and users, started while the users streamed in.
func loadState(ctx context.Context, s Store, clock func() time.Time) (st *state, where func(EntityKind, string) string, early *pendingTables, streamed *streamedUsers, err error) {
	if sl, ok := s.(StreamLoader); ok {
		st = newEmptyState()
		st.clock = clock // before the users' compile starts
		var users userSlab
		var roles intern.Lists[RoleID]
		var groups intern.Lists[GroupID]
		// The tables are compiled while the users stream in, from the
		// entities that came before the first user, and the users batch by
		// batch (compile_stream.go); an entity that comes after the first
		// user (but stored ownership, which neither reads) is held back and
		// the early compile discarded.
		var late []Entity
		reserve := func(kind EntityKind, n int) {
			if early == nil || kind == EntityOwnership {
				st.reserve(kind, n) // not the tables the early compiles use
			}
		}
		begin := func() {
			if early == nil {
				early = startTables(st)
				streamed = streamUsers(st, early)
			}
		}
		rev, err := sl.LoadEach(ctx, reserve, func(e Entity) error {
			if e == nil {
				return &Error{Op: "load", Msg: "the store returned a nil entity", Err: ErrInvalid}
			}
			switch u := e.(type) {
			case User:
				begin()
				u.Roles = roles.Own(u.Roles)
				u.Groups = groups.Own(u.Groups)
				st.loadOrder = append(st.loadOrder, users.add(u)) // indexed by indexUsers
				streamed.sendFrom(st.loadOrder, false)
				return nil
			case *User:
				if u == nil {
					return &Error{Op: "load", Msg: "the store's LoadEach handed over a nil *User; a StreamLoader must pass a User or a non-nil *User", Err: ErrInvalid}
				}
				begin()
				st.loadOrder = append(st.loadOrder, u) // handed over: kept as it is, lists too
				streamed.sendFrom(st.loadOrder, false)
				return nil
			}
			if early != nil && e.EntityKind() != EntityOwnership {
				late = append(late, e)
				return nil
			}
			st.put(e)
			return nil
		})
		if early != nil {
			streamed.close(st.loadOrder)
			if err != nil || len(late) > 0 {
				// Both read st: done before st changes or is dropped.
				streamed.wait()
				early.wait()
				early, streamed = nil, nil
				clear(st.users) // filled by streamed: indexUsers fills it again
			}
		}
		if err != nil {
			return nil, nil, nil, nil, err
		}
		for _, e := range late {
			st.put(e)
		}
		st.rev = rev
	} else {
		p, rev, err := s.Load(ctx)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		st = stateOwning(p, rev) // Load's policy is ours to keep
		st.clock = clock
		where = p.Where
		st.loadOrder = make([]*User, len(p.Users))
		for i := range p.Users {
			st.loadOrder[i] = &p.Users[i]
		}
	}
	return st, where, early, streamed, nil
}

// indexUsers fills the user table of a state fresh from loadState, which
// lists its users in loadOrder only, unless a load's workers filled it
// (streamUsers). It reports false if a user was listed twice; the table
// then holds the last of each, and loadOrder must not be used.
func (st *state) indexUsers() bool {
	if len(st.users) == 0 {
		st.fillUsers()
	}
	if len(st.users) == len(st.loadOrder) {
		return true
	}
	// The workers filled the table batch by batch in whatever order they
	// finished: fill it again in load order, so that the last listing
	// stays.
	clear(st.users)
	st.fillUsers()
	return false
}

func (st *state) fillUsers() {
	for _, u := range st.loadOrder {
		st.users[u.ID] = u
	}
}

// invalidLoad is the error of a load whose policy validation rejected.
func invalidLoad(st *state, errs []error) error {
	return &Error{Op: "load", Msg: fmt.Sprintf("the stored policy at revision %d is not valid", st.rev), Err: errors.Join(errs...)}
}

// reserve sizes the (empty) table of a kind for n entities.
func (st *state) reserve(kind EntityKind, n int) {
	if n <= 0 {
		return
	}
	switch kind {
	case EntityAccountType:
		reserveMap(&st.accountTypes, n)
	case EntityPermission:
		reserveMap(&st.permissions, n)
	case EntityRole:
		reserveMap(&st.roles, n)
	case EntityGroup:
		reserveMap(&st.groups, n)
	case EntityWorkgroup:
		reserveMap(&st.workgroups, n)
	case EntityUser:
		reserveMap(&st.users, n)
		if st.loadOrder == nil {
			st.loadOrder = make([]*User, 0, n)
		}
	case EntityConstraint:
		reserveMap(&st.constraints, n)
	case EntityApproval:
		reserveMap(&st.approvals, n)
	case EntityCampaign:
		reserveMap(&st.campaigns, n)
	case EntityOwnershipRule:
		reserveMap(&st.ownershipRules, n)
	case EntityOwnership:
		reserveMap(&st.ownerships, n)
	}
}

// reserveMap replaces an empty map with one sized for n entries.
func reserveMap[K comparable, V any](m *map[K]V, n int) {
	if len(*m) == 0 {
		*m = make(map[K]V, n)
	}
}

// userSlab hands out Users carved from chunks, so that loading a million
// users takes a thousand allocations instead of a million. Only loads use
// it: a chunk stays alive while any of its users does, which costs nothing
// when users arrive together but would pin a chunk per changed user if
// writes used it.
type userSlab struct{ chunk []User }

const userChunk = 1024

func (s *userSlab) add(u User) *User {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]User, 0, userChunk)
	}
	s.chunk = append(s.chunk, u)
	return &s.chunk[len(s.chunk)-1]
}
