// Command recertify shows the two people and the calendar of ISO 27001
// control 5.18: adding a member to the permitting group needs a second
// administrator (four eyes), and a quarterly campaign removes, at its due
// date, the access nobody attested to keep.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/memstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "recertify:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}
	store := memstore.New()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return err
	}
	// A clock the example moves: a month before the campaign is due.
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	a, err := rbac.New(ctx, store, rbac.WithClock(func() time.Time { return *clock.Load() }), rbac.WithHeartbeat(10*time.Millisecond))
	if err != nil {
		return err
	}
	defer a.Close()

	// Sam adds ron to the permitting group: refused directly...
	add := rbac.PutUser(rbac.User{ID: "ron", AccountType: "internal", Roles: []rbac.RoleID{"inspector"}, Groups: []rbac.GroupID{"permitting"}})
	_, err = a.Admin("sam").Apply(ctx, "ticket 42", add)
	fmt.Fprintln(w, "sam applies:", err)
	// ...so he proposes it, and sue approves it.
	prop, err := a.Admin("sam").Propose(ctx, "ticket 42", add)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "proposal: %s, matches %v, ron gains %v\n", prop.State, prop.Approvals, prop.Preview[0].Gained)
	_, err = a.Admin("sam").Approve(ctx, prop.ID, "")
	fmt.Fprintln(w, "sam approves his own:", strings.ReplaceAll(err.Error(), prop.ID, "<id>"))
	rev, err := a.Admin("sue").Approve(ctx, prop.ID, "checked with the permitting lead")
	if err != nil {
		return err
	}
	sets, _ := store.Changes(ctx, rev-1)
	fmt.Fprintf(w, "revision %d by %s, proposed by %s: %q\n", rev, sets[0].Actor, sets[0].ProposedBy, sets[0].Reason)

	// The quarterly review: mia keeps pat, sam lets quinn go; nobody
	// reviews ron yet.
	if err := a.Admin("mia").Attest(ctx, "2027-q1", "pat", true); err != nil {
		return err
	}
	if err := a.Admin("sam").Attest(ctx, "2027-q1", "quinn", false); err != nil {
		return err
	}
	rows, err := a.Admin("sam").CampaignReport(ctx, "2027-q1")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "before the due date:")
	if err := rbac.WriteCampaignCSV(w, rows); err != nil {
		return err
	}

	// The due date passes: the authorizer's follow loop removes what was
	// not kept, as rbac.System, without any call.
	before := a.Snapshot().Revision()
	due := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	clock.Store(&due)
	for deadline := time.Now().Add(5 * time.Second); a.Snapshot().Revision() == before; {
		if time.Now().After(deadline) {
			return fmt.Errorf("the campaign was not closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sets, _ = store.Changes(ctx, before)
	fmt.Fprintf(w, "at the due date: %s by %s changes", sets[0].ID, sets[0].Actor)
	for _, c := range sets[0].Changes {
		fmt.Fprintf(w, " %s", c.Key)
	}
	fmt.Fprintln(w)
	for _, u := range []rbac.UserID{"pat", "quinn", "ron"} {
		d := a.Snapshot().Check(rbac.Request{User: u, Permission: "permit.write"})
		fmt.Fprintf(w, "%s permit.write: %s\n", u, d)
	}
	return nil
}
