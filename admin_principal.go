package rbac

import "fmt"

// AdminAs returns the administration interface for an actor that is a
// principal (see Request.Principal): a user the service vouches for, whose
// account type, org, roles, groups and workgroups come from its identity
// provider's token rather than from the store. It is judged exactly as a
// stored user with the same fields would be, by every rule of Admin, and
// its change sets are audited under its id (ChangeSet.Actor): history does
// not record that the actor was a principal, so a service whose
// administrators come from tokens should not reuse their ids for stored
// users. When a stored user has the principal's id, the principal's fields
// are used, not the stored ones.
//
// A principal that cannot be an actor is refused before anything about the
// model is revealed: a nil principal, an id that is not an identifier or
// is reserved (rbac.system, "rbac.…") is ErrInvalid; a principal the model
// refuses (an unknown role, group, workgroup or account type, a role closed
// to its account type, a static separation-of-duty violation) or a disabled
// one is ErrForbidden. Snapshot.Explain with the principal as
// Request.Principal says what the model refuses.
//
// No lockout, where administrators come from tokens: nobody need be stored,
// so a manage permission (rbac.roles.manage, rbac.groups.manage,
// rbac.users.manage) counts as manageable while an enabled stored user
// exercises it, or a role, a group or an account type's default roles
// confers it at scope global or all to whoever a token gives them. A change
// by a principal after which a manage permission that was manageable is no
// longer so is refused: deleting the last role that confers
// rbac.roles.manage, say, even when no stored user holds it.
func (a *Authorizer) AdminAs(principal *User) *Admin {
	if principal == nil {
		return &Admin{a: a, principal: &User{}, principalErr: &Error{Op: "admin", Kind: EntityUser, Msg: "the principal actor is nil", Err: ErrInvalid}}
	}
	p := principal.Clone()
	ad := &Admin{a: a, actor: p.ID, principal: &p}
	invalid := func(format string, args ...any) *Admin {
		// An actor id that is not an identifier, or is reserved, must not
		// stand for anyone — rbac.system least of all, which skips the rules.
		ad.actor = ""
		ad.principalErr = &Error{Op: "admin", Kind: EntityUser, ID: quoteShort(string(p.ID)), Msg: fmt.Sprintf(format, args...), Err: ErrInvalid}
		return ad
	}
	if err := checkID(string(p.ID)); err != nil {
		return invalid("the principal actor's id: %v", err)
	}
	if reservedUserID(p.ID) {
		return invalid("the principal actor's id is reserved: no user may be %s or start with %q", System, BuiltinPermissionPrefix)
	}
	if p.Org != "" {
		if err := checkID(string(p.Org)); err != nil {
			return invalid("the principal actor's org: %v", err)
		}
	}
	return ad
}

// actorRecord returns the actor's record in s: the stored user, or the
// principal as the model compiles it.
func (ad *Admin) actorRecord(s *Snapshot) (*userRec, error) {
	if ad.principal == nil {
		rec, ok := s.users.Get(string(ad.actor))
		if !ok || rec == nil {
			return nil, ad.forbid("the actor is not a known user")
		}
		return rec, nil
	}
	if ad.principalErr != nil {
		return nil, ad.principalErr
	}
	// The reason only: the problem would name roles and groups of the
	// model, which an actor without rights must not learn.
	rec, reason, _ := s.principalRecord(ad.principal)
	if rec == nil {
		return nil, ad.forbid("the actor, a principal, is refused by the model (%s)", reason)
	}
	return rec, nil
}

// ownersForNew is Snapshot.OwnersForNew for the actor.
func (ad *Admin) ownersForNew(s *Snapshot, kind string, requested []OrgSlug) ([]OrgSlug, error) {
	if ad.principal != nil {
		return s.OwnersForNewPrincipal(*ad.principal, kind, requested)
	}
	return s.OwnersForNew(ad.actor, kind, requested)
}

// lockoutByConferral is the lockout rule where administrators come from
// tokens (see AdminAs).
func (j *judgement) lockoutByConferral() error {
	ev := j.ev
	// Only changes beyond users can change what roles, groups and account
	// types confer; a user losing a manage permission is still a loss.
	onlyUsers := usersOnly(ev.expanded.Changes)
	for i, p := range managePermissions {
		if !j.lostAdmin[i] && (onlyUsers || !j.manageable(ev.before, p)) {
			continue
		}
		if j.manageable(ev.after, p) {
			continue
		}
		return j.ad.forbid("after the change no enabled user, role, group or account type could confer %s at scope global or all (lockout)", p)
	}
	return nil
}

// manageable reports whether, in s, an enabled stored user exercises p at
// scope global or all, or a role (held alone by a principal of an account
// type it allows), a group or an account type's default roles confers it.
func (j *judgement) manageable(s *Snapshot, p Permission) bool {
	confers := func(prof *profile) bool {
		x, ok := j.can[prof]
		if !ok {
			var err error
			if x, err = s.roles.exercisable(prof); err != nil {
				return false // too many constrained roles to enumerate: not counted
			}
			j.can[prof] = x
		}
		return x.canName(p)&adminScopes != 0
	}
	types := append([]AccountType{""}, sortedKeys(s.src.accountTypes)...)
	for i := range s.roles.roles {
		role := &s.roles.roles[i]
		for _, t := range types {
			if (t == "" && len(role.AccountTypes) > 0) || (t != "" && !role.allows(t)) {
				continue
			}
			if confers(j.roleSetProfile(s, []RoleID{role.ID}, true, t)) {
				return true
			}
		}
	}
	for _, id := range sortedKeys(s.src.groups) {
		g := s.src.groups[id]
		if confers(j.roleSetProfile(s, g.Roles, true, g.AccountType)) {
			return true
		}
	}
	for _, id := range sortedKeys(s.src.accountTypes) {
		if confers(j.roleSetProfile(s, s.src.accountTypes[id].DefaultRoles, true, id)) {
			return true
		}
	}
	found := false
	s.users.Range(func(id string, rec *userRec) bool {
		if rec != nil && !rec.user.Disabled {
			x, err := j.exercising(s, id)
			found = err == nil && x != nil && x.canName(p)&adminScopes != 0
		}
		return !found
	})
	return found
}
