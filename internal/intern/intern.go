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
}

// Own returns the shared list equal to l, or l itself, which the caller
// hands over, when it is the first of its kind.
func (in *Lists[T]) Own(l []T) []T { return in.get(l, false) }

// Copy returns the shared list equal to l, or a copy of l when it is the
// first of its kind: l stays the caller's.
func (in *Lists[T]) Copy(l []T) []T { return in.get(l, true) }

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
