package rbac

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
)

// Digest returns a SHA-256 (hexadecimal) of what a retry of the change set
// must repeat: Actor, ProposedBy (only when set, so that the digests of
// change sets logged before it existed stay as they were), Reason and each
// change's kind, key, value and Cascade mark. It leaves out what a store or a retry may change: ID, Revision,
// Expect, Time and the Before images. Nil and empty lists digest alike.
// Stores compare digests to tell a retry from a different change set that
// reuses an ID.
//
// The digest is of one JSON document of the set, as encoding/json writes
// it; stores keep digests, so that document must not change. It is hashed
// as it is written, and users (an import's bulk) are written without
// reflection: an import's 100,000 users took 0.3–0.5 s and 106 MB through
// encoding/json alone.
func (cs ChangeSet) Digest() string {
	d := digester{h: sha256.New(), buf: make([]byte, 0, 64<<10)}
	d.buf = append(d.buf, `{"Actor":`...)
	d.buf = appendStdJSONString(d.buf, string(cs.Actor))
	if cs.ProposedBy != "" {
		d.buf = append(d.buf, `,"ProposedBy":`...)
		d.buf = appendStdJSONString(d.buf, string(cs.ProposedBy))
	}
	d.buf = append(d.buf, `,"Reason":`...)
	d.buf = appendStdJSONString(d.buf, cs.Reason)
	d.buf = append(d.buf, `,"Changes":[`...)
	for i, c := range cs.Changes {
		if i > 0 {
			d.buf = append(d.buf, ',')
		}
		d.buf = append(d.buf, `{"Kind":`...)
		d.buf = appendStdJSONString(d.buf, string(c.Kind))
		d.buf = append(d.buf, `,"Key":`...)
		d.buf = appendStdJSONString(d.buf, c.Key)
		d.buf = append(d.buf, `,"After":`...)
		switch after := c.After.(type) {
		case nil:
			d.buf = append(d.buf, "null"...)
		case User:
			d.buf = appendStdJSONUser(d.buf, &after)
		default:
			b, err := json.Marshal(emptyAsNil(after))
			if err != nil {
				return digestOfDocument(cs)
			}
			d.buf = append(d.buf, b...)
		}
		d.buf = append(d.buf, `,"Cascade":`...)
		d.buf = strconv.AppendBool(d.buf, c.Cascade)
		d.buf = append(d.buf, '}')
		d.flushIfFull()
	}
	d.buf = append(d.buf, "]}"...)
	d.h.Write(d.buf)
	return hex.EncodeToString(d.h.Sum(nil))
}

// digester hashes a document written into buf a piece at a time.
type digester struct {
	h   hash.Hash
	buf []byte
}

func (d *digester) flushIfFull() {
	if len(d.buf) >= cap(d.buf)/2 {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
	}
}

// digestOfDocument is Digest through encoding/json in one piece, with the
// fallback that a value JSON cannot encode needs.
func digestOfDocument(cs ChangeSet) string {
	type item struct {
		Kind    EntityKind
		Key     string
		After   any
		Cascade bool
	}
	doc := struct {
		Actor      UserID
		ProposedBy UserID `json:",omitempty"`
		Reason     string
		Changes    []item
	}{Actor: cs.Actor, ProposedBy: cs.ProposedBy, Reason: cs.Reason, Changes: make([]item, len(cs.Changes))}
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

// appendStdJSONUser appends u as encoding/json writes it after emptyAsNil:
// Go field names, empty lists as null, empty Name and Email left out. TestDigestKnowsUserFields fails
// when User gains a field this does not write.
func appendStdJSONUser(b []byte, u *User) []byte {
	b = append(b, `{"ID":`...)
	b = appendStdJSONString(b, string(u.ID))
	// Name and Email are omitempty: a user without them digests as it
	// did before they existed.
	if u.Name != "" {
		b = append(b, `,"Name":`...)
		b = appendStdJSONString(b, u.Name)
	}
	if u.Email != "" {
		b = append(b, `,"Email":`...)
		b = appendStdJSONString(b, u.Email)
	}
	b = append(b, `,"AccountType":`...)
	b = appendStdJSONString(b, string(u.AccountType))
	b = append(b, `,"Org":`...)
	b = appendStdJSONString(b, string(u.Org))
	b = append(b, `,"Roles":`...)
	b = appendStdJSONList(b, u.Roles)
	b = append(b, `,"Groups":`...)
	b = appendStdJSONList(b, u.Groups)
	b = append(b, `,"Workgroups":`...)
	b = appendStdJSONList(b, u.Workgroups)
	b = append(b, `,"Disabled":`...)
	b = strconv.AppendBool(b, u.Disabled)
	// Temporary is omitempty, as Name and Email: written only when set.
	if len(u.Temporary) > 0 {
		t, err := json.Marshal(u.Temporary)
		if err != nil {
			// A time outside years 0–9999: fall back to something that still
			// differs between different users.
			t = fmt.Appendf(nil, "%q", fmt.Sprint(u.Temporary))
		}
		b = append(b, `,"Temporary":`...)
		b = append(b, t...)
	}
	return append(b, '}')
}

func appendStdJSONList[T ~string](b []byte, list []T) []byte {
	if len(list) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStdJSONString(b, string(v))
	}
	return append(b, ']')
}

// appendStdJSONString appends s quoted as encoding/json quotes it. Strings of
// printable ASCII that it does not escape (ids are) are copied; any other
// goes through encoding/json, whose escaping (HTML characters, U+2028,
// invalid UTF-8) is the document's.
func appendStdJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Digest returns a SHA-256 (hexadecimal) of the entities in the sections p
// manages, in no particular order: two policies digest alike when Import
// would make a store hold the same in those sections. Manages itself,
// Principals, tests and source positions are left out. Import records it
// in its change set (see ImportRecord).
func (p *Policy) Digest() string {
	wanted := p.Entities()
	if len(p.Manages) > 0 {
		wanted = slices.DeleteFunc(wanted, func(e Entity) bool { return !p.ManagesKind(e.EntityKind()) })
	}
	return digestEntities(wanted)
}

// digestEntities digests entities as the change set that puts them, by
// kind and key, into an empty store.
func digestEntities(es []Entity) string {
	order := make(map[EntityKind]int, len(entityKinds))
	for i, k := range entityKinds {
		order[k] = i
	}
	changes := make([]Change, len(es))
	for i, e := range es {
		changes[i] = Change{Kind: e.EntityKind(), Key: e.EntityKey(), After: e}
	}
	slices.SortFunc(changes, func(a, b Change) int {
		if c := cmp.Compare(order[a.Kind], order[b.Kind]); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return ChangeSet{Changes: changes}.Digest()
}
