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

const want = `legacy field parsed as 2 owners, department-for-education and hm-revenue-customs; written back as "department-for-education,hm-revenue-customs"

Dana (DfE) edits register-offices, owned by DfE and HMRC
  allowed (granted, global): user dana_dfe → role imminence_editor → grant service.edit@global → owner department-for-education (owners [department-for-education, hm-revenue-customs])
Hugo (HMRC) edits student-finance, owned by DfE
  denied (not_owner): user hugo_hmrc → role imminence_editor → grant service.edit@global: service "student-finance" is owned by [department-for-education]; hugo_hmrc's org is hm-revenue-customs and the active roles lack the bypass places.gds_editor
Gita (GDS Editor) edits student-finance
  allowed (granted, global): user gita_gds → role gds_editor → role imminence_editor → grant service.edit@global → bypass places.gds_editor
Dana views unclaimed, a service nobody owns yet
  denied (not_owner): user dana_dfe → role imminence_editor → grant service.view@global: service "unclaimed" is owned by []; dana_dfe's org is department-for-education and the active roles lack the bypass places.gds_editor
Hugo edits a place (places are not owned)
  allowed (granted, global): user hugo_hmrc → role imminence_editor → grant place.edit@global

new service by dana_dfe asking for no owners: owners department-for-education
new service by dana_dfe asking for hm-revenue-customs: refused (forbidden)
new service by gita_gds asking for hm-revenue-customs,department-for-education: owners hm-revenue-customs,department-for-education
new service by gita_gds asking for no owners: owners government-digital-service
may dana change owners? false; may gita? true
`
