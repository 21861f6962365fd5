package rbac

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package and by the stores
// wraps exactly one of them, so callers branch with errors.Is. The one
// exception is deliberate: a policy or change set that breaks several rules
// is reported with every violation at once (errors.Join), and each
// violation wraps its own sentinel, so errors.Is finds each of them.
var (
	ErrNotFound         = errors.New("not found")
	ErrExists           = errors.New("already exists")
	ErrInvalid          = errors.New("invalid")
	ErrCycle            = errors.New("cycle")
	ErrConflict         = errors.New("conflict")
	ErrForbidden        = errors.New("forbidden")
	ErrSeparationOfDuty = errors.New("separation of duty")
	ErrTruncated        = errors.New("change log truncated")
	ErrClosed           = errors.New("closed")
	// ErrUnavailable: the store could not be reached or gave up for a
	// transient reason (connection lost, timeout, deadlock past retries).
	// Nothing was written; the same call may succeed if retried.
	ErrUnavailable = errors.New("transient: retry")
	// ErrUnknownOutcome: the write was sent but whether it committed cannot
	// be known (the connection died during COMMIT, say). Retry with the same
	// ChangeSet.ID: a change set whose ID is already logged is not applied
	// again, and the retry returns its original revision.
	ErrUnknownOutcome = errors.New("the write may have committed: retry with the same ChangeSet.ID")
)

// Sentinels lists every sentinel error, for tests that check that an error
// wraps exactly one of them.
var Sentinels = []error{
	ErrNotFound, ErrExists, ErrInvalid, ErrCycle, ErrConflict, ErrForbidden,
	ErrSeparationOfDuty, ErrTruncated, ErrClosed, ErrUnavailable, ErrUnknownOutcome,
}

// Retryable reports whether err says that the same call may succeed if made
// again: ErrUnavailable (nothing was written) and ErrUnknownOutcome (retry
// with the same ChangeSet.ID, which makes the retry safe).
func Retryable(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnknownOutcome)
}

// Error describes what went wrong, on which entity, and where. Err is one
// of the sentinel errors (possibly wrapping a cause), so errors.Is works.
type Error struct {
	Op    string     // the operation: "validate", "apply", "load", "check", ...
	Kind  EntityKind // the kind of entity concerned, if any
	ID    string     // the entity's key, if any
	Where string     // source position such as "policy.yaml:12", if known
	Msg   string     // what is wrong, lowercase, without the sentinel's text
	Err   error      // a sentinel, or an error wrapping one
}

func (e *Error) Error() string {
	var b []byte
	if e.Where != "" {
		b = append(b, e.Where...)
		b = append(b, ": "...)
	}
	if e.Op != "" {
		b = append(b, e.Op...)
		b = append(b, ' ')
	}
	if e.Kind != "" {
		b = append(b, e.Kind...)
		if e.ID != "" {
			b = append(b, ' ')
			b = append(b, quoteShort(e.ID)...)
		}
		b = append(b, ": "...)
	} else if e.Op != "" {
		b[len(b)-1] = ':'
		b = append(b, ' ')
	}
	if e.Msg != "" {
		b = append(b, e.Msg...)
		if e.Err != nil {
			b = append(b, " ("...)
			b = append(b, e.Err.Error()...)
			b = append(b, ')')
		}
	} else if e.Err != nil {
		b = append(b, e.Err.Error()...)
	}
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error. The message is formatted with fmt.Sprintf.
func errorf(sentinel error, op string, kind EntityKind, id, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, ID: id, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
