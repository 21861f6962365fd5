package compile

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"unsafe"
)

// Bits is a dense bitset over interned indexes.
type Bits []uint64

// NewBits returns a bitset able to hold n bits.
func NewBits(n int) Bits { return make(Bits, (n+63)/64) }

// Set sets bit i.
func (b Bits) Set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }

// Clear clears bit i.
func (b Bits) Clear(i int) { b[i>>6] &^= 1 << (uint(i) & 63) }

// Has reports whether bit i is set; out-of-range bits are unset.
func (b Bits) Has(i int) bool {
	w := i >> 6
	return i >= 0 && w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

// Or sets every bit of o in b (b must be at least as long as o).
func (b Bits) Or(o Bits) {
	for i, w := range o {
		b[i] |= w
	}
}

// And keeps only the bits also set in o.
func (b Bits) And(o Bits) {
	for i := range b {
		if i < len(o) {
			b[i] &= o[i]
		} else {
			b[i] = 0
		}
	}
}

// SubsetOf reports whether every bit set in b is set in o.
func (b Bits) SubsetOf(o Bits) bool {
	for i, w := range b {
		if i < len(o) {
			w &^= o[i]
		}
		if w != 0 {
			return false
		}
	}
	return true
}

// Each calls f for each set bit, in increasing order.
func (b Bits) Each(f func(i int)) {
	for wi, w := range b {
		for w != 0 {
			tz := bits.TrailingZeros64(w)
			f(wi*64 + tz)
			w &= w - 1
		}
	}
}

// EachAnd calls f for each bit set in both b and o, in increasing order.
// It skips empty words, so a sparse mask makes a walk over a large set
// cheap.
func (b Bits) EachAnd(o Bits, f func(i int)) {
	for wi, w := range b {
		if wi >= len(o) {
			return
		}
		w &= o[wi]
		for w != 0 {
			tz := bits.TrailingZeros64(w)
			f(wi*64 + tz)
			w &= w - 1
		}
	}
}

// Trim returns b without its trailing zero words (sharing b's memory).
// Has, Each and Count read a trimmed set as the full one, and it can be
// Or-ed into a longer set, but not the other way round.
func (b Bits) Trim() Bits {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return b[:n]
}

// Reset clears every bit.
func (b Bits) Reset() { clear(b) }

// Equal reports whether b and o hold the same bits (and length).
func (b Bits) Equal(o Bits) bool { return slices.Equal(b, o) }

// Hash returns a hash of the bits, for tables keyed by sets that should
// not keep a string copy of each key. It does not allocate.
func (b Bits) Hash(seed maphash.Seed) uint64 {
	if len(b) == 0 {
		return maphash.Bytes(seed, nil)
	}
	return maphash.Bytes(seed, unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*8))
}

// Count returns the number of set bits.
func (b Bits) Count() int {
	n := 0
	for _, w := range b {
		for w != 0 {
			w &= w - 1
			n++
		}
	}
	return n
}

// Key returns the bitset as a string usable as a map key.
func (b Bits) Key() string {
	if len(b) == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*8))
}

// Clone returns a copy.
func (b Bits) Clone() Bits { return append(Bits(nil), b...) }
