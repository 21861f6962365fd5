// Package policytest runs the tests: section of rbac policy files, so that a
// service keeps the expectations about its access-control model next to the
// model and checks them in its own go test:
//
//	func TestPolicy(t *testing.T) {
//		policytest.Run(t, "policy/roles.yaml", "policy/users.yaml")
//	}
//
// Run loads the files as one policy, writes it into a fresh memory store,
// builds an Authorizer on it and runs every test as a subtest named after
// it. A failure names the test's file:line, what was expected, what was
// decided and why (the explanation, on one line). Each request is asked
// twice, with Snapshot.Check and Snapshot.Explain, and the two answers must
// agree.
//
// Results does the same work on a policy and a snapshot that the caller
// already has, without the testing package: the rbac command's "rbac test"
// (github.com/rolegraph/rbac/cmd/rbac) runs a policy's tests with it in CI,
// with -run and -junit.
//
// Tests are checked when the policy loads: a test naming a user, role,
// permission or workgroup the policy does not have is an error, unless it
// expects the reason that name produces (unknown_user, role_not_held,
// invalid_request, or no_grant for a permission no role grants).
package policytest
