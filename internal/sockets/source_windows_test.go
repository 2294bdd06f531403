package sockets

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"testing"
)

// TestWindowsIPHelperSource runs on Windows, and under Wine in CI
// (cmd/sockscope's Wine tests run this package's test binary): a
// listener this process opens is in the table, with owner modules asked
// for (Wine's iphlpapi.dll lacks GetOwnerModuleFrom*Entry: that must be
// skipped, not crash).
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

// TestWindowsOwnerModuleLookup: asking for the owner module of a row
// never fails the listing: a row of this process gives no service (a
// program's module is its image), and where iphlpapi.dll lacks the call
// (Wine 8) the lookup answers "" instead of panicking in the generated
// wrapper.
func TestWindowsOwnerModuleLookup(t *testing.T) {
	row := make([]byte, mibTCPRowOwnerModuleLen)
	binary.LittleEndian.PutUint32(row[0:], 2)                    // LISTEN
	binary.LittleEndian.PutUint32(row[20:], uint32(os.Getpid())) // dwOwningPid
	if ownerModuleCall(&mibTCP4) == nil {
		t.Log("iphlpapi.dll has no GetOwnerModuleFromTcpEntry (Wine)")
	}
	if s := (&ownerModules{}).lookup(&mibTCP4, row); s != "" {
		t.Errorf("service %q for a row of this program", s)
	}
}
