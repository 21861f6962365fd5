package rbac

import (
	"fmt"
	"slices"
)

// Approval names changes that need a second person (four-eyes): a change
// set that matches it is refused when applied directly (Admin.Apply and
// every Admin write but rbac.System's) and must be proposed
// (Admin.Propose) and approved by someone else (Admin.Approve). A change
// set matches when it lets anyone newly reach a sensitive permission
// (Sensitive), relaxes a rule (Relaxations; see Admin: deleting or
// loosening an approval is one), or changes one of Roles or Groups or
// their members: the role or group itself, a user's assignment of the
// role or membership of the group, a group's list of roles gaining or
// losing the role. It also matches every change set made by an actor
// authorized for one of MadeBy (through any route: directly, a group, an
// account type's defaults, containment, a running timed assignment),
// whatever the set changes. The approvals in force before the change
// decide, and so does what the actor holds before it.
type Approval struct {
	Name        string    `yaml:"name"`
	Sensitive   bool      `yaml:"sensitive,omitempty"`
	Relaxations bool      `yaml:"relaxations,omitempty"`
	Roles       []RoleID  `yaml:"roles,omitempty"`
	Groups      []GroupID `yaml:"groups,omitempty"`
	MadeBy      []RoleID  `yaml:"made_by,omitempty"`
}

// EntityApproval is the entity kind of an Approval.
const EntityApproval EntityKind = "approval"

// Clone returns a deep copy.
func (a Approval) Clone() Approval {
	a.Roles = slices.Clone(a.Roles)
	a.Groups = slices.Clone(a.Groups)
	a.MadeBy = slices.Clone(a.MadeBy)
	return a
}

// matchesNothing reports whether a names nothing that needs approval.
func (a Approval) matchesNothing() bool {
	return !a.Sensitive && !a.Relaxations && len(a.Roles) == 0 && len(a.Groups) == 0 && len(a.MadeBy) == 0
}

func (a Approval) EntityKind() EntityKind { return EntityApproval }
func (a Approval) EntityKey() string      { return a.Name }
func (a Approval) cloneEntity() Entity    { return a.Clone() }

// PutApproval creates or replaces an approval entry.
func PutApproval(a Approval) Change { return put(a) }

// DeleteApproval removes an approval entry: a relaxation.
func DeleteApproval(name string) Change { return Change{Kind: EntityApproval, Key: name} }

func (v *validator) approvals() {
	st := v.st
	for _, name := range sortedKeys(st.approvals) {
		a := st.approvals[name]
		v.id(EntityApproval, name, "name", name)
		if a.matchesNothing() {
			v.add(ErrInvalid, EntityApproval, name, "matches nothing: set sensitive or relaxations, or list roles, groups or made_by")
		}
		for _, list := range []struct {
			field string
			roles []RoleID
		}{{"roles", a.Roles}, {"made_by", a.MadeBy}} {
			seenRoles := map[RoleID]bool{}
			for _, r := range list.roles {
				if _, ok := st.roles[r]; !ok {
					v.addAt(ErrNotFound, EntityApproval, name, list.field, string(r), "%s: role %q does not exist%s", list.field, r, v.near(EntityRole, string(r)))
				} else if seenRoles[r] {
					v.addAt(ErrInvalid, EntityApproval, name, list.field, string(r), "%s: role %q is listed twice", list.field, r)
				}
				seenRoles[r] = true
			}
		}
		seenGroups := map[GroupID]bool{}
		for _, g := range a.Groups {
			if _, ok := st.groups[g]; !ok {
				v.add(ErrNotFound, EntityApproval, name, "group %q does not exist", g)
			} else if seenGroups[g] {
				v.add(ErrInvalid, EntityApproval, name, "group %q is listed twice", g)
			}
			seenGroups[g] = true
		}
	}
}

// approvalCascade returns the changes that deleting a role or group
// implies for the approvals naming it: the id leaves the list, and an
// entry left matching nothing is deleted.
func (st *state) approvalCascade(role RoleID, group GroupID) []Change {
	var out []Change
	for _, k := range sortedKeys(st.approvals) {
		a := st.approvals[k]
		if !(role != "" && (slices.Contains(a.Roles, role) || slices.Contains(a.MadeBy, role)) || group != "" && slices.Contains(a.Groups, group)) {
			continue
		}
		a = a.Clone()
		if role != "" {
			a.Roles = without(a.Roles, role)
			a.MadeBy = without(a.MadeBy, role)
		}
		if group != "" {
			a.Groups = without(a.Groups, group)
		}
		if a.matchesNothing() {
			out = append(out, DeleteApproval(a.Name))
		} else {
			out = append(out, PutApproval(a))
		}
	}
	return out
}

// loosenedApproval says how an approval entry was loosened, or "".
func loosenedApproval(old Approval, now Entity) string {
	if now == nil {
		return "deleting an approval entry"
	}
	a := now.(Approval)
	switch {
	case old.Sensitive && !a.Sensitive:
		return "no longer requiring approval of sensitive gains"
	case old.Relaxations && !a.Relaxations:
		return "no longer requiring approval of relaxations"
	}
	for _, r := range old.Roles {
		if !slices.Contains(a.Roles, r) {
			return fmt.Sprintf("taking role %q out of it", r)
		}
	}
	for _, g := range old.Groups {
		if !slices.Contains(a.Groups, g) {
			return fmt.Sprintf("taking group %q out of it", g)
		}
	}
	for _, r := range old.MadeBy {
		if !slices.Contains(a.MadeBy, r) {
			return fmt.Sprintf("no longer requiring approval of changes made by role %q", r)
		}
	}
	return ""
}

// fourEyes finds the approval entries in force before the set that the
// set matches, from what the judgement computed (its sensitive gains, its
// relaxations, the entities it changes), into ev.approvals; unless
// approved, a match refuses the set.
func (j *judgement) fourEyes(approved bool) error {
	var first, why string
	for _, a := range j.ev.before.src.approvals {
		w := j.approvalMatch(a)
		if w == "" {
			continue
		}
		if first == "" {
			first, why = a.Name, w
		}
		j.ev.approvals = append(j.ev.approvals, a.Name)
	}
	if first == "" || approved {
		return nil
	}
	return j.ad.forbid("the change needs approval by a second person (approval %s: %s): propose it with Admin.Propose for another administrator to approve", quoteShort(first), why)
}

// approvalMatch says how the set matches a, or "".
func (j *judgement) approvalMatch(a Approval) string {
	if a.Sensitive && j.sensitiveG != nil {
		return fmt.Sprintf("it lets %s newly reach sensitive permission %s", j.sensitiveG.user, j.sensitiveG)
	}
	if a.Relaxations && j.relaxed != "" {
		return j.relaxed
	}
	for _, r := range a.Roles {
		if w := j.touchesRole(r); w != "" {
			return w
		}
	}
	for _, g := range a.Groups {
		if w := j.touchesGroup(g); w != "" {
			return w
		}
	}
	for _, r := range a.MadeBy {
		if j.actorHolds(r) {
			return fmt.Sprintf("it is made by an actor holding role %s", quoteShort(string(r)))
		}
	}
	return ""
}

// actorHolds reports whether the actor is authorized for role r before
// the set, through any route (a running timed assignment included): a
// principal's record is the one its token gives (see AdminAs).
func (j *judgement) actorHolds(r RoleID) bool {
	s := j.ev.before
	i, ok := s.roles.idx[r]
	return ok && s.profileNow(j.r.rec).roles.Has(int(i))
}

// roleHolding lists how entity e (a user, a group or an account type)
// confers role r: "direct" for a listed role, and each timed window in which
// a user holds it. The set changes r's holders where the lists differ, so
// extending a timed assignment counts as much as giving the role.
func roleHolding(e Entity, r RoleID) []string {
	var roles []RoleID
	var timed []TimedAssignment
	switch v := e.(type) {
	case User:
		roles, timed = v.Roles, v.Temporary
	case Group:
		roles = v.Roles
	case AccountTypeDef:
		roles = v.DefaultRoles
	}
	var out []string
	if slices.Contains(roles, r) {
		out = append(out, "direct")
	}
	for _, ta := range timed {
		if ta.Role == r {
			out = append(out, ta.From.String()+".."+ta.Until.String())
		}
	}
	return out
}

// groupHolding: roleHolding for a user's membership of group g.
func groupHolding(e Entity, g GroupID) []string {
	u, ok := e.(User)
	if !ok {
		return nil
	}
	var out []string
	if slices.Contains(u.Groups, g) {
		out = append(out, "direct")
	}
	for _, ta := range u.Temporary {
		if ta.Group == g {
			out = append(out, ta.From.String()+".."+ta.Until.String())
		}
	}
	return out
}

// touchesRole says how the set changes role r or who holds it directly:
// the role itself, a user's assignment of it (timed ones included), a
// group's or an account type's list of roles gaining or losing it; else "".
func (j *judgement) touchesRole(r RoleID) string {
	for _, ref := range j.net.refs {
		if ref.kind == EntityRole {
			if RoleID(ref.key) == r {
				return fmt.Sprintf("it changes role %s", quoteShort(string(r)))
			}
			continue
		}
		if slices.Equal(roleHolding(j.net.before[ref], r), roleHolding(j.net.after[ref], r)) {
			continue
		}
		switch ref.kind {
		case EntityUser:
			return fmt.Sprintf("it changes whether user %s holds role %s", quoteShort(ref.key), quoteShort(string(r)))
		case EntityGroup:
			return fmt.Sprintf("it changes whether group %s confers role %s", quoteShort(ref.key), quoteShort(string(r)))
		case EntityAccountType:
			return fmt.Sprintf("it changes whether account type %s confers role %s", quoteShort(ref.key), quoteShort(string(r)))
		}
	}
	return ""
}

// touchesGroup says how the set changes group g or its members: the group
// itself (its roles, managers, anything), a user's membership (timed ones
// included); else "".
func (j *judgement) touchesGroup(g GroupID) string {
	for _, ref := range j.net.refs {
		switch ref.kind {
		case EntityGroup:
			if GroupID(ref.key) == g {
				return fmt.Sprintf("it changes group %s", quoteShort(string(g)))
			}
		case EntityUser:
			if !slices.Equal(groupHolding(j.net.before[ref], g), groupHolding(j.net.after[ref], g)) {
				return fmt.Sprintf("it changes whether user %s is a member of group %s", quoteShort(ref.key), quoteShort(string(g)))
			}
		}
	}
	return ""
}
