package sockets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

var updateMIB = flag.Bool("update-mib", false, "rewrite testdata/mib/*.bin from mibFixtures")

// mibRow is one row of a *_OWNER_MODULE table, for building fixtures.
type mibRow struct {
	state         uint32 // MIB_TCP_STATE; TCP only
	local, remote netip.AddrPort
	scope         uint32 // dwLocalScopeId (and dwRemoteScopeId); IPv6 only
	pid           uint32
}

// The builders below lay rows out independently of mibtable.go's mibLayout
// (a second reading of the same pages), at the offsets its comments list.
// Every row also gets a liCreateTimestamp and OwningModuleInfo bytes,
// which the decoder must skip.

// mibTable returns dwNumEntries, the 4 bytes of padding before the
// 8-aligned first row, and the rows.
func mibTable(rowLen int, rows []mibRow, put func(r []byte, row mibRow)) []byte {
	b := make([]byte, 8+rowLen*len(rows))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(rows))) // 0 dwNumEntries; 4 padding
	for i, row := range rows {
		put(b[8+i*rowLen:][:rowLen], row)
	}
	return b
}

// putPort stores a port as the API does: network byte order in the low
// 16 bits (the first two bytes) of a little-endian DWORD.
func putPort(b []byte, port uint16) { binary.BigEndian.PutUint16(b, port) }

func putOwner(b []byte, created int, modules int, row mibRow) {
	binary.LittleEndian.PutUint64(b[created:], 0x01da_0000_0000_0000|uint64(row.pid)) // a FILETIME
	for i := range 16 {
		binary.LittleEndian.PutUint64(b[modules+8*i:], 0xabcd_0000+uint64(i))
	}
}

func putTCP4(r []byte, row mibRow) { // MIB_TCPROW_OWNER_MODULE, 160 bytes
	le := binary.LittleEndian
	le.PutUint32(r[0:], row.state)              // 0 dwState
	copy(r[4:8], row.local.Addr().AsSlice())    // 4 dwLocalAddr (network order)
	putPort(r[8:], row.local.Port())            // 8 dwLocalPort
	copy(r[12:16], row.remote.Addr().AsSlice()) // 12 dwRemoteAddr
	putPort(r[16:], row.remote.Port())          // 16 dwRemotePort
	le.PutUint32(r[20:], row.pid)               // 20 dwOwningPid
	putOwner(r, 24, 32, row)                    // 24 liCreateTimestamp, 32 OwningModuleInfo[16]
}

func putTCP6(r []byte, row mibRow) { // MIB_TCP6ROW_OWNER_MODULE, 192 bytes
	le := binary.LittleEndian
	copy(r[0:16], row.local.Addr().AsSlice())   // 0 ucLocalAddr[16]
	le.PutUint32(r[16:], row.scope)             // 16 dwLocalScopeId
	putPort(r[20:], row.local.Port())           // 20 dwLocalPort
	copy(r[24:40], row.remote.Addr().AsSlice()) // 24 ucRemoteAddr[16]
	le.PutUint32(r[40:], row.scope)             // 40 dwRemoteScopeId
	putPort(r[44:], row.remote.Port())          // 44 dwRemotePort
	le.PutUint32(r[48:], row.state)             // 48 dwState
	le.PutUint32(r[52:], row.pid)               // 52 dwOwningPid
	putOwner(r, 56, 64, row)                    // 56 liCreateTimestamp, 64 OwningModuleInfo[16]
}

func putUDP4(r []byte, row mibRow) { // MIB_UDPROW_OWNER_MODULE, 160 bytes
	copy(r[0:4], row.local.Addr().AsSlice())      // 0 dwLocalAddr
	putPort(r[4:], row.local.Port())              // 4 dwLocalPort
	binary.LittleEndian.PutUint32(r[8:], row.pid) // 8 dwOwningPid; 12 padding
	binary.LittleEndian.PutUint32(r[24:], 1)      // 24 SpecificPortBind/dwFlags; 28 padding
	putOwner(r, 16, 32, row)                      // 16 liCreateTimestamp, 32 OwningModuleInfo[16]
}

func putUDP6(r []byte, row mibRow) { // MIB_UDP6ROW_OWNER_MODULE, 176 bytes
	copy(r[0:16], row.local.Addr().AsSlice())        // 0 ucLocalAddr[16]
	binary.LittleEndian.PutUint32(r[16:], row.scope) // 16 dwLocalScopeId
	putPort(r[20:], row.local.Port())                // 20 dwLocalPort
	binary.LittleEndian.PutUint32(r[24:], row.pid)   // 24 dwOwningPid; 28 padding
	binary.LittleEndian.PutUint32(r[40:], 1)         // 40 SpecificPortBind/dwFlags; 44 padding
	putOwner(r, 32, 48, row)                         // 32 liCreateTimestamp, 48 OwningModuleInfo[16]
}

// ap parses a fixture's address and port.
var ap = netip.MustParseAddrPort

// mibFixtures are the tables in testdata/mib, and what each decodes to
// (sockLine, then the owning PID).
var mibFixtures = []struct {
	file string
	udp  bool
	fam  Family
	data []byte
	want []string
}{
	{"tcp4.bin", false, Inet, mibTable(160, []mibRow{
		{state: 2, local: ap("0.0.0.0:135"), remote: ap("0.0.0.0:0"), pid: 1004},                // listener (RPC, svchost)
		{state: 2, local: ap("127.0.0.1:5357"), remote: ap("0.0.0.0:0"), pid: 4},                // listener (System)
		{state: 5, local: ap("127.0.0.1:5357"), remote: ap("127.0.0.1:49700"), pid: 4},          // established pair, server end
		{state: 5, local: ap("127.0.0.1:49700"), remote: ap("127.0.0.1:5357"), pid: 4242},       // and client end
		{state: 11, local: ap("127.0.0.1:49699"), remote: ap("127.0.0.1:5357"), pid: 0},         // TIME_WAIT, no owner
		{state: 3, local: ap("192.168.1.20:49701"), remote: ap("93.184.216.34:443"), pid: 4242}, // SYN_SENT
	}, putTCP4), []string{
		"tcp inet LISTEN 0.0.0.0:135 0.0.0.0:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=1004",
		"tcp inet LISTEN 127.0.0.1:5357 0.0.0.0:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4",
		"tcp inet ESTABLISHED 127.0.0.1:5357 127.0.0.1:49700 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4",
		"tcp inet ESTABLISHED 127.0.0.1:49700 127.0.0.1:5357 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4242",
		"tcp inet TIME_WAIT 127.0.0.1:49699 127.0.0.1:5357 rq=0 sq=0 ino=0 uid=4294967295 cookie=0",
		"tcp inet SYN_SENT 192.168.1.20:49701 93.184.216.34:443 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4242",
	}},
	{"tcp6.bin", false, Inet6, mibTable(192, []mibRow{
		{state: 2, local: ap("[::]:445"), remote: ap("[::]:0"), pid: 4},                            // listener
		{state: 5, local: ap("[fe80::1]:49800"), remote: ap("[fe80::2]:445"), scope: 3, pid: 4242}, // link-local, scope id 3
		{state: 12, local: ap("[::1]:49801"), remote: ap("[::1]:445"), pid: 0},                     // DELETE_TCB
	}, putTCP6), []string{
		"tcp inet6 LISTEN [::]:445 [::]:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4",
		"tcp inet6 ESTABLISHED [fe80::1]:49800 [fe80::2]:445 if=3 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=4242",
		"tcp inet6 CLOSE [::1]:49801 [::1]:445 rq=0 sq=0 ino=0 uid=4294967295 cookie=0",
	}},
	{"udp4.bin", true, Inet, mibTable(160, []mibRow{
		{local: ap("0.0.0.0:5353"), pid: 2100}, // mDNS
		{local: ap("127.0.0.1:1900"), pid: 0},  // SSDP, owner unknown
	}, putUDP4), []string{
		"udp inet CLOSE 0.0.0.0:5353 0.0.0.0:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=2100",
		"udp inet CLOSE 127.0.0.1:1900 0.0.0.0:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0",
	}},
	{"udp6.bin", true, Inet6, mibTable(176, []mibRow{
		{local: ap("[fe80::1]:546"), scope: 3, pid: 1004}, // DHCPv6 client, scope id 3
		{local: ap("[::]:5353"), pid: 2100},
	}, putUDP6), []string{
		"udp inet6 CLOSE [fe80::1]:546 [::]:0 if=3 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=1004",
		"udp inet6 CLOSE [::]:5353 [::]:0 rq=0 sq=0 ino=0 uid=4294967295 cookie=0 pid=2100",
	}},
}

func decodeMIB(dst []Socket, b []byte, udp bool, fam Family) ([]Socket, error) {
	if udp {
		return appendMIBTableOf(dst, b, UDP, fam)
	}
	return appendMIBTableOf(dst, b, TCP, fam)
}

// mibLine is sockLine plus the owning PIDs.
func mibLine(s *Socket) string {
	var b strings.Builder
	b.WriteString(sockLine(s))
	for _, p := range s.Processes {
		fmt.Fprintf(&b, " pid=%d", p.Info.PID)
	}
	return b.String()
}

func TestDecodeMIBFixtures(t *testing.T) {
	for _, fx := range mibFixtures {
		t.Run(fx.file, func(t *testing.T) {
			path := filepath.Join("testdata", "mib", fx.file)
			if *updateMIB {
				if err := os.WriteFile(path, fx.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, fx.data) {
				t.Fatalf("%s differs from mibFixtures; rerun with -update-mib", path)
			}
			socks, err := decodeMIB(nil, b, fx.udp, fx.fam)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(socks))
			for i := range socks {
				got[i] = mibLine(&socks[i])
			}
			if !slices.Equal(got, fx.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(fx.want, "\n"))
			}
			// One ProcessInfo per PID within a decode call.
			seen := map[int32]*ProcessInfo{}
			for _, s := range socks {
				for _, p := range s.Processes {
					if q := seen[p.Info.PID]; q != nil && q != p.Info {
						t.Errorf("pid %d has two ProcessInfos", p.Info.PID)
					}
					seen[p.Info.PID] = p.Info
				}
			}
			// Bytes after the last row (the API's buffer is often larger).
			more, err := decodeMIB(nil, append(slices.Clone(b), make([]byte, 100)...), fx.udp, fx.fam)
			if err != nil || len(more) != len(socks) {
				t.Errorf("with trailing bytes: %d sockets, %v", len(more), err)
			}
		})
	}
}

func TestDecodeMIBTableEdges(t *testing.T) {
	row := mibRow{state: 5, local: ap("10.0.0.1:80"), remote: ap("10.0.0.2:1234"), pid: 7}
	one := mibTable(160, []mibRow{row}, putTCP4)

	// Garbage in a port DWORD's upper bytes and in a listener's remote
	// fields is ignored.
	b := slices.Clone(one)
	b[8+10], b[8+11] = 0xff, 0xee
	b = append(b, mibTable(160, []mibRow{{state: 2, local: ap("0.0.0.0:80"), remote: ap("1.2.3.4:999")}}, putTCP4)[8:]...)
	binary.LittleEndian.PutUint32(b, 2)
	socks, err := appendMIBTableOf(nil, b, TCP, Inet)
	if err != nil || len(socks) != 2 || socks[0].Local != ap("10.0.0.1:80") || socks[1].Remote != ap("0.0.0.0:0") {
		t.Errorf("got %v, %v", socks, err)
	}

	prefix := []Socket{{Proto: Unix}}
	tests := []struct {
		name string
		b    []byte
		fam  Family
		udp  bool
		n    int // sockets appended; -1 for errs.ErrMalformed
	}{
		{"zero rows", []byte{0, 0, 0, 0, 0, 0, 0, 0}, Inet, false, 0},
		{"zero rows, bare count", []byte{0, 0, 0, 0}, Inet6, true, 0},
		{"empty", nil, Inet, false, -1},
		{"short count", []byte{1, 0, 0}, Inet, true, -1},
		{"truncated row", one[:len(one)-1], Inet, false, -1},
		{"header only", one[:8], Inet, false, -1},
		{"count past buffer", append([]byte{2, 0, 0, 0}, one[4:]...), Inet, false, -1},
		{"huge count", append([]byte{0xff, 0xff, 0xff, 0xff}, one[4:]...), Inet, false, -1},
		{"v4 rows read as v6", one, Inet6, false, -1},
		{"unknown family", one, Local, false, -1},
		{"unknown family udp", one, Local, true, -1},
		{"state 0", func() []byte { b := slices.Clone(one); b[8] = 0; return b }(), Inet, false, -1},
		{"state 13", func() []byte { b := slices.Clone(one); b[8] = 13; return b }(), Inet, false, -1},
		{"pid out of range", func() []byte { b := slices.Clone(one); b[8+23] = 0x80; return b }(), Inet, false, -1},
		{"one row", one, Inet, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeMIB(slices.Clone(prefix), tt.b, tt.udp, tt.fam)
			if tt.n < 0 {
				if !errors.Is(err, errs.ErrMalformed) || len(got) != len(prefix) {
					t.Errorf("got %d sockets, err %v; want dst unchanged and errs.ErrMalformed", len(got), err)
				}
				return
			}
			if err != nil || len(got) != len(prefix)+tt.n {
				t.Errorf("got %d sockets, %v; want %d", len(got)-len(prefix), err, tt.n)
			}
		})
	}

	_, err = appendMIBTableOf(nil, append([]byte{3, 0, 0, 0}, one[4:]...), TCP, Inet)
	if want := "dwNumEntries 3 needs 488 bytes, buffer has 168 (room for 1 rows)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to name the counts (%q)", err, want)
	}
}

// FuzzDecodeMIBTable decodes arbitrary bytes as each of the four tables;
// it must never panic, and every socket must be of the table's kind.
func FuzzDecodeMIBTable(f *testing.F) {
	for _, fx := range mibFixtures {
		f.Add(fx.data) // every fixture
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})    // a huge dwNumEntries, no rows
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 5}) // one row announced, one byte given
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, udp := range []bool{false, true} {
			for _, fam := range []Family{Inet, Inet6} {
				socks, err := decodeMIB(nil, b, udp, fam)
				if err != nil && len(socks) != 0 {
					t.Fatalf("%d sockets with error %v", len(socks), err)
				}
				for i := range socks {
					s := &socks[i]
					if s.Family != fam || s.Local.Addr().Is4() != (fam == Inet) || (s.Proto == UDP) != udp ||
						!s.State.Valid() || len(s.Processes) > 1 || len(s.Processes) == 1 && s.Processes[0].Info.PID <= 0 {
						t.Fatalf("decoded %s", mibLine(s))
					}
				}
			}
		}
	})
}
