package rbac_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// EntityKinds hands out a copy: a caller that sorts or overwrites its
// slice changes nobody else's, and the order every store loads in stays.
func TestEntityKindsIsACopy(t *testing.T) {
	want := rbac.EntityKinds()
	got := rbac.EntityKinds()
	got[0], got[len(got)-1] = got[len(got)-1], "scribbled"
	if diff := cmp.Diff(want, rbac.EntityKinds()); diff != "" {
		t.Errorf("EntityKinds after a caller changed its copy: -want +got\n%s", diff)
	}
	if want[0] != rbac.EntityPermission || len(want) != 13 {
		t.Errorf("EntityKinds() = %v; want the thirteen kinds in dependency order, permissions first", want)
	}
}
