// Command cover shows access that ends by itself: a caseworker covering a
// colleague's caseload for a week, a break-glass elevation during an
// incident, and an auditor asking who could read the family cases on a
// past date. The clock is moved by hand (rbac.WithClock); a service
// leaves the default, time.Now.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/rolegraph/rbac"
	"github.com/rolegraph/rbac/examples/internal/demo"
	"github.com/rolegraph/rbac/memstore"
)

//go:embed policy.yaml
var policyYAML []byte

func main() { demo.Main("cover", run) }

// stamp is how the example prints an instant.
const stamp = "Mon 2 Jan 15:04:05"

func run(w io.Writer) error {
	ctx := context.Background()
	// One clock for the store (it stamps the change log) and the
	// authorizer (it decides which timed assignments hold).
	var clock atomic.Pointer[time.Time]
	at := func(s string) {
		t, _ := time.Parse(time.RFC3339, s)
		clock.Store(&t)
	}
	now := func() time.Time { return *clock.Load() }
	at("2027-01-04T08:00:00Z") // Monday, before the cover starts
	p, err := rbac.LoadPolicy(bytes.NewReader(policyYAML))
	if err != nil {
		return err
	}
	store := memstore.New(memstore.WithClock(now))
	defer store.Close()
	if _, err := rbac.Import(ctx, store, p); err != nil {
		return err
	}
	a, err := rbac.New(ctx, store, rbac.WithClock(now))
	if err != nil {
		return err
	}
	defer a.Close()
	check := func(u rbac.UserID, perm rbac.Permission) {
		d := a.Snapshot().Check(rbac.Request{User: u, Permission: perm})
		fmt.Fprintf(w, "  %s %s %s: %s\n", now().Format(stamp), u, perm, d)
	}

	// 1. Dana covers Eve's caseload from Monday 09:00 until Friday 17:00.
	fmt.Fprintln(w, "cover:")
	written := a.Snapshot().Revision()
	for _, t := range []string{"2027-01-04T08:59:59Z", "2027-01-04T09:00:00Z", "2027-01-08T16:59:59Z", "2027-01-08T17:00:00Z", "2027-01-09T09:00:00Z"} {
		at(t)
		check("dana", "family_case.read")
	}
	fmt.Fprintf(w, "  revision %d before, %d after: the cover ended without a write\n", written, a.Snapshot().Revision())

	// 2. Saturday night: a case was deleted in error. Ian, on call, breaks
	// the glass for at most two hours, restores it, and ends it early.
	fmt.Fprintln(w, "incident:")
	at("2027-01-09T22:00:00Z")
	check("ian", "case.restore")
	if _, err := a.Admin("ian").Elevate(ctx, "restore case 4711 deleted in error", "incident", 2*time.Hour); err != nil {
		return err
	}
	check("ian", "case.restore")
	at("2027-01-09T22:40:00Z")
	if _, err := a.Admin("ian").EndElevation(ctx, "case 4711 restored", "incident"); err != nil {
		return err
	}
	check("ian", "case.restore")
	els, err := a.Admin("aud").Elevations(ctx)
	if err != nil {
		return err
	}
	for _, e := range els {
		fmt.Fprintf(w, "  elevation %s by %s, %s until %s: %q; ended %s: %q\n", e.ID, e.Actor,
			e.From.Format(stamp), e.Until.Format(stamp), e.Reason, e.EndedTime.Format(stamp), e.EndedReason)
	}

	// 3. The next week the auditor asks who could read the family cases
	// at given moments: the model as it was, timed assignments included.
	fmt.Fprintln(w, "audit:")
	at("2027-01-12T10:00:00Z")
	for _, t := range []string{"2027-01-06T12:00:00Z", "2027-01-09T22:30:00Z", "2027-01-11T09:00:00Z"} {
		past, _ := time.Parse(time.RFC3339, t)
		then, err := a.Admin("aud").AsOfTime(ctx, past)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s (revision %d) family_case.read:", past.Format(stamp), then.Revision())
		for _, h := range then.UsersWith("family_case.read") {
			fmt.Fprintf(w, " %s", h.User)
		}
		fmt.Fprintln(w)
	}
	return nil
}
