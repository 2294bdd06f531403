package ifaces

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"reflect"
	"testing"
	"unicode/utf16"

	"github.com/sockscope/sockscope/internal/errs"
)

// ifRow is one MIB_IF_ROW2, for building fixtures.
type ifRow struct {
	index              uint32
	alias, description string
	ifType             uint32 // IANA ifType
	flags              byte   // InterfaceAndOperStatusFlags
	in, out            [9]uint64
}

// putWchars stores s as UTF-16LE in b, cut to fit; the NUL after it is
// b's own zero bytes, if room is left.
func putWchars(b []byte, s string) {
	for i, c := range utf16.Encode([]rune(s)) {
		if 2*i+2 > len(b) {
			return
		}
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
}

// putIfRow lays a row out at the offsets mibif.go's comment lists,
// written out here again rather than taken from its constants. Fields the
// decoder ignores get values it must skip.
func putIfRow(r []byte, row ifRow) {
	le := binary.LittleEndian
	le.PutUint64(r[0:], 0x0006_0000_0100_0000|uint64(row.index)) // 0 InterfaceLuid
	le.PutUint32(r[8:], row.index)                               // 8 InterfaceIndex
	for i := range 16 {                                          // 12 InterfaceGuid
		r[12+i] = byte(0xa0 + i)
	}
	putWchars(r[28:542], row.alias)              // 28 Alias[257]
	putWchars(r[542:1056], row.description)      // 542 Description[257]
	le.PutUint32(r[1056:], 6)                    // 1056 PhysicalAddressLength
	copy(r[1060:], "\x02\x00\x5e\x10\x00\x01")   // 1060 PhysicalAddress[32]
	copy(r[1092:], "\x02\x00\x5e\x10\x00\x01")   // 1092 PermanentPhysicalAddress[32]
	le.PutUint32(r[1124:], 1500)                 // 1124 Mtu
	le.PutUint32(r[1128:], row.ifType)           // 1128 Type
	le.PutUint32(r[1136:], 0)                    // 1136 MediaType NdisMedium802_3
	le.PutUint32(r[1140:], 14)                   // 1140 PhysicalMediumType NdisPhysicalMedium802_3
	r[1152] = row.flags                          // 1152 InterfaceAndOperStatusFlags
	r[1153], r[1154], r[1155] = 0xee, 0xee, 0xee // padding
	le.PutUint32(r[1156:], 1)                    // 1156 OperStatus IfOperStatusUp
	le.PutUint32(r[1160:], 1)                    // 1160 AdminStatus
	le.PutUint64(r[1192:], 1e9)                  // 1192 TransmitLinkSpeed
	le.PutUint64(r[1200:], 1e9)                  // 1200 ReceiveLinkSpeed
	for i, v := range row.in {                   // 1208 InOctets ... InBroadcastOctets
		le.PutUint64(r[1208+8*i:], v)
	}
	for i, v := range row.out { // 1280 OutOctets ... OutBroadcastOctets
		le.PutUint64(r[1280+8*i:], v)
	}
	le.PutUint64(r[1344:], 77) // 1344 OutQLen
}

// ifTable returns a MIB_IF_TABLE2: NumEntries, 4 bytes of padding, then
// 1352-byte rows from offset 8.
func ifTable(rows ...ifRow) []byte {
	b := make([]byte, 8+1352*len(rows))
	binary.LittleEndian.PutUint32(b, uint32(len(rows)))
	for i, row := range rows {
		putIfRow(b[8+1352*i:][:1352], row)
	}
	return b
}

// The order of the in and out arrays: Octets, UcastPkts, NUcastPkts,
// Discards, Errors, UnknownProtos (in only), UcastOctets, MulticastOctets,
// BroadcastOctets.
var ifFixture = []struct {
	row  ifRow
	want Interface
}{
	{ifRow{index: 1, alias: "Loopback Pseudo-Interface 1", description: "Software Loopback Interface 1", ifType: 24},
		Interface{Name: "Loopback Pseudo-Interface 1", Index: 1, Windows: true, Loopback: true}},
	{ifRow{index: 12, alias: "Ethernet", description: "Intel(R) Ethernet Connection (7) I219-V", ifType: 6, flags: 0b0101, // hardware, connector present
		in:  [9]uint64{3_995_837_940, 2_000_000, 45_000, 17, 2, 300, 3_900_000_000, 90_000_000, 5_837_940},
		out: [9]uint64{47_224_497, 300_000, 4_000, 1, 3, 0, 47_000_000, 200_000, 24_497}},
		Interface{Name: "Ethernet", Index: 12, Windows: true,
			RxBytes: 3_995_837_940, RxPackets: 2_045_000, RxUnicast: 2_000_000, RxNonUnicast: 45_000, RxMulticast: 45_000,
			RxDropped: 17, RxErrors: 2, RxUnknownProtos: 300,
			TxBytes: 47_224_497, TxPackets: 304_000, TxUnicast: 300_000, TxNonUnicast: 4_000, TxDropped: 1, TxErrors: 3}},
	{ifRow{index: 13, alias: "Ethernet-WFP Native MAC Layer LightWeight Filter-0000", ifType: 6, flags: 0b0110, // filter
		in: [9]uint64{1, 1}},
		Interface{Name: "Ethernet-WFP Native MAC Layer LightWeight Filter-0000", Index: 13, Windows: true, Filter: true,
			RxBytes: 1, RxPackets: 1, RxUnicast: 1}},
	{ifRow{index: 20, description: "WAN Miniport (IP)", ifType: 6}, // no alias: the description
		Interface{Name: "WAN Miniport (IP)", Index: 20, Windows: true}},
	{ifRow{index: 21, ifType: 131}, // neither: "if" and the index
		Interface{Name: "if21", Index: 21, Windows: true}},
	{ifRow{index: 22, alias: "以太网 2 🔌", ifType: 6, in: [9]uint64{0, math.MaxUint64, 5}}, // non-ASCII; packets saturate
		Interface{Name: "以太网 2 🔌", Index: 22, Windows: true, RxPackets: math.MaxUint64, RxUnicast: math.MaxUint64, RxNonUnicast: 5, RxMulticast: 5}},
	{ifRow{index: 23, alias: longName(300), ifType: 6}, // an alias filling all 257 WCHARs, no NUL
		Interface{Name: longName(257), Index: 23, Windows: true}},
}

// longName returns n letters.
func longName(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

func TestDecodeIfTable2(t *testing.T) {
	var rows []ifRow
	for _, f := range ifFixture {
		rows = append(rows, f.row)
	}
	got, err := DecodeIfTable2(append(ifTable(rows...), 1, 2, 3)) // trailing bytes are ignored
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ifFixture) {
		t.Fatalf("%d interfaces, want %d", len(got), len(ifFixture))
	}
	for i, f := range ifFixture {
		if !reflect.DeepEqual(got[i], f.want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], f.want)
		}
	}
}

func TestDecodeIfTable2Errors(t *testing.T) {
	good := ifTable(ifFixture[0].row, ifFixture[1].row)
	withCount := func(b []byte, n uint32) []byte {
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b, n)
		return b
	}
	badIndex := ifTable(ifFixture[1].row)
	binary.LittleEndian.PutUint32(badIndex[8+8:], 1<<31)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"shorter than NumEntries", []byte{1, 0}},
		{"header without rows", withCount(good[:8], 1)},
		{"last row truncated", good[:len(good)-8]},
		{"NumEntries larger than the buffer", withCount(good, 3)},
		{"NumEntries 2^32-1", withCount(good, math.MaxUint32)},
		{"interface index above MaxInt32", badIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeIfTable2(tc.b)
			if !errors.Is(err, errs.ErrMalformed) || got != nil {
				t.Errorf("got %v, %v; want nil and an error wrapping errs.ErrMalformed", got, err)
			}
		})
	}
	if got, err := DecodeIfTable2(withCount(good, 0)); err != nil || len(got) != 0 {
		t.Errorf("NumEntries 0: %v, %v", got, err)
	}
}

// FuzzDecodeIfTable2 checks that no input panics and that decoded
// interfaces are self-consistent.
func FuzzDecodeIfTable2(f *testing.F) {
	var rows []ifRow
	for _, w := range ifFixture {
		rows = append(rows, w.row)
	}
	all := ifTable(rows...)
	f.Add(all)                                        // every fixture row
	f.Add(ifTable(ifFixture[1].row))                  // one Ethernet adapter
	f.Add(all[:len(all)-1])                           // the last row one byte short
	f.Add([]byte{2, 0, 0, 0})                         // two rows announced, none there
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}) // NumEntries 2^32-1
	odd := ifTable(ifRow{index: 3})
	binary.LittleEndian.PutUint16(odd[8+28:], 0xd800) // Alias starting with an unpaired surrogate
	f.Add(odd)
	if wine, err := os.ReadFile("testdata/wine-iftable2.bin"); err == nil {
		f.Add(wine) // captured under Wine
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ifs, err := DecodeIfTable2(b)
		if err != nil {
			if ifs != nil {
				t.Errorf("%d interfaces with error %v", len(ifs), err)
			}
			return
		}
		if len(ifs)*1352+8 > max(len(b), 8) {
			t.Errorf("%d interfaces from %d bytes", len(ifs), len(b))
		}
		for _, ifc := range ifs {
			if ifc.Name == "" || !ifc.Windows || ifc.Index < 0 {
				t.Errorf("interface %+v", ifc)
			}
			if ifc.RxPackets < ifc.RxUnicast || ifc.RxPackets < ifc.RxNonUnicast || ifc.TxPackets < ifc.TxUnicast {
				t.Errorf("packets below their parts: %+v", ifc)
			}
		}
	})
}

// TestDecodeWineCapture decodes the table Wine 8 returned on a Linux host
// and checks it against that host's /proc/net/dev, read right after (see
// testdata/README.md): Wine names interfaces as Linux does and copies
// Linux's counters.
func TestDecodeWineCapture(t *testing.T) {
	b, err := os.ReadFile("testdata/wine-iftable2.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeIfTable2(b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/wine-iftable2.dev")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	linux, err := ParseDev(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(linux) {
		t.Fatalf("%d interfaces, /proc/net/dev has %d", len(got), len(linux))
	}
	for i, w := range linux {
		g := got[i]
		if g.Name != w.Name || g.Index != i+1 || g.Loopback != (w.Name == "lo") || g.Filter {
			t.Errorf("row %d: %q index %d loopback %v filter %v; want %q index %d", i, g.Name, g.Index, g.Loopback, g.Filter, w.Name, i+1)
		}
		if g.RxBytes != w.RxBytes || g.RxPackets != w.RxPackets || g.RxErrors != w.RxErrors || g.RxDropped != w.RxDropped ||
			g.TxBytes != w.TxBytes || g.TxPackets != w.TxPackets || g.TxErrors != w.TxErrors || g.TxDropped != w.TxDropped {
			t.Errorf("%s: counters %+v, /proc/net/dev %+v", w.Name, g, w)
		}
	}
}
