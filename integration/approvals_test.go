package integration

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rolegraph/rbac"
)

// fourEyesPolicy: two security administrators and a roles manager, with
// the writers group under four-eyes approval.
const fourEyesPolicy = `
account_types:
  - {id: internal}
permissions:
  - {name: case.write}
roles:
  - {id: security_admin, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, rbac.escalate, rbac.sensitive.grant, "*@all"]}
  - {id: role_manager, grants: [rbac.roles.manage, rbac.groups.manage, rbac.users.manage, case.write]}
  - {id: case_writer, grants: [case.write]}
groups:
  - {id: writers, name: Writers, account_type: internal, roles: [case_writer]}
users:
  - {id: sam, account_type: internal, roles: [security_admin]}
  - {id: sue, account_type: internal, roles: [security_admin]}
  - {id: rita, account_type: internal, roles: [role_manager]}
  - {id: int1, account_type: internal}
approvals:
  - {name: writers-group, groups: [writers]}
`

// TestApprovalsRaceAcrossReplicas: four replicas, each with its own
// connection pool, approve one proposal at once (two approvers each):
// exactly one approval is written, the others fail with ErrConflict, and
// the proposal records the winner and the revision.
func TestApprovalsRaceAcrossReplicas(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db database) {
		ctx := context.Background()
		c := newCluster(t, db, 4)
		p, err := rbac.LoadPolicy(strings.NewReader(fourEyesPolicy))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rbac.Import(ctx, c.stores[0], p); err != nil {
			t.Fatal(err)
		}
		c.sync(t)
		for round := range 3 {
			groups := []rbac.GroupID{"writers"}[:1-round%2]
			prop, err := c.replicas[round%4].Admin("rita").Propose(ctx, "ticket", rbac.PutUser(rbac.User{ID: "int1", AccountType: "internal", Groups: groups}))
			if err != nil {
				t.Fatal(err)
			}
			before, _ := c.stores[0].Changes(ctx, 0)
			var wg sync.WaitGroup
			var won, conflicts atomic.Int32
			start := make(chan struct{})
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := c.replicas[i%4].Admin([]rbac.UserID{"sam", "sue"}[i/4]).Approve(ctx, prop.ID, "ok")
					switch {
					case err == nil:
						won.Add(1)
					case errors.Is(err, rbac.ErrConflict):
						conflicts.Add(1)
					default:
						t.Errorf("approval: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			after, _ := c.stores[0].Changes(ctx, 0)
			written := 0
			for _, cs := range after[len(before):] {
				if cs.ID == "proposal."+prop.ID {
					written++
				}
			}
			if won.Load() != 1 || conflicts.Load() != 7 || written != 1 {
				t.Fatalf("round %d: %d won, %d conflicts, %d change sets written; want 1, 7, 1", round, won.Load(), conflicts.Load(), written)
			}
			got, err := c.stores[1].GetProposal(ctx, prop.ID)
			if err != nil || got.State != rbac.ProposalApproved || got.Revision == 0 {
				t.Fatalf("stored proposal: %+v, %v", got, err)
			}
		}
	})
}
