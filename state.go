package rbac

import (
	"cmp"
	"slices"
	"time"
)

// state is a policy indexed by key: the authorizer's mutable source of
// truth, guarded by the authorizer's write lock. Entities are stored by
// value and never aliased with callers' data. Users, by far the most
// numerous, are stored by pointer instead: each User is immutable once
// stored (a change stores a new one), so the compiled records of every
// snapshot point to the same User instead of keeping a copy of their own.
type state struct {
	rev            Revision
	accountTypes   map[AccountType]AccountTypeDef
	permissions    map[Permission]PermissionDef
	roles          map[RoleID]Role
	groups         map[GroupID]Group
	workgroups     map[WorkgroupID]Workgroup
	users          map[UserID]*User // never modified in place: put replaces
	constraints    map[string]Constraint
	approvals      map[string]Approval
	campaigns      map[string]Campaign
	kinds          map[string]Kind
	ownershipRules map[string]OwnershipRule
	ownerships     map[string]Ownership // by OwnershipKey
	elevations     map[string]Elevation
	// loadOrder holds the users in the order a load stored them, which
	// is their order in memory: the load's validation and first compile
	// walk them in it rather than in the map's random order, one cache
	// miss per user fewer. Set by loadState, dropped once the state is
	// compiled (reload), so writes never see it.
	loadOrder []*User
	// clock is where timed assignments read the time (nil: time.Now).
	clock func() time.Time
}

// eachUser calls f with every user: in load order if the state is fresh
// from a load, else in no particular order.
func (st *state) eachUser(f func(*User)) {
	if st.loadOrder != nil {
		for _, u := range st.loadOrder {
			f(u)
		}
		return
	}
	for _, u := range st.users {
		f(u)
	}
}

// userList returns every user: in load order if the state is fresh from
// a load, else in no particular order.
func (st *state) userList() []*User {
	if st.loadOrder != nil {
		return st.loadOrder
	}
	users := make([]*User, 0, len(st.users))
	for _, u := range st.users {
		users = append(users, u)
	}
	return users
}

func newEmptyState() *state {
	return &state{
		accountTypes:   map[AccountType]AccountTypeDef{},
		permissions:    map[Permission]PermissionDef{},
		roles:          map[RoleID]Role{},
		groups:         map[GroupID]Group{},
		workgroups:     map[WorkgroupID]Workgroup{},
		users:          map[UserID]*User{},
		constraints:    map[string]Constraint{},
		approvals:      map[string]Approval{},
		campaigns:      map[string]Campaign{},
		kinds:          map[string]Kind{},
		ownershipRules: map[string]OwnershipRule{},
		ownerships:     map[string]Ownership{},
		elevations:     map[string]Elevation{},
	}
}

// stateOf indexes a copy of p.
func stateOf(p *Policy, rev Revision) *state {
	return stateOwning(p.Clone(), rev)
}

// stateOwning indexes p itself, without a copy: for a policy the caller
// hands over (fresh from Store.Load), or one only read while the state
// lives (Policy.Validate).
func stateOwning(p *Policy, rev Revision) *state {
	st := &state{
		rev:            rev,
		accountTypes:   make(map[AccountType]AccountTypeDef, len(p.AccountTypes)),
		permissions:    make(map[Permission]PermissionDef, len(p.Permissions)),
		roles:          make(map[RoleID]Role, len(p.Roles)),
		groups:         make(map[GroupID]Group, len(p.Groups)),
		workgroups:     make(map[WorkgroupID]Workgroup, len(p.Workgroups)),
		users:          make(map[UserID]*User, len(p.Users)),
		constraints:    make(map[string]Constraint, len(p.Constraints)),
		approvals:      make(map[string]Approval, len(p.Approvals)),
		campaigns:      make(map[string]Campaign, len(p.Campaigns)),
		kinds:          make(map[string]Kind, len(p.Kinds)),
		ownershipRules: make(map[string]OwnershipRule, len(p.OwnershipRules)),
		ownerships:     make(map[string]Ownership, len(p.Ownerships)),
		elevations:     make(map[string]Elevation, len(p.Elevations)),
	}
	for _, v := range p.AccountTypes {
		st.accountTypes[v.ID] = v
	}
	for _, v := range p.Permissions {
		st.permissions[v.Name] = v
	}
	for _, v := range p.Roles {
		st.roles[v.ID] = v
	}
	for _, v := range p.Groups {
		st.groups[v.ID] = v
	}
	for _, v := range p.Workgroups {
		st.workgroups[v.ID] = v
	}
	for i := range p.Users {
		st.users[p.Users[i].ID] = &p.Users[i] // p is ours: its array holds the users
	}
	for _, v := range p.Constraints {
		st.constraints[v.Name] = v
	}
	for _, v := range p.Approvals {
		st.approvals[v.Name] = v
	}
	for _, v := range p.Campaigns {
		st.campaigns[v.ID] = v
	}
	for _, v := range p.Kinds {
		st.kinds[v.Name] = v
	}
	for _, v := range p.OwnershipRules {
		st.ownershipRules[v.Kind] = v
	}
	for _, v := range p.Ownerships {
		st.ownerships[OwnershipKey(v.Kind, v.ID)] = v
	}
	for _, v := range p.Elevations {
		st.elevations[v.ID] = v
	}
	return st
}

// get returns the entity of that kind and key, or nil.
func (st *state) get(kind EntityKind, key string) Entity {
	var e Entity
	var ok bool
	switch kind {
	case EntityAccountType:
		e, ok = st.accountTypes[AccountType(key)]
	case EntityPermission:
		e, ok = st.permissions[Permission(key)]
	case EntityRole:
		e, ok = st.roles[RoleID(key)]
	case EntityGroup:
		e, ok = st.groups[GroupID(key)]
	case EntityWorkgroup:
		e, ok = st.workgroups[WorkgroupID(key)]
	case EntityUser:
		var u *User
		if u, ok = st.users[UserID(key)]; ok {
			e = *u
		}
	case EntityConstraint:
		e, ok = st.constraints[key]
	case EntityApproval:
		e, ok = st.approvals[key]
	case EntityCampaign:
		e, ok = st.campaigns[key]
	case EntityResourceKind:
		e, ok = st.kinds[key]
	case EntityOwnershipRule:
		e, ok = st.ownershipRules[key]
	case EntityOwnership:
		e, ok = st.ownerships[key]
	case EntityElevation:
		e, ok = st.elevations[key]
	}
	if !ok {
		return nil
	}
	return e
}

// put stores e (the caller passes a value it no longer aliases).
func (st *state) put(e Entity) {
	switch v := e.(type) {
	case AccountTypeDef:
		st.accountTypes[v.ID] = v
	case PermissionDef:
		st.permissions[v.Name] = v
	case Role:
		st.roles[v.ID] = v
	case Group:
		st.groups[v.ID] = v
	case Workgroup:
		st.workgroups[v.ID] = v
	case User:
		st.users[v.ID] = &v
	case Constraint:
		st.constraints[v.Name] = v
	case Approval:
		st.approvals[v.Name] = v
	case Campaign:
		st.campaigns[v.ID] = v
	case Kind:
		st.kinds[v.Name] = v
	case OwnershipRule:
		st.ownershipRules[v.Kind] = v
	case Ownership:
		st.ownerships[OwnershipKey(v.Kind, v.ID)] = v
	case Elevation:
		st.elevations[v.ID] = v
	}
}

// remove deletes the entity of that kind and key, if present.
func (st *state) remove(kind EntityKind, key string) {
	switch kind {
	case EntityAccountType:
		delete(st.accountTypes, AccountType(key))
	case EntityPermission:
		delete(st.permissions, Permission(key))
	case EntityRole:
		delete(st.roles, RoleID(key))
	case EntityGroup:
		delete(st.groups, GroupID(key))
	case EntityWorkgroup:
		delete(st.workgroups, WorkgroupID(key))
	case EntityUser:
		delete(st.users, UserID(key))
	case EntityConstraint:
		delete(st.constraints, key)
	case EntityApproval:
		delete(st.approvals, key)
	case EntityCampaign:
		delete(st.campaigns, key)
	case EntityResourceKind:
		delete(st.kinds, key)
	case EntityOwnershipRule:
		delete(st.ownershipRules, key)
	case EntityOwnership:
		delete(st.ownerships, key)
	case EntityElevation:
		delete(st.elevations, key)
	}
}

// applyChange performs one change without any check.
func (st *state) applyChange(c Change) {
	if c.After == nil {
		st.remove(c.Kind, c.Key)
		return
	}
	st.put(CloneEntity(c.After))
}

// undo reverts changes applied by applyChange, newest first, using their
// Before images.
func (st *state) undo(changes []Change) {
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if c.Before == nil {
			st.remove(c.Kind, c.Key)
		} else {
			st.put(CloneEntity(c.Before))
		}
	}
}

// policy returns the state as a Policy, sorted by key so that output is
// deterministic.
func (st *state) policy() *Policy {
	p := &Policy{}
	for _, k := range sortedKeys(st.accountTypes) {
		p.AccountTypes = append(p.AccountTypes, st.accountTypes[k].Clone())
	}
	for _, k := range sortedKeys(st.permissions) {
		p.Permissions = append(p.Permissions, st.permissions[k].Clone())
	}
	for _, k := range sortedKeys(st.roles) {
		p.Roles = append(p.Roles, st.roles[k].Clone())
	}
	for _, k := range sortedKeys(st.groups) {
		p.Groups = append(p.Groups, st.groups[k].Clone())
	}
	for _, k := range sortedKeys(st.workgroups) {
		p.Workgroups = append(p.Workgroups, st.workgroups[k].Clone())
	}
	for _, k := range sortedKeys(st.users) {
		p.Users = append(p.Users, st.users[k].Clone())
	}
	for _, k := range sortedKeys(st.constraints) {
		p.Constraints = append(p.Constraints, st.constraints[k].Clone())
	}
	for _, k := range sortedKeys(st.approvals) {
		p.Approvals = append(p.Approvals, st.approvals[k].Clone())
	}
	for _, k := range sortedKeys(st.campaigns) {
		p.Campaigns = append(p.Campaigns, st.campaigns[k].Clone())
	}
	for _, k := range sortedKeys(st.kinds) {
		p.Kinds = append(p.Kinds, st.kinds[k].Clone())
	}
	for _, k := range sortedKeys(st.ownershipRules) {
		p.OwnershipRules = append(p.OwnershipRules, st.ownershipRules[k].Clone())
	}
	for _, k := range sortedKeys(st.ownerships) {
		p.Ownerships = append(p.Ownerships, st.ownerships[k].Clone())
	}
	for _, k := range sortedKeys(st.elevations) {
		p.Elevations = append(p.Elevations, st.elevations[k].Clone())
	}
	return p
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sortedValues returns m's values in the order of their keys.
func sortedValues[K cmp.Ordered, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
