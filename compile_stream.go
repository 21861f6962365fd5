package rbac

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Compiling while a load streams (loadState): the tables are compiled from
// the entities that came before the first user, and the users batch by
// batch as they arrive, each on another goroutine, so that a replica's
// start costs little more than reading its store.

// pendingTables is a compileTables started early (startTables); done is
// closed when t and err are set.
type pendingTables struct {
	done chan struct{}
	t    *tables
	err  error
}

// startTables compiles st's tables on another goroutine. Until it is done
// (wait), nothing but users and stored ownership may be written to st.
func startTables(st *state) *pendingTables {
	p := &pendingTables{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.t, p.err = compileTables(st)
	}()
	return p
}

// wait waits until the compile is done.
func (p *pendingTables) wait() { <-p.done }

// streamedUsers compiles and checks users on other goroutines, one per
// core, as a load hands them over (sendFrom), once the tables are
// compiled, and fills the writer's user table and the snapshot's with
// them. The records are kept in one chunk per batch.
type streamedUsers struct {
	batches   chan userBatch
	done      chan struct{}
	sent      int // users sent so far
	nextBatch int

	usersMu sync.Mutex // held by the worker filling st.users

	// Set by the workers; read after done.
	mu       sync.Mutex
	c        *compiler   // nil if the tables failed
	chunks   [][]userRec // by batch number
	byID     map[string]*userRec
	n        int     // users compiled, checked and in st.users and byID
	userErrs []error // what checking them found (unsorted)
}

type userBatch struct {
	number int
	users  []*User
}

// streamUsers starts compiling the users sent to it against early's
// tables.
func streamUsers(st *state, early *pendingTables) *streamedUsers {
	// The load announced how many users follow (state.reserve).
	su := &streamedUsers{batches: make(chan userBatch, 256), done: make(chan struct{}), byID: make(map[string]*userRec, cap(st.loadOrder))}
	workers := min(runtime.GOMAXPROCS(0), maxCompileWorkers)
	at := st.now() // one instant for every worker
	forks := make([]*compiler, workers)
	var running sync.WaitGroup
	running.Add(workers)
	for w := range forks {
		go func() {
			defer running.Done()
			early.wait()
			if early.err != nil {
				for range su.batches { // the load goes on; its users are not compiled
				}
				return
			}
			c := newCompiler(early.t, at)
			forks[w] = c
			check := st.userValidator(early.t.roles)
			var wgs []int32
			for b := range su.batches {
				recs := make([]userRec, len(b.users))
				touch(b.users)
				for i, u := range b.users {
					check.userAt(u, c.fillUser(st, u, &recs[i], &wgs))
				}
				// A map takes one writer: each worker fills each table
				// with its batch in turn (one fills the writer's while
				// another fills the snapshot's), while the ids' bytes
				// are still in its cache. Which of two users listed
				// twice stays depends on the order of the batches:
				// reload builds the writer's table again then, in load
				// order, and compiles without byID.
				su.usersMu.Lock()
				for _, u := range b.users {
					st.users[u.ID] = u
				}
				su.usersMu.Unlock()
				su.mu.Lock()
				for i, u := range b.users {
					su.byID[string(u.ID)] = &recs[i]
				}
				for len(su.chunks) <= b.number {
					su.chunks = append(su.chunks, nil)
				}
				su.chunks[b.number] = recs
				su.n += len(recs)
				su.userErrs = append(su.userErrs, check.errs...)
				check.errs = check.errs[:0]
				su.mu.Unlock()
			}
		}()
	}
	go func() {
		defer close(su.done)
		running.Wait()
		if forks[0] == nil {
			return
		}
		forks[0].adoptSources(forks[1:])
		su.c = forks[0]
	}()
	return su
}

// touch reads the memory of each user that compiling and filing it reads
// (the User's three cache lines, its id's and first role's bytes): a
// store hands users over in no useful order, so each is a few cache
// misses, which this loop, whose reads do not wait for one another, takes
// together instead of one after the other.
func touch(users []*User) {
	var sum byte
	for _, u := range users {
		sum += byte(len(u.Temporary)) // the record's last cache line
		if len(u.ID) > 0 {
			sum += u.ID[0]
		}
		if len(u.Roles) > 0 && len(u.Roles[0]) > 0 {
			sum += u.Roles[0][0]
		}
	}
	touched.Add(uint32(sum))
}

// touched keeps touch's reads from being optimised away.
var touched atomic.Uint32

// sendFrom hands over the users of list (the load's list so far) that were
// not sent yet, if there are a batch of them or all is true.
func (su *streamedUsers) sendFrom(list []*User, all bool) {
	if n := len(list) - su.sent; n >= compileBatch || (all && n > 0) {
		su.batches <- userBatch{su.nextBatch, list[su.sent:len(list):len(list)]} // the load only appends: these stay as they are
		su.sent = len(list)
		su.nextBatch++
	}
}

// close hands over the rest of list and ends the stream.
func (su *streamedUsers) close(list []*User) {
	su.sendFrom(list, true)
	close(su.batches)
}

// wait waits until every user sent is compiled.
func (su *streamedUsers) wait() { <-su.done }

// snapshot completes the compile of st, whose users (in load order) were
// all streamed: its ownership rules, user table, member and review
// indexes.
func (su *streamedUsers) snapshot(st *state, users []*User) (*compiler, *Snapshot, error) {
	c := su.c
	c.compileRules(st)
	members := newMemberIndex(eachOf(users))
	return c, c.snapshot(st, su.byID, func(f func(*userRec)) {
		for _, chunk := range su.chunks {
			for i := range chunk {
				f(&chunk[i])
			}
		}
	}, members), nil
}
