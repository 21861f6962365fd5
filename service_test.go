package rbac_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rolegraph/rbac"
)

// casePolicy is the service of issue 10 (testdata/case-service.yaml).
var casePolicy = func() string {
	b, err := os.ReadFile("testdata/case-service.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func TestKindsThroughAnAuthorizer(t *testing.T) {
	ctx := context.Background()
	a, _ := newAuthorizer(t, casePolicy)
	// A kind that a rule uses cannot be deleted: the rule would stop
	// protecting its records.
	_, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteKind("case")}})
	if !errors.Is(err, rbac.ErrInvalid) || !strings.Contains(err.Error(), "its ownership rule") {
		t.Fatalf("deleting a used kind: %v, want ErrInvalid naming the rule", err)
	}
	// Declaring a new kind takes effect at once.
	req := rbac.Request{User: "colin", Permission: "case.read", Resource: &rbac.Resource{Kind: "letter", ID: "1"}}
	if d, _ := a.Check(ctx, req); d.Reason != rbac.ReasonInvalidRequest {
		t.Fatalf("undeclared kind: %v", d)
	}
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.PutKind(rbac.Kind{Name: "letter", Title: "Letter"})}}); err != nil {
		t.Fatal(err)
	}
	if d, _ := a.Check(ctx, req); !d.Allowed {
		t.Fatalf("declared kind: %v", d)
	}
	p, _ := a.Policy()
	if diff := cmp.Diff([]rbac.Kind{{Name: "case", Title: "Case"}, {Name: "letter", Title: "Letter"}}, p.Kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	// Unused kinds can go; the last one going makes kinds free-form again,
	// which needs the rule gone first.
	if _, err := a.Apply(ctx, rbac.ChangeSet{Changes: []rbac.Change{rbac.DeleteKind("letter")}}); err != nil {
		t.Fatal(err)
	}
}

// Declaring kinds is administration of the model: rbac.roles.manage.
func TestAdminDeclaresKindsWithRolesManage(t *testing.T) {
	a, _ := newAuthorizer(t, `
roles:
  - {id: modeller, grants: [rbac.roles.manage, rbac.users.manage, rbac.groups.manage]}
  - {id: clerk, grants: [case.read]}
users:
  - {id: mo, roles: [modeller]}
  - {id: cy, roles: [clerk]}
`)
	ctx := context.Background()
	if _, err := a.Admin("cy").Apply(ctx, "", rbac.PutKind(rbac.Kind{Name: "case"})); !errors.Is(err, rbac.ErrForbidden) || !strings.Contains(err.Error(), "rbac.roles.manage") {
		t.Fatalf("a clerk declares a kind: %v", err)
	}
	if _, err := a.Admin("mo").Apply(ctx, "", rbac.PutKind(rbac.Kind{Name: "case", Title: "Case"})); err != nil {
		t.Fatalf("the modeller declares a kind: %v", err)
	}
	d, _ := a.Check(ctx, rbac.Request{User: "cy", Permission: "case.read", Resource: &rbac.Resource{Kind: "cse"}})
	if d.Reason != rbac.ReasonInvalidRequest {
		t.Errorf("after declaring: %v", d)
	}
	if _, err := a.Admin("mo").Apply(ctx, "", rbac.PutKind(rbac.Kind{Name: "bad", Title: "a\x00b"})); !errors.Is(err, rbac.ErrInvalid) {
		t.Errorf("a NUL in a title: %v", err)
	}
}
