package compile

// maxOverlay bounds the overlay of an OverlayMap: past it, With folds the
// overlay into a new base (one O(n) copy per maxOverlay changes).
const maxOverlay = 1024

// OverlayMap is an immutable string-keyed map made of a large shared base
// and a small overlay of recent changes. With copies only the overlay, so a
// one-entry change to a map of a million entries costs microseconds, and a
// lookup costs one map access while the overlay is empty, two otherwise.
type OverlayMap[V any] struct {
	base *overlayBase[V]
	over map[string]overlayEntry[V]
	n    int
}

// overlayBase is boxed so that versions can tell whether they share it.
type overlayBase[V any] struct{ m map[string]V }

type overlayEntry[V any] struct {
	v  V
	ok bool // false: deleted
}

// NewOverlayMap builds a map that takes ownership of m.
func NewOverlayMap[V any](m map[string]V) *OverlayMap[V] {
	if m == nil {
		m = map[string]V{}
	}
	return &OverlayMap[V]{base: &overlayBase[V]{m}, n: len(m)}
}

// Get returns the value for k. It does not allocate.
func (o *OverlayMap[V]) Get(k string) (V, bool) {
	if o == nil {
		var zero V
		return zero, false
	}
	if len(o.over) > 0 {
		if e, found := o.over[k]; found {
			return e.v, e.ok
		}
	}
	v, ok := o.base.m[k]
	return v, ok
}

// Len returns the number of entries.
func (o *OverlayMap[V]) Len() int {
	if o == nil {
		return 0
	}
	return o.n
}

// With returns a copy in which k maps to v, or, if del, k is absent.
func (o *OverlayMap[V]) With(k string, v V, del bool) *OverlayMap[V] {
	if o == nil {
		o = NewOverlayMap[V](nil)
	}
	_, had := o.Get(k)
	out := &OverlayMap[V]{base: o.base, n: o.n}
	switch {
	case del && had:
		out.n--
	case !del && !had:
		out.n++
	}
	if len(o.over) >= maxOverlay {
		base := make(map[string]V, out.n)
		o.Range(func(kk string, vv V) bool {
			base[kk] = vv
			return true
		})
		if del {
			delete(base, k)
		} else {
			base[k] = v
		}
		out.base = &overlayBase[V]{base}
		return out
	}
	out.over = make(map[string]overlayEntry[V], len(o.over)+1)
	for kk, e := range o.over {
		out.over[kk] = e
	}
	out.over[k] = overlayEntry[V]{v: v, ok: !del}
	return out
}

// Range calls f for every entry, in no particular order, until f returns
// false.
func (o *OverlayMap[V]) Range(f func(k string, v V) bool) {
	if o == nil {
		return
	}
	for k, v := range o.base.m {
		if _, shadowed := o.over[k]; shadowed {
			continue
		}
		if !f(k, v) {
			return
		}
	}
	for k, e := range o.over {
		if e.ok && !f(k, e.v) {
			return
		}
	}
}

// SameBase reports whether o and p share their base: p is o with only
// overlay changes, or the other way round.
func (o *OverlayMap[V]) SameBase(p *OverlayMap[V]) bool {
	return o != nil && p != nil && o.base == p.base
}

// Overlaid reports whether k was changed (put or deleted) since the base
// was built. It does not allocate.
func (o *OverlayMap[V]) Overlaid(k string) bool {
	if o == nil || len(o.over) == 0 {
		return false
	}
	_, found := o.over[k]
	return found
}

// RangeBase calls f for every entry of the base, overlaid ones included,
// until f returns false.
func (o *OverlayMap[V]) RangeBase(f func(k string, v V) bool) {
	if o == nil {
		return
	}
	for k, v := range o.base.m {
		if !f(k, v) {
			return
		}
	}
}

// RangeOverlay calls f for every overlaid key with its value (ok false:
// deleted), until f returns false.
func (o *OverlayMap[V]) RangeOverlay(f func(k string, v V, ok bool) bool) {
	if o == nil {
		return
	}
	for k, e := range o.over {
		if !f(k, e.v, e.ok) {
			return
		}
	}
}
