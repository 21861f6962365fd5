// Package intern shares one array between equal lists of ids. Loads use
// it: most users hold one of a few role and group lists, so a million
// users keep thousands of arrays instead of a million (16 MiB of one-role
// lists alone). A shared list must never be modified in place; each is
// clipped, so that an append copies.
package intern

// Lists interns lists of ids of type T. The zero value is ready to use;
// a Lists is not safe for concurrent use.
type Lists[T ~string] struct {
	one  map[T][]T      // one-id lists, by the id: no key to build
	many map[string][]T // longer lists, by their ids joined
	key  []byte
	ones []T // CopyLong's one-id copies are carved from it
}

// onesChunk is how many one-id copies CopyLong carves from one allocation.
const onesChunk = 1024

// Own returns the shared list equal to l, or l itself, which the caller
// hands over, when it is the first of its kind.
func (in *Lists[T]) Own(l []T) []T { return in.get(l, false) }

// Copy returns the shared list equal to l, or a copy of l when it is the
// first of its kind: l stays the caller's.
func (in *Lists[T]) Copy(l []T) []T { return in.get(l, true) }

// CopyLong is Copy for lists of two or more ids, and a plain copy of a
// one-id list: looking an id up reads its bytes, a cache miss that costs
// more than copying the 16-byte list (a third of a memory store's load of
// 100,000 one-role users). The copies are carved from chunks of
// onesChunk, clipped: an allocation per list was half of a load's
// allocations. A chunk lives as long as any of its lists, which suits a
// load (its lists arrive and live together).
func (in *Lists[T]) CopyLong(l []T) []T {
	if len(l) == 1 {
		if len(in.ones) == cap(in.ones) {
			in.ones = make([]T, 0, onesChunk)
		}
		in.ones = append(in.ones, l[0])
		n := len(in.ones)
		return in.ones[n-1 : n : n]
	}
	return in.get(l, true)
}

func (in *Lists[T]) get(l []T, copied bool) []T {
	switch len(l) {
	case 0:
		return nil
	case 1:
		if shared, ok := in.one[l[0]]; ok {
			return shared
		}
		if in.one == nil {
			in.one = map[T][]T{}
		}
		l = keep(l, copied)
		in.one[l[0]] = l
		return l
	}
	b := in.key[:0]
	for _, x := range l {
		b = append(b, x...)
		b = append(b, 0) // ids never contain NUL
	}
	in.key = b
	if shared, ok := in.many[string(b)]; ok { // a lookup does not allocate
		return shared
	}
	if in.many == nil {
		in.many = map[string][]T{}
	}
	l = keep(l, copied)
	in.many[string(b)] = l
	return l
}

// keep returns l clipped, or a copy of it.
func keep[T any](l []T, copied bool) []T {
	if copied {
		return append([]T(nil), l...)
	}
	return l[:len(l):len(l)]
}
