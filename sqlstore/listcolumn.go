package sqlstore

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// List columns (schema 5): a list inside an entity is stored in a column of
// the entity's row as a JSON array, in order: a one-value item (a role id)
// as a string, a two-value item (a grant's permission and scope) as an
// array of two strings. One row per entity instead of one per list item
// makes a bulk import a tenth of the rows (a user with ten roles is one
// row, not eleven), with no foreign-key probe per membership. JSON, so
// that a DBA can read and query the lists with each database's JSON
// functions (see doc.go).
//
// Encoding and decoding are written by hand: a load decodes a million
// memberships, and encoding/json would allocate a string per item where
// the decoder interns them.

// appendList appends items, flattened nv values per item, as a JSON array.
func appendList(b []byte, items []string, nv int) []byte {
	b = append(b, '[')
	for i := 0; i+nv <= len(items); i += nv {
		if i > 0 {
			b = append(b, ',')
		}
		if nv == 1 {
			b = appendJSONString(b, items[i])
			continue
		}
		b = append(b, '[')
		for j, v := range items[i : i+nv] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Ids are ASCII without
// quotes or backslashes, but any string round-trips: quote, backslash and
// control characters are escaped, other bytes copied (the databases store
// UTF-8 text).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// listDecoder decodes list columns, interning their values: a million
// memberships of ten thousand roles make ten thousand strings.
type listDecoder struct {
	interned map[string]string
	boxed    map[string]any
	scratch  []byte   // an unescaped string
	items    []string // the list being decoded
	// shared, when not nil, holds every list decoded, by its column's
	// text: a column seen before is neither parsed nor copied again, and
	// equal lists share one array (newSharingListDecoder).
	shared map[string][]string
}

func newListDecoder() *listDecoder {
	return &listDecoder{interned: make(map[string]string), boxed: make(map[string]any)}
}

// newSharingListDecoder returns a listDecoder that hands out one array for
// every equal column text: most users hold one of a few role lists, so a
// load parses and keeps thousands of lists instead of a hundred thousand.
// Only for records whose lists nobody changes in place (LoadEach's, see
// rbac.StreamLoader).
func newSharingListDecoder() *listDecoder {
	d := newListDecoder()
	d.shared = make(map[string][]string)
	return d
}

// box interns a text as an interface value, which boxing would otherwise
// allocate for every row.
func (d *listDecoder) box(b []byte) any {
	if v, ok := d.boxed[string(b)]; ok {
		return v
	}
	var v any = string(b)
	d.boxed[string(b)] = v
	return v
}

func (d *listDecoder) intern(b []byte) string {
	if v, ok := d.interned[string(b)]; ok { // no allocation for the lookup
		return v
	}
	v := string(b)
	d.interned[v] = v
	return v
}

var errListSyntax = errors.New("not a JSON array of strings")

// decode parses a list column written by appendList or by a database's
// JSON functions (which may add spaces and escape other characters), nv
// values per item, and returns the values flattened. NULL or empty text is
// an empty list.
func (d *listDecoder) decode(data []byte, nv int) ([]string, error) {
	if d.shared == nil || nv != 1 { // lists of pairs (grants) are a role's own
		return d.parse(data, nv)
	}
	if l, ok := d.shared[string(data)]; ok { // a lookup does not allocate
		return l, nil
	}
	l, err := d.parse(data, nv)
	if err == nil {
		l = slices.Clip(l)
		d.shared[string(data)] = l
	}
	return l, err
}

// parse decodes one list column (see decode) into a new array.
func (d *listDecoder) parse(data []byte, nv int) ([]string, error) {
	p := listParser{data: data, d: d}
	p.space()
	if p.i == len(data) {
		return nil, nil
	}
	if !p.take('[') {
		return nil, p.fail()
	}
	out := d.items[:0]
	defer func() { d.items = out[:0] }()
	p.space()
	if p.take(']') {
		return p.end(nil)
	}
	for {
		p.space()
		if nv == 1 {
			v, err := p.str()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		} else {
			if !p.take('[') {
				return nil, p.fail()
			}
			for j := range nv {
				p.space()
				if j > 0 {
					if !p.take(',') {
						return nil, fmt.Errorf("an item of %d values wanted: %w", nv, p.fail())
					}
					p.space()
				}
				v, err := p.str()
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			p.space()
			if !p.take(']') {
				return nil, fmt.Errorf("an item of %d values wanted: %w", nv, p.fail())
			}
		}
		p.space()
		if p.take(']') {
			return p.end(out)
		}
		if !p.take(',') {
			return nil, p.fail()
		}
	}
}

type listParser struct {
	data []byte
	i    int
	d    *listDecoder
}

func (p *listParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *listParser) take(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *listParser) fail() error {
	if p.i >= len(p.data) {
		return fmt.Errorf("%w: ends early", errListSyntax)
	}
	return fmt.Errorf("%w: unexpected %q at byte %d", errListSyntax, p.data[p.i], p.i)
}

// end checks that nothing follows the array and returns a copy of its
// items, of their exact size.
func (p *listParser) end(out []string) ([]string, error) {
	p.space()
	if p.i != len(p.data) {
		return nil, p.fail()
	}
	return slices.Clone(out), nil
}

// str reads a JSON string: without escapes (every id) it is interned from
// the input as is.
func (p *listParser) str() (string, error) {
	if !p.take('"') {
		return "", p.fail()
	}
	start := p.i
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			v := p.d.intern(p.data[start:p.i])
			p.i++
			return v, nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", p.fail()
		}
		p.i++
	}
	return "", p.fail()
}

// escaped finishes a string that has escapes, unescaping into scratch.
func (p *listParser) escaped(start int) (string, error) {
	buf := append(p.d.scratch[:0], p.data[start:p.i]...)
	defer func() { p.d.scratch = buf[:0] }()
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			return p.d.intern(buf), nil
		case c < 0x20:
			return "", p.fail()
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.data) {
			return "", p.fail()
		}
		p.i++
		switch e := p.data[p.i]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4(p.i + 1)
			if !ok {
				return "", p.fail()
			}
			p.i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := p.hex4(p.i + 3); ok && p.data[p.i+1] == '\\' && p.data[p.i+2] == 'u' {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						p.i += 6
					}
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail()
		}
		p.i++
	}
	return "", p.fail()
}

// hex4 reads the four hex digits at data[at:].
func (p *listParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.data[at:at+4]), 16, 16)
	return rune(v), err == nil
}
