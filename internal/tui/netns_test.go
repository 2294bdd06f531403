package tui

import (
	"testing"

	"github.com/sockscope/sockscope/internal/netns"
)

// TestScreenNetNS: sockets of several namespaces (--all-netns) get a
// NetNS column, named as the listing names them (the ip netns name, else
// the container's, else the inode), and the column sorts by namespace.
func TestScreenNetNS(t *testing.T) {
	socks := base()
	for i := range socks {
		socks[i].NetNS = 4026531840 + uint64(i%3)
	}
	names := map[uint64]*netns.Label{
		4026531840: {Name: "host"},
		4026531841: {Name: "web-1"},
	}
	h := newHarness(t, 80, 24, Options{Color: true, Namespace: func(ino uint64) *netns.Label { return names[ino] }}, socks...)
	h.step()
	golden(t, "netns_80x24", h.screen())
	for range colNetNS - colNone {
		if h.v.m.sort.col == colNetNS {
			break
		}
		h.typ("o")
	}
	if h.v.m.sort.col != colNetNS {
		t.Fatalf("o never sorts by the NetNS column (at %v)", h.v.m.sort.col)
	}
	var last uint64
	for i := range h.v.m.order {
		ns := h.v.m.row(i).s.NetNS
		if ns < last {
			t.Fatalf("row %d of namespace %d after one of %d: not sorted by namespace", i, ns, last)
		}
		last = ns
	}
	if got := netnsText(4026531842, func(uint64) *netns.Label { return nil }); got != "4026531842" {
		t.Errorf("an unnamed namespace is shown as %q", got)
	}
}
