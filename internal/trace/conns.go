package trace

import "math/bits"

// connTable is the tracker's connections by their socket's address: an
// open-addressing table with linear probing, in one array. A short
// connection is kept at its connect or accept and taken out at its
// close, four operations a connection, and Go's map (hashing each key,
// its groups and their control words) was most of the tracker's time.
// The key 0 is never a socket's address and marks an empty slot.
type connTable struct {
	slots []connSlot
	n     int
	shift uint // 64 - log2(len(slots))
}

// connSlot is one slot of a connTable: empty where key is 0.
type connSlot struct {
	key uint64
	c   openConn
}

// connTableMin is the slots a connTable starts with; it doubles where
// more than half are full.
const connTableMin = 64

// home is the slot where key is looked for first: the top bits of its
// product with 2^64 / the golden ratio (addresses of sockets, aligned
// to their size, differ in their middle bits).
func (t *connTable) home(key uint64) int {
	return int((key * 0x9e3779b97f4a7c15) >> t.shift)
}

// get returns the connection kept for key, and whether there is one.
func (t *connTable) get(key uint64) (openConn, bool) {
	if key == 0 || t.n == 0 {
		return openConn{}, false
	}
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		switch s := &t.slots[i]; s.key {
		case key:
			return s.c, true
		case 0:
			return openConn{}, false
		}
	}
}

// put keeps c for key (not 0), in place of what key held.
func (t *connTable) put(key uint64, c openConn) {
	if key == 0 {
		return
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == key {
			s.c = c
			return
		}
		if s.key == 0 {
			*s = connSlot{key, c}
			t.n++
			return
		}
	}
}

// del removes what key holds, if anything: the slots after it in its
// run move back where a lookup from their home slot still finds them,
// so that no run has a hole (no tombstones).
func (t *connTable) del(key uint64) {
	if key == 0 || t.n == 0 {
		return
	}
	mask := len(t.slots) - 1
	i := t.home(key)
	for t.slots[i].key != key {
		if t.slots[i].key == 0 {
			return
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j].key != 0; j = (j + 1) & mask {
		// The slot at j may move to the hole at i unless its home lies
		// cyclically in (i, j]: a lookup from there would not pass i.
		h := t.home(t.slots[j].key)
		if (j-h)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = connSlot{}
	t.n--
}

// len returns how many connections are kept.
func (t *connTable) len() int { return t.n }

// clear removes every connection, keeping the slots.
func (t *connTable) clear() {
	clear(t.slots)
	t.n = 0
}

// grow doubles the slots (or makes the first ones) and puts what was
// kept back in.
func (t *connTable) grow() {
	old := t.slots
	size := max(2*len(old), connTableMin)
	t.slots = make([]connSlot, size)
	t.shift = 64 - uint(bits.TrailingZeros(uint(size)))
	t.n = 0
	for _, s := range old {
		if s.key != 0 {
			t.put(s.key, s.c)
		}
	}
}
