package rbac

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// NewChangeSetID returns a new random change set ID: 32 hexadecimal digits
// (128 bits from crypto/rand), unique for every practical purpose.
func NewChangeSetID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return hex.EncodeToString(b[:])
}

// Validate checks the change set's shape, as every Store does before it
// writes: a well-formed ID (if set), at least one change, and every change
// well formed (Change.Validate). Errors wrap ErrInvalid.
func (cs ChangeSet) Validate() error {
	if cs.ID != "" {
		if err := checkID(cs.ID); err != nil {
			return &Error{Op: "apply", Msg: "change set id: " + err.Error(), Err: ErrInvalid}
		}
	}
	if cs.ProposedBy != "" {
		if err := checkID(string(cs.ProposedBy)); err != nil {
			return &Error{Op: "apply", Msg: "proposed by: " + err.Error(), Err: ErrInvalid}
		}
	}
	if len(cs.Changes) == 0 {
		return &Error{Op: "apply", Msg: "the change set is empty", Err: ErrInvalid}
	}
	for i, c := range cs.Changes {
		if err := c.Validate(); err != nil {
			return &Error{Op: "apply", Msg: fmt.Sprintf("change %d of %d", i+1, len(cs.Changes)), Err: err}
		}
	}
	return nil
}
