package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `cover:
  Mon 4 Jan 08:59:59 dana family_case.read: denied (no_grant)
  Mon 4 Jan 09:00:00 dana family_case.read: allowed (granted, global)
  Fri 8 Jan 16:59:59 dana family_case.read: allowed (granted, global)
  Fri 8 Jan 17:00:00 dana family_case.read: denied (no_grant)
  Sat 9 Jan 09:00:00 dana family_case.read: denied (no_grant)
  revision 1 before, 1 after: the cover ended without a write
incident:
  Sat 9 Jan 22:00:00 ian case.restore: denied (no_grant)
  Sat 9 Jan 22:00:00 ian case.restore: allowed (granted, global)
  Sat 9 Jan 22:40:00 ian case.restore: denied (no_grant)
  elevation incident by ian, Sat 9 Jan 22:00:00 until Sun 10 Jan 00:00:00: "restore case 4711 deleted in error"; ended Sat 9 Jan 22:40:00: "case 4711 restored"
audit:
  Wed 6 Jan 12:00:00 (revision 1) family_case.read: dana eve
  Sat 9 Jan 22:30:00 (revision 2) family_case.read: eve ian
  Mon 11 Jan 09:00:00 (revision 3) family_case.read: eve
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
