package pgxcopy

import (
	"context"
	"errors"
	"testing"
)

// A connection that is not pgx's is declined before anything is read, so
// that sqlstore writes the rows with INSERTs. Copying on pgx's connection is
// tested against PostgreSQL in the integration module (TestContractCopy,
// TestCopyFailure).
func TestDeclinesOtherConnections(t *testing.T) {
	read := false
	rows := func(yield func([]any) bool) { read = true }
	err := CopyFrom(context.Background(), struct{}{}, "rbac_users", []string{"id"}, rows)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CopyFrom on a struct{}: %v, want an error wrapping errors.ErrUnsupported", err)
	}
	if read {
		t.Errorf("CopyFrom read rows from a connection it declined")
	}
}
