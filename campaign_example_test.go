package rbac_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

// A quarterly review: the group's manager keeps one member, a user
// manager lets an inspector go, one member is not reviewed yet. The
// report is what an auditor receives; at Due the follow loop removes
// what is not kept.
func ExampleAdmin_CampaignReport() {
	ctx := context.Background()
	p, _ := rbac.LoadPolicy(strings.NewReader(campaignPolicy))
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		panic(err)
	}
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	a, _ := rbac.New(ctx, store, rbac.WithClock(func() time.Time { return now }))
	defer a.Close()
	fmt.Println(a.Admin("mia").Attest(ctx, "2027-q1", "pat", true))
	fmt.Println(a.Admin("uma").Attest(ctx, "2027-q1", "ron", false))
	// root holds rbac.audit.read through "*@all".
	rows, err := a.Admin("root").CampaignReport(ctx, "2027-q1")
	if err != nil {
		panic(err)
	}
	rbac.WriteCampaignCSV(os.Stdout, rows)
	// Output:
	// <nil>
	// <nil>
	// campaign,due,user,group,role,decision,by,at
	// 2027-q1,2027-03-31T00:00:00Z,pat,permitting,,keep,mia,2027-03-01T09:00:00Z
	// 2027-q1,2027-03-31T00:00:00Z,quinn,permitting,,pending,,
	// 2027-q1,2027-03-31T00:00:00Z,ron,,inspector,remove,uma,2027-03-01T09:00:00Z
	// 2027-q1,2027-03-31T00:00:00Z,sal,,inspector,pending,,
	// 2027-q1,2027-03-31T00:00:00Z,sal,permitting,,pending,,
}
