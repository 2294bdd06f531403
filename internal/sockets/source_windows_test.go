package sockets

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/iphlp"
)

// TestWindowsIPHelperSource runs on Windows, and under Wine in CI
// (cmd/sockscope's Wine tests run this package's test binary): a
// listener this process opens is in the table that the source reads with
// owner modules asked for, and the state filter holds.
func TestWindowsIPHelperSource(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	src, err := NewSystemSource(SourceOptions{Modules: true})
	if err != nil {
		t.Fatal(err)
	}
	socks, err := src.Snapshot(context.Background(), Filter{Protos: AllProtos, States: StateSet(0).With(Listen)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range socks {
		if s.State != Listen {
			t.Errorf("state filter let %s through", s.State)
		}
		if s.Proto == TCP && s.Local.Port() == port && s.Local.Addr().String() == "127.0.0.1" {
			found = true
		}
	}
	if !found {
		t.Errorf("listener on 127.0.0.1:%d not among %d listening sockets", port, len(socks))
	}
}

// TestWindowsOwnerModuleLookup asks for the owner module of the row of a
// listener this process opens, as the source does for -b: this program is
// no service, so the answer is "". Where iphlpapi.dll lacks the call
// (Wine 8, which also gives the row PID 0) the lookup must answer ""
// instead of panicking in the generated wrapper.
func TestWindowsOwnerModuleLookup(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	b, _, err := readMIBTable(TCP, Inet, nil)
	if err != nil {
		t.Fatal(err)
	}
	socks, err := appendMIBTable(nil, b, TCP, &mibTCP4)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(socks, func(s Socket) bool { return s.State == Listen && s.Local.Port() == port })
	if i < 0 {
		t.Fatalf("no row for the listener on port %d", port)
	}
	row := b[mibTableHeader+i*mibTCP4.rowLen:][:mibTCP4.rowLen]
	if pid := binary.LittleEndian.Uint32(row[mibTCP4.pid:]); pid != uint32(os.Getpid()) {
		t.Logf("the row's owner is PID %d, not this process's %d (Wine gives 0)", pid, os.Getpid())
	}
	if ownerModuleCall(&mibTCP4) == nil {
		t.Log("iphlpapi.dll has no GetOwnerModuleFromTcpEntry (Wine)")
	}
	if s := (&ownerModules{}).lookup(&mibTCP4, row); s != "" {
		t.Errorf("service %q for the row of a listener of this program", s)
	}
}

// TestWindowsReadMIBTableRetry: with a buffer too small for any table,
// each call answers ERROR_INSUFFICIENT_BUFFER with the size it needs, and
// readMIBTable grows the buffer and retries until the table decodes.
func TestWindowsReadMIBTableRetry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct {
		proto Proto
		fam   Family
	}{{TCP, Inet}, {TCP, Inet6}, {UDP, Inet}, {UDP, Inet6}} {
		tiny := make([]uint64, 1) // 8 bytes: dwNumEntries and padding, no row
		b, grown, err := readMIBTable(c.proto, c.fam, tiny)
		if err != nil {
			t.Fatalf("%s%s: %v", c.proto, famSuffix(c.fam), err)
		}
		if _, err := appendMIBTable(nil, b, c.proto, mibLayoutOf(c.proto, c.fam)); err != nil {
			t.Errorf("%s%s: %v", c.proto, famSuffix(c.fam), err)
		}
		n := binary.LittleEndian.Uint32(b)
		if n > 0 && len(grown) <= len(tiny) {
			t.Errorf("%s%s: %d rows in a buffer that did not grow", c.proto, famSuffix(c.fam), n)
		}
		if c.proto == TCP && c.fam == Inet && n == 0 {
			t.Errorf("tcp: no rows, though this process listens on %s", ln.Addr())
		}
	}
}

// TestWindowsIPHelperInternals asks the source for the internals of a
// loopback connection this process holds. The listing itself must not
// suffer: the connection is listed whatever happens to its internals.
// Under Wine, which has no GetPerTcpConnectionEStats, the source must say
// so in one *iphlp.EStatsError in a *PartialError and fill nothing. On
// Windows unelevated, collection is off for the connection and turning
// it on is refused: the error says to run as Administrator. Elevated,
// the connection's tcp_info holds its MSS, RTT and window.
func TestWindowsIPHelperInternals(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	local := c.LocalAddr().(*net.TCPAddr)

	src, err := NewSystemSource(SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet), Internals: WantInfo}
	socks, err := src.Snapshot(context.Background(), f, nil)
	var (
		partial *PartialError
		es      *iphlp.EStatsError
	)
	if err != nil && (!errors.As(err, &partial) || !errors.As(err, &es)) {
		t.Fatalf("not a partial listing with an EStatsError: %v", err)
	}
	if partial != nil && len(partial.Errs) != 1 {
		t.Errorf("%d errors, want the EStatsError alone: %v", len(partial.Errs), err)
	}
	i := slices.IndexFunc(socks, func(s Socket) bool {
		return s.State == Established && s.Local.Port() == uint16(local.Port) && s.Local.Addr() == netip.MustParseAddr("127.0.0.1")
	})
	if i < 0 {
		t.Fatalf("the connection from %s is not among %d sockets (%v)", local, len(socks), err)
	}
	in := socks[i].Internals
	switch {
	case es != nil && es.Reason == iphlp.EStatsUnsupported:
		t.Logf("Wine: %v", es)
		if !errors.Is(err, errors.ErrUnsupported) || strings.Contains(es.Error(), "\n") {
			t.Errorf("unsupported, yet %q", err)
		}
		for _, s := range socks {
			if s.Internals != nil {
				t.Errorf("internals filled without the calls: %+v", s)
			}
		}
	case es != nil && es.Reason == iphlp.EStatsNeedsElevation:
		t.Logf("not elevated: %v", es)
		if in != nil || !strings.Contains(es.Error(), "Administrator") {
			t.Errorf("internals %+v with %q", in, es)
		}
	case es != nil:
		t.Fatal(es)
	default:
		if in == nil || in.Has&HasTCPInfo == 0 {
			t.Fatalf("no tcp_info for the connection, and no error")
		}
		if ti := in.TCP; ti.SndMSS == 0 || ti.AdvMSS == 0 || ti.RTO == 0 || ti.SndCwnd == 0 || ti.State != uint8(Established) {
			t.Errorf("tcp_info %+v", ti)
		}
	}
}
