package rbac

import "context"

// ApplyAsElevation writes changes as the actor's invocation of elevation
// id would be judged (the allowance of Elevate and EndElevation), so that
// tests can show the allowance admits nothing but the elevation's rows.
func (ad *Admin) ApplyAsElevation(ctx context.Context, id string, changes ...Change) (Revision, error) {
	el, ok := ad.a.elevation(id)
	if !ok {
		return 0, &Error{Op: "test", Kind: EntityElevation, ID: id, Err: ErrNotFound}
	}
	return ad.apply(ctx, adminWrite{reason: "elevation test", ownReason: "elevation test", changes: changes, elevation: &el})
}
