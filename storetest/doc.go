// Package storetest checks that an rbac.Store keeps the Store contract.
// Every store of this module (memstore, sqlstore on each database) runs the
// same suite; a third-party store can run it from its own tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) rbac.Store { return newEmptyStore(t) })
//		storetest.RunModel(t, func(t *testing.T) rbac.Store { return newEmptyStore(t) })
//	}
//
// Run holds the contract tests, one subtest per behaviour, each on a fresh
// store. RunModel is a property test: random change sets, loads and log
// reads against a deliberately naive model (a map and a slice), checking
// after every step that the store and the model agree. Its number of runs is
// rapid's: -rapid.checks (or RAPID_CHECKS), default 100, each on its own
// store of about 30 steps; where a fresh store is costly (a database per
// store), run fewer, e.g. -rapid.checks=20.
//
// RunFaults is for stores on database/sql: it opens them on a database
// whose real driver is wrapped by faultdriver, loses connections before,
// during and after COMMIT, and checks that every outcome is honest (see
// RunFaults). SentinelProblem is the check, exported for other tests, that
// an error wraps exactly one rbac sentinel.
//
// # What the suite assumes
//
// The suite is behavioural: it uses only the Store methods (and Prune, see
// Pruner). Beyond the Store documentation it pins down what every store of
// this module does and what the authorizer relies on:
//
//   - newStore returns a fresh, empty store at revision zero each call, and
//     registers its own cleanup. The suite closes stores it is done with.
//   - Stores only persist. Entities written by the suite are structurally
//     valid (Change.Validate) but need not satisfy the model's rules: they
//     may refer to entities that do not exist, and they are deleted in any
//     order. Lists inside an entity never repeat an item, and group names
//     are unique even ignoring case.
//   - Every field round-trips, and lists inside an entity keep their order
//     (the first owner of a record matters, and a policy written back to a
//     file must not churn). Identifiers are case-sensitive: "Alice" and
//     "alice" are two entities. Free text may hold any UTF-8 except NUL.
//   - Load's lists may come in any order; the suite sorts them by key.
//   - Failed writes consume no revision: revisions seen by readers are
//     1, 2, 3... without gaps.
//   - ChangeSet.Time is kept to the second at least; a zero Time is replaced
//     by the time of the write. Expect is not part of the log.
//   - Changes(after) with after at or beyond the current revision returns
//     no change sets and no error.
//   - Wait blocks until a write: one that returns within 50ms with no write
//     fails. The suite never waits more than 20s for anything.
//   - A cancelled context makes Load, Apply, Changes and Wait fail with an
//     error that errors.Is matches to ctx.Err() and to rbac.ErrUnavailable,
//     and Apply then writes nothing. Close may be called twice.
//   - Every error is an *rbac.Error wrapping exactly one rbac sentinel.
//   - A store generates a valid, unique ChangeSet.ID when it is empty, and
//     a change set whose ID is logged is not written again (its revision
//     is returned; other content under it is rbac.ErrConflict), also after
//     Prune dropped it.
//   - A store that is an rbac.HistoryReader returns from ReadHistory what a
//     naive filter of its own Changes returns (fixed cases in Run, random
//     pages after every kind of step in RunModel), with the Prune horizon,
//     and never rbac.ErrTruncated.
//   - rbac.Import remembers the last import in the change log alone (see
//     rbac.Import): the store keeps each change set's ID, Actor, Reason and
//     Time as written, and no store needs a method of its own for it. The
//     Import cases check refusal, Overwrite, adoption, managed sections and
//     a log pruned past the last import on the store.
package storetest
