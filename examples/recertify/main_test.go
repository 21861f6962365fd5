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
	want := `sam applies: admin user "sam": the change needs approval by a second person (approval "permitting-members": it changes whether user "ron" is a member of group "permitting"): propose it with Admin.Propose for another administrator to approve (forbidden)
proposal: pending, matches [permitting-members], ron gains [permit.write@global]
sam approves his own: admin user "sam": sam proposed "<id>": a proposal needs a second person to approve it (forbidden)
revision 2 by sue, proposed by sam: "ticket 42 (approved: checked with the permitting lead)"
before the due date:
campaign,due,user,group,role,decision,by,at
2027-q1,2027-03-31T00:00:00Z,pat,permitting,,keep,mia,2027-03-01T09:00:00Z
2027-q1,2027-03-31T00:00:00Z,quinn,permitting,,remove,sam,2027-03-01T09:00:00Z
2027-q1,2027-03-31T00:00:00Z,ron,,inspector,pending,,
2027-q1,2027-03-31T00:00:00Z,ron,permitting,,pending,,
at the due date: campaign.2027-q1 by rbac.system changes quinn ron
pat permit.write: allowed (granted, global)
quinn permit.write: denied (no_grant)
ron permit.write: denied (no_grant)
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
