package rbac_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// failingLoad is a store whose Load fails.
type failingLoad struct{ rbac.Store }

func (failingLoad) Load(context.Context) (*rbac.Policy, rbac.Revision, error) {
	return nil, 0, &rbac.Error{Op: "load", Msg: "the database is down", Err: rbac.ErrUnavailable}
}

// TestImportInvalid: Import validates the policy while it reads the store;
// an invalid policy writes nothing, and its error is the one returned even
// when nothing differs or the store cannot be read.
func TestImportInvalid(t *testing.T) {
	ctx := context.Background()
	invalid := &rbac.Policy{Users: []rbac.User{{ID: "alice", Roles: []rbac.RoleID{"no-such-role"}}}}
	wantErr := invalid.Validate()
	if wantErr == nil {
		t.Fatal("the invalid policy validates")
	}
	isValidation := func(err error) bool { return err != nil && err.Error() == wantErr.Error() }

	s := memstore.New()
	if _, err := rbac.Import(ctx, s, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy: %v, want %v", err, wantErr)
	}
	if _, rev, err := s.Load(ctx); err != nil || rev != 0 {
		t.Errorf("after the invalid import: revision %d, %v; want 0: nothing written", rev, err)
	}

	// The store holds what the invalid policy holds: nothing differs, and
	// still the policy is refused.
	if _, err := s.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutUser(invalid.Users[0])}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.Import(ctx, s, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy the store already holds: %v, want %v", err, wantErr)
	}

	if _, err := rbac.Import(ctx, failingLoad{memstore.New()}, invalid); !isValidation(err) {
		t.Errorf("Import of an invalid policy into a store that cannot load: %v, want %v", err, wantErr)
	}
	valid := &rbac.Policy{Users: []rbac.User{{ID: "alice"}}}
	if _, err := rbac.Import(ctx, failingLoad{memstore.New()}, valid); !errors.Is(err, rbac.ErrUnavailable) {
		t.Errorf("Import of a valid policy into a store that cannot load: %v, want ErrUnavailable", err)
	}
}
