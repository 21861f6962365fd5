package rbac

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Digest returns a SHA-256 (hexadecimal) of what a retry of the change set
// must repeat: Actor, Reason and each change's kind, key, value and Cascade
// mark. It leaves out what a store or a retry may change: ID, Revision,
// Expect, Time and the Before images. Nil and empty lists digest alike.
// Stores compare digests to tell a retry from a different change set that
// reuses an ID.
func (cs ChangeSet) Digest() string {
	type item struct {
		Kind    EntityKind
		Key     string
		After   any
		Cascade bool
	}
	doc := struct {
		Actor   UserID
		Reason  string
		Changes []item
	}{Actor: cs.Actor, Reason: cs.Reason, Changes: make([]item, len(cs.Changes))}
	for i, c := range cs.Changes {
		doc.Changes[i] = item{Kind: c.Kind, Key: c.Key, Cascade: c.Cascade}
		if c.After != nil {
			doc.Changes[i].After = emptyAsNil(c.After)
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		// Entities are plain data; this cannot happen. Fall back to
		// something that still differs between different sets.
		b = fmt.Appendf(nil, "%#v", doc)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
