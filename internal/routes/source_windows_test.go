package routes

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// TestWindowsLayoutMatchesXSys checks mibroute.go's offsets against the compiler's
// layout of x/sys/windows's declaration of the same structures.
func TestWindowsLayoutMatchesXSys(t *testing.T) {
	var r windows.MibIpForwardRow2
	var tbl windows.MibIpForwardTable2
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(MIB_IPFORWARD_ROW2)", mibForwardRowLen, unsafe.Sizeof(r)},
		{"Table", mibForwardHeader, unsafe.Offsetof(tbl.Table)},
		{"InterfaceIndex", fwdIfIndex, unsafe.Offsetof(r.InterfaceIndex)},
		{"DestinationPrefix", fwdDest, unsafe.Offsetof(r.DestinationPrefix)},
		{"PrefixLength", fwdDestLen, unsafe.Offsetof(r.DestinationPrefix) + unsafe.Offsetof(r.DestinationPrefix.PrefixLength)},
		{"NextHop", fwdNextHop, unsafe.Offsetof(r.NextHop)},
		{"sizeof(SOCKADDR_INET)", sockaddrInetLen, unsafe.Sizeof(r.NextHop)},
		{"Metric", fwdMetric, unsafe.Offsetof(r.Metric)},
		{"Protocol", fwdProtocol, unsafe.Offsetof(r.Protocol)},
		{"Loopback", fwdLoopback, unsafe.Offsetof(r.Loopback)},
		{"Origin", fwdOrigin, unsafe.Offsetof(r.Origin)},
	} {
		if c.got != c.want {
			t.Errorf("%s: mibroute.go says %d, x/sys %d", c.name, c.got, c.want)
		}
	}
}

// TestWindowsListLive lists this machine's routes: it works, or the API is
// missing (ErrUnsupported).
func TestWindowsListLive(t *testing.T) {
	rs, err := List(context.Background())
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		t.Logf("%+v", r)
		if r.Table != TableMain || (r.Family != 4 && r.Family != 6) {
			t.Errorf("route %+v", r)
		}
	}
}
