package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/rolegraph/rbac"
)

// runCampaigns lists the recertification campaigns and their state, or
// writes one campaign's report (CSV or JSON) for auditors. It reads as
// rbac.System and never follows the store, so listing never closes a
// campaign: the services' authorizers do that at Due.
func runCampaigns(e *env, args []string) int {
	fs := flag.NewFlagSet("campaigns", flag.ContinueOnError)
	var src source
	src.flags(fs)
	campaign := fs.String("campaign", "", "write this campaign's report instead of the list")
	format := fs.String("format", "text", "output `format`: text, csv or json")
	if _, err := parse(e, fs, args, 0, 0, "-policy FILE|-dsn DSN [-campaign ID] [-format text|csv|json]"); err != nil {
		return exitFor(err)
	}
	if !src.check(e, fs) || !oneOf(e, fs, "format", *format, "text", "csv", "json") {
		return ExitUsage
	}
	ctx := context.Background()
	a, p, done, err := src.open(ctx)
	if err != nil {
		return e.fail("campaigns", err)
	}
	defer done()
	ad := a.Admin(rbac.System)
	if *campaign != "" {
		rows, err := ad.CampaignReport(ctx, *campaign)
		if err != nil {
			return e.fail("campaigns", err)
		}
		switch *format {
		case "json":
			err = rbac.WriteCampaignJSON(e.stdout, rows)
		default:
			err = rbac.WriteCampaignCSV(e.stdout, rows)
		}
		if err != nil {
			return e.fail("campaigns", err)
		}
		return ExitOK
	}
	type summary struct {
		rbac.Campaign
		State                              string
		UnderReview, Keep, Remove, Pending int
	}
	var list []summary
	now := time.Now()
	for _, c := range p.Campaigns {
		rows, err := ad.CampaignReport(ctx, c.ID)
		if err != nil {
			return e.fail("campaigns", err)
		}
		s := summary{Campaign: c, State: "open"}
		if !now.Before(c.Due) {
			s.State = "due"
		}
		for _, r := range rows {
			switch r.Decision {
			case "keep":
				s.Keep++
			case "remove":
				s.Remove++
			case "pending":
				s.Pending++
			}
			if r.Decision != "removed" {
				s.UnderReview++
			}
		}
		list = append(list, s)
	}
	switch *format {
	case "json", "csv":
		var rows []rbac.CampaignRow
		for _, c := range p.Campaigns {
			r, _ := ad.CampaignReport(ctx, c.ID)
			rows = append(rows, r...)
		}
		if *format == "json" {
			err = rbac.WriteCampaignJSON(e.stdout, rows)
		} else {
			err = rbac.WriteCampaignCSV(e.stdout, rows)
		}
		if err != nil {
			return e.fail("campaigns", err)
		}
	default:
		if len(list) == 0 {
			fmt.Fprintln(e.stderr, "no campaigns")
			return ExitOK
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CAMPAIGN\tDUE\tSTATE\tUNDER REVIEW\tKEEP\tREMOVE\tPENDING")
		for _, s := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", s.ID, s.Due.UTC().Format(time.RFC3339), s.State, s.UnderReview, s.Keep, s.Remove, s.Pending)
		}
		tw.Flush()
	}
	return ExitOK
}
