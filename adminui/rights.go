package adminui

import (
	"slices"

	"github.com/rolegraph/rbac"
)

// rights is what the console offers an actor. It decides only what is
// shown; every change is still judged by the Admin API, which refuses what
// the rules do not allow.
//
// Reading the model (roles, groups, users, the catalogue) needs one of the
// administration permissions at scope global or wider; History and the
// access review need rbac.audit.read. A delegated manager (a group's
// manager with none of these) sees only the groups they manage, with
// their members, and may only add and remove members.
type rights struct {
	actor     rbac.UserID
	principal *rbac.User // set when the actor is a principal from a token
	Roles     bool       // rbac.roles.manage
	Groups    bool       // rbac.groups.manage
	Users     bool       // rbac.users.manage
	Audit     bool       // rbac.audit.read
	Sensitive bool       // rbac.sensitive.grant
	Manages   []rbac.GroupID
	Records   bool // the model has ownership rules: the records screen
	// Agency: rbac.users.manage at scope workgroup only. The actor sees
	// and administers the users whose workgroups their own cover
	// (Snapshot.CoversUser), and nothing else of the model.
	Agency bool
}

func rightsOf(s *rbac.Snapshot, actor rbac.UserID, principal *rbac.User) rights {
	rt := rights{actor: actor, principal: principal}
	if principal == nil {
		if u, ok := s.User(actor); !ok || u.Disabled {
			return rt
		}
	} else if principal.Disabled {
		return rt
	} else if d := s.Check(rbac.Request{Principal: principal, Permission: rbac.PermUsersManage}); d.Reason == rbac.ReasonInvalidRequest || d.Reason == rbac.ReasonSeparationOfDuty {
		return rt // refused by the model: it manages no group either
	}
	// A principal the snapshot refuses is denied every check: no rights.
	check := func(p rbac.Permission) rbac.Decision {
		return s.Check(rbac.Request{User: actor, Principal: principal, Permission: p})
	}
	holds := func(p rbac.Permission) bool {
		d := check(p)
		return d.Allowed && d.Scope.Covers(rbac.ScopeGlobal)
	}
	rt.Roles = holds(rbac.PermRolesManage)
	rt.Groups = holds(rbac.PermGroupsManage)
	rt.Users = holds(rbac.PermUsersManage)
	rt.Audit = holds(rbac.PermAuditRead)
	rt.Sensitive = holds(rbac.PermSensitiveGrant)
	if d := check(rbac.PermUsersManage); d.Allowed && !rt.Users {
		rt.Agency = d.Scope == rbac.ScopeWorkgroup
	}
	rt.Records = len(s.OwnershipRules()) > 0
	for _, g := range s.Groups() {
		if slices.Contains(g.Managers, actor) {
			rt.Manages = append(rt.Manages, g.ID)
		}
	}
	return rt
}

// Reader: may read the whole model.
func (rt rights) Reader() bool { return rt.Roles || rt.Groups || rt.Users || rt.Audit }

// Delegate: manages groups without reading the whole model.
func (rt rights) Delegate() bool { return !rt.Reader() && len(rt.Manages) > 0 }

// UsersPage: the users screen is offered.
func (rt rights) UsersPage() bool { return rt.Reader() || rt.Agency }

func (rt rights) any() bool { return rt.Reader() || rt.Agency || len(rt.Manages) > 0 }

// mayReadUser: readers see every user; an agency user manager the users
// their workgroups cover.
func (rt rights) mayReadUser(s *rbac.Snapshot, u rbac.UserID) bool {
	return rt.Reader() || rt.Agency && rt.covers(s, u)
}

// covers reports whether the actor's workgroups cover user u's
// (Snapshot.CoversUser).
func (rt rights) covers(s *rbac.Snapshot, u rbac.UserID) bool {
	if rt.principal != nil {
		return s.CoversUserPrincipal(rt.principal, u)
	}
	return s.CoversUser(rt.actor, u)
}

// coveredBy sets the query's filter to the users the actor covers.
func (rt rights) coveredBy(q *rbac.UserQuery) {
	if rt.principal != nil {
		q.CoveredByPrincipal = rt.principal
	} else {
		q.CoveredBy = rt.actor
	}
}

// mayChangeUser: what the user pages offer to change.
func (rt rights) mayChangeUser(s *rbac.Snapshot, u rbac.UserID) bool {
	return rt.Users || rt.Agency && rt.covers(s, u)
}

// manages reports whether the actor manages group g.
func (rt rights) manages(g rbac.GroupID) bool { return slices.Contains(rt.Manages, g) }

// mayReadGroup: readers see every group, a delegate only theirs.
func (rt rights) mayReadGroup(g rbac.GroupID) bool { return rt.Reader() || rt.manages(g) }

// Actor is the person the page is for.
func (rt rights) Actor() rbac.UserID { return rt.actor }

// canSetOwners: Snapshot.CanSetOwners for the actor.
func (rt rights) canSetOwners(s *rbac.Snapshot, kind string) bool {
	if rt.principal != nil {
		return s.CanSetOwnersPrincipal(*rt.principal, kind)
	}
	return s.CanSetOwners(rt.actor, kind)
}
