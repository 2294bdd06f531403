package trace

import (
	"math/rand/v2"
	"testing"
)

// TestConnTable: a connTable holds what a Go map holds after any run of
// puts, deletes and clears, over keys alike in their home slot (one run
// across the table's end, deletes in its middle) and, mixed with them,
// keys spread out (the table grows, and the alike keys spread with it).
// Its length is checked after every operation, every key (present or
// not) every 20.
func TestConnTable(t *testing.T) {
	for _, spread := range []bool{false, true} {
		r := rand.New(rand.NewPCG(3, 4))
		var tab connTable
		want := map[uint64]openConn{}
		keys := alikeKeys(30)
		if spread {
			for range 2000 {
				keys = append(keys, r.Uint64()&^63) // aligned, as sockets are
			}
		}
		key := func() uint64 {
			if r.IntN(2) == 0 {
				return keys[r.IntN(30)]
			}
			return keys[r.IntN(len(keys))]
		}
		for i := range 50_000 {
			k := key()
			switch op := r.IntN(1000); {
			case op < 550:
				c := openConn{owner: Owner{PID: int32(i), Comm: "c"}, start: uint64(i), passive: i%2 == 0}
				tab.put(k, c)
				want[k] = c
			case op < 999:
				tab.del(k)
				delete(want, k)
			default:
				tab.clear()
				clear(want)
			}
			if tab.len() != len(want) {
				t.Fatalf("spread %v, op %d: %d kept, want %d", spread, i, tab.len(), len(want))
			}
			if i%20 == 0 {
				checkConns(t, &tab, want, keys)
			}
		}
	}
}

// TestConnTableGrow: a table grown from its first slots past a run
// across its end, then emptied by deletes, holds what a map holds at
// each step.
func TestConnTableGrow(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var tab connTable
	want := map[uint64]openConn{}
	keys := alikeKeys(30)
	for range 500 {
		keys = append(keys, r.Uint64()&^63)
	}
	for i, k := range keys {
		tab.put(k, openConn{start: uint64(i)})
		want[k] = openConn{start: uint64(i)}
		checkConns(t, &tab, want, keys)
	}
	if len(tab.slots) < 1024 {
		t.Errorf("%d slots for %d keys: the table did not grow", len(tab.slots), len(want))
	}
	for _, i := range r.Perm(len(keys)) {
		tab.del(keys[i])
		delete(want, keys[i])
		checkConns(t, &tab, want, keys)
	}
}

// checkConns fails t unless tab holds what want holds: its length, and
// for each of keys, the same connection or none.
func checkConns(t *testing.T, tab *connTable, want map[uint64]openConn, keys []uint64) {
	t.Helper()
	if tab.len() != len(want) {
		t.Fatalf("%d kept, want %d", tab.len(), len(want))
	}
	for _, k := range keys {
		got, ok := tab.get(k)
		w, wok := want[k]
		if ok != wok || got != w {
			t.Fatalf("key %#x: %+v %v, want %+v %v", k, got, ok, w, wok)
		}
	}
}

// alikeKeys returns n keys (n at most 31) whose home slot in a table of
// connTableMin slots is one of its last two: kept together they make
// one run that wraps past the table's end, and (fewer than half its
// slots) the table does not grow.
func alikeKeys(n int) []uint64 {
	t := connTable{shift: 64 - 6} // connTableMin slots
	var keys []uint64
	for k := uint64(64); len(keys) < n; k += 64 {
		if t.home(k) >= connTableMin-2 {
			keys = append(keys, k)
		}
	}
	return keys
}

// TestConnTableZero: the key 0, never a socket's address, is not kept.
func TestConnTableZero(t *testing.T) {
	var tab connTable
	tab.put(0, openConn{start: 1})
	tab.del(0)
	if _, ok := tab.get(0); ok || tab.len() != 0 {
		t.Errorf("key 0 kept: len %d", tab.len())
	}
}

// FuzzConnTable: any run of operations (each byte: put or delete of one
// of 16 keys, 8 of them alike in their home slot, or nothing) leaves the
// table holding what a map holds, and nothing of the keys it does not.
func FuzzConnTable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 64, 65, 128, 129, 255})
	f.Add([]byte{0, 16, 32, 48, 64, 80, 96, 112, 1, 17, 33})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var tab connTable
		want := map[uint64]openConn{}
		keys := append(alikeKeys(8), 1<<12, 5<<20, 7<<30, 11<<40, 3<<50, 1<<63, 12345<<6, 999<<9)
		for i, b := range ops {
			k := keys[b&15]
			switch b >> 4 & 7 {
			case 0, 1, 2:
				c := openConn{start: uint64(i)}
				tab.put(k, c)
				want[k] = c
			case 3, 4:
				tab.del(k)
				delete(want, k)
			}
			checkConns(t, &tab, want, keys)
		}
	})
}
