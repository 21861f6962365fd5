package rbac_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// TestApplyRefusesPointerValues: a Change whose value is a pointer (nil or
// not) is ErrInvalid through Authorizer.Apply, never a panic.
func TestApplyRefusesPointerValues(t *testing.T) {
	ctx := context.Background()
	a, err := rbac.New(ctx, memstore.New(), rbac.WithoutFollow())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var nilRole *rbac.Role
	tests := []struct {
		name   string
		change rbac.Change
	}{
		{"nil pointer", rbac.Change{Kind: rbac.EntityRole, Key: "r", After: nilRole}},
		{"pointer", rbac.Change{Kind: rbac.EntityRole, Key: "r", After: &rbac.Role{ID: "r"}}},
		{"pointer of another kind", rbac.Change{Kind: rbac.EntityUser, Key: "u", After: &rbac.User{ID: "u"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{tt.change}})
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Fatalf("Apply = %v, want ErrInvalid", err)
			}
			if rev := a.Snapshot().Revision(); rev != 0 {
				t.Fatalf("revision %d after a refused change, want 0", rev)
			}
		})
	}
}
