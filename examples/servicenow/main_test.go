package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

const want = `the catalogue as published is refused, 14 faults:
  role sn_gsm.agency_contributor: already exists
  role sn_gsm.business_contributor: already exists
  role sn_gsm.business_viewer: not found
  role sn_gsm.case_viewer: already exists
  role sn_gsm.constituent_contributor: already exists
  role sn_gsm.constituent_viewer: already exists
  role sn_gsm.relationship_contributor: already exists
  role sn_gsm.service_offered_admin: already exists
  role sn_gsm.service_offered_viewer: already exists
  role sn_gsm_grnt_mgmt.report_viewer: already exists
  role sn_gsm_icm.case_admin: already exists
  role sn_gsm_lic_prmt.agency_manager_core: already exists
  role sn_gsm_lic_prmt.ib_writer: cycle
  role sn_svc_appl_info.report_viewer: already exists

the corrected catalogue loads: 174 roles

a constituent_admin reads customer data, three containments down
  allowed (granted, global): user ada_admin → role sn_gsm.constituent_admin → role sn_gsm.constituent_writer → role sn_gsm.constituent_viewer → role sn_customerservice.customer_data_viewer → grant customer_data.read@global
a constituent_writer deletes a constituent
  denied (no_grant): user wen_writer: no active role of wen_writer grants constituent.delete: roles that grant it: admin (*@all), sn_gsm.constituent_admin (constituent.delete@global)
a contributor_creator creates a case
  allowed (granted, global): user cole_creator → role sn_gsm.contributor_creator → grant case.create@global
a contributor_creator reads a case
  denied (no_grant): user cole_creator: no active role of cole_creator grants case.read: roles that grant it: admin (*@all), sn_gsm.agency_manager (case.read@workgroup), sn_gsm.case_viewer (case.read@global)
a relationship_agent works a case of a customer of hers
  allowed (granted, mine): user remy_relationship → role sn_gsm.relationship_agent → grant case.write@mine → assignee remy_relationship (assigned to the resource)
an agency_manager reads a case of a clinic in her agency's hierarchy
  allowed (granted, workgroup): user mona_manager → role sn_gsm.agency_manager → grant case.read@workgroup → workgroup agency.state_health (resource in agency.county_north.clinic, under agency.state_health)
the system administrator reads a closed case
  allowed (granted, all): user sam_sysadmin → role admin → grant *@all (matches case.read)
`
