package sockets

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
)

// TestModuleResolver runs the owner-module step of the Windows source on
// the tcp4.bin fixture, with the call replaced by buffers laid out as
// GetOwnerModuleFromTcpEntry fills them: the svchost listener on port 135
// names the RpcSs service, System's and chrome's sockets name programs,
// the TIME_WAIT row (PID 0) is never asked about, and each (PID,
// OwningModuleInfo) is asked about once.
func TestModuleResolver(t *testing.T) {
	const base = 0x7ff6_1000
	modules := map[uint32][2]string{ // PID → module name, path
		1004: {"RpcSs", "RpcSs"},
		4:    {"System", "System"},
		4242: {"chrome.exe", `C:\Program Files\Google\Chrome\Application\chrome.exe`},
	}
	var asked []uint32
	m := moduleResolver{lookup: func(l *mibLayout, row []byte) string {
		pid := binary.LittleEndian.Uint32(row[l.pid:])
		asked = append(asked, pid)
		mod := modules[pid]
		name, path, err := decodeOwnerModule(ownerModuleBuf(base, 8, mod[0], mod[1]), base, 8)
		if err != nil {
			t.Fatal(err)
		}
		return moduleService(name, path)
	}}
	b := slices.Clone(mibFixtures[0].data) // tcp4.bin
	// Row 5 (SYN_SENT, PID 4242 like row 3) gets PID 5555, whose module
	// names a service: keep(5) is false, so it must be neither asked
	// about nor given that service.
	binary.LittleEndian.PutUint32(b[mibTableHeader+5*mibTCPRowOwnerModuleLen+mibTCP4.pid:], 5555)
	modules[5555] = [2]string{"Skipped", "Skipped"}
	socks, err := appendMIBTableOf(nil, b, TCP, Inet)
	if err != nil {
		t.Fatal(err)
	}
	keep := func(i int) bool { return i != 5 } // as if the filter dropped the SYN_SENT row
	m.resolve(socks, b, &mibTCP4, keep)

	if len(asked) != 3 {
		t.Errorf("lookups for PIDs %v, want one each for 1004, 4 and 4242", asked)
	}
	for i, want := range []struct {
		pid  int32
		unit string
	}{{1004, "RpcSs"}, {4, ""}, {4, ""}, {4242, ""}, {0, ""}, {5555, ""}} {
		s := socks[i]
		if want.pid == 0 {
			if len(s.Processes) != 0 {
				t.Errorf("row %d: holders %v, want none", i, s.Processes)
			}
			continue
		}
		if p := s.Processes[0]; p.Info.PID != want.pid || p.Info.Unit != want.unit || p.Info.UID != NoUID {
			t.Errorf("row %d: PID %d service %q uid %d, want %d %q and no uid", i, p.Info.PID, p.Info.Unit, p.Info.UID, want.pid, want.unit)
		}
	}
	if socks[1].Processes[0].Info != socks[2].Processes[0].Info {
		t.Error("System's sockets no longer share one ProcessInfo")
	}
	if again := m.info(1004, "RpcSs"); again != socks[0].Processes[0].Info {
		t.Error("a service's sockets would not share one ProcessInfo")
	}
}

// mibTable100k is a MIB_TCPTABLE_OWNER_MODULE of 100,000 established
// connections held by 200 processes, as a busy Windows server has.
func mibTable100k() []byte {
	rows := make([]mibRow, 100_000)
	for i := range rows {
		rows[i] = mibRow{state: 5, local: ap("10.0.0.5:443"),
			remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(1024+i%60000)),
			pid:    uint32(1000 + i%200)}
	}
	return mibTable(mibTCPRowOwnerModuleLen, rows, putTCP4)
}

func BenchmarkDecodeMIBTable100k(b *testing.B) {
	table := mibTable100k()
	dst := make([]Socket, 0, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = appendMIBTable(dst[:0], table, TCP, &mibTCP4); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModuleResolver100k: -b on 100k sockets of 200 processes asks
// GetOwnerModuleFromTcpEntry 200 times (a no-op lookup here); the rest is
// the per-row cache.
func BenchmarkModuleResolver100k(b *testing.B) {
	table := mibTable100k()
	socks, err := appendMIBTable(nil, table, TCP, &mibTCP4)
	if err != nil {
		b.Fatal(err)
	}
	keep := func(int) bool { return true }
	lookups := 0
	b.ReportAllocs()
	for b.Loop() {
		m := moduleResolver{lookup: func(*mibLayout, []byte) string { lookups++; return "svc" }}
		m.resolve(socks, table, &mibTCP4, keep)
	}
	if lookups != 200*b.N {
		b.Errorf("%d lookups in %d runs, want 200 each", lookups, b.N)
	}
}
