package netstats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

var updateMIB = flag.Bool("update-mib", false, "rewrite testdata/mib/*.bin from mibFixtures")

// dwords lays out v as consecutive little-endian DWORDs, the layout of
// every IP Helper statistics structure: DWORD i is at offset 4*i.
func dwords(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// icmpEx lays out a MIB_ICMP_EX: icmpInStats at offset 0, icmpOutStats at
// 1032; in each, dwMsgs at +0, dwErrors at +4, rgdwTypeCount[t] at
// +8+4*t. in and out map an ICMP type to its count.
func icmpEx(inMsgs, inErrs uint32, in map[int]uint32, outMsgs, outErrs uint32, out map[int]uint32) []byte {
	v := make([]uint32, 2*258)
	for half, s := range []struct {
		msgs, errs uint32
		types      map[int]uint32
	}{{inMsgs, inErrs, in}, {outMsgs, outErrs, out}} {
		base := 258 * half
		v[base], v[base+1] = s.msgs, s.errs
		for t, n := range s.types {
			v[base+2+t] = n
		}
	}
	return dwords(v...)
}

// mibFixtures are the files of testdata/mib and how they are laid out.
// The IPv4 values are those of testdata/live/snmp, so the fixtures stand
// for what Wine reports from that host.
var mibFixtures = map[string][]byte{
	// MIB_TCPSTATS: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens
	// PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs
	// RetransSegs InErrs OutRsts NumConns.
	"tcp.bin":  dwords(1, 200, 120000, 0xFFFFFFFF, 71, 6, 0, 1, 0, 2499, 2535, 0, 0, 3, 4),
	"tcp6.bin": dwords(4, 300, 120000, 0xFFFFFFFF, 5, 2, 1, 0, 3, 410, 398, 7, 0, 1, 3),
	// MIB_UDPSTATS: InDatagrams NoPorts InErrors OutDatagrams NumAddrs.
	"udp.bin":  dwords(78, 0, 0, 79, 5),
	"udp6.bin": dwords(12, 1, 2, 14, 3),
	// MIB_IPSTATS: Forwarding DefaultTTL InReceives InHdrErrors
	// InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers
	// OutRequests RoutingDiscards OutDiscards OutNoRoutes ReasmTimeout
	// ReasmReqds ReasmOks ReasmFails FragOks FragFails FragCreates NumIf
	// NumAddr NumRoutes.
	"ip.bin":  dwords(2, 64, 2340, 0, 0, 0, 0, 0, 2340, 2319, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 12),
	"ip6.bin": dwords(2, 128, 0xFFFFFFFE, 1, 2, 3, 4, 5, 239, 248, 6, 7, 8, 60, 9, 10, 11, 12, 13, 14, 3, 5, 9),
	// MIB_ICMP_EX, see icmpEx.
	"icmp.bin":  icmpEx(1, 0, map[int]uint32{3: 1}, 2, 0, map[int]uint32{0: 1, 10: 1}),
	"icmp6.bin": icmpEx(1, 0, map[int]uint32{1: 1}, 7, 0, map[int]uint32{1: 1, 135: 2, 143: 4}),
}

// readMIB returns testdata/mib/name, which must equal mibFixtures[name]
// (go test -run TestMIB -update-mib rewrites it).
func readMIB(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("testdata", "mib", name)
	want := mibFixtures[name]
	if *updateMIB {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from mibFixtures[%q]; rerun with -update-mib", path, name)
	}
	return got
}

// counters builds the counters of a group from name, value pairs.
func counters(kv ...any) []Counter {
	c := make([]Counter, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		c = append(c, Counter{kv[i].(string), int64(kv[i+1].(int))})
	}
	return c
}

func TestMIBDecode(t *testing.T) {
	ip := func(g, fw string, v ...int) Group {
		names := []string{"Forwarding", "DefaultTTL", "InReceives", "InHdrErrors", "InAddrErrors",
			fw, "InUnknownProtos", "InDiscards", "InDelivers", "OutRequests", "RoutingDiscards",
			"OutDiscards", "OutNoRoutes", "ReasmTimeout", "ReasmReqds", "ReasmOKs", "ReasmFails",
			"FragOKs", "FragFails", "FragCreates", "NumIf", "NumAddr", "NumRoutes"}
		gr := Group{Name: g}
		for i, n := range names {
			gr.Counters = append(gr.Counters, Counter{n, int64(v[i])})
		}
		return gr
	}
	tests := []struct {
		file   string
		decode func([]byte) ([]Group, error)
		want   []Group
	}{
		{"tcp.bin", one(DecodeTCPStats, "Tcp"), []Group{{Name: "Tcp", Counters: counters(
			"RtoAlgorithm", 1, "RtoMin", 200, "RtoMax", 120000, "MaxConn", -1, "ActiveOpens", 71,
			"PassiveOpens", 6, "AttemptFails", 0, "EstabResets", 1, "CurrEstab", 0, "InSegs", 2499,
			"OutSegs", 2535, "RetransSegs", 0, "InErrs", 0, "OutRsts", 3, "NumConns", 4)}}},
		{"tcp6.bin", one(DecodeTCPStats, "Tcp6"), []Group{{Name: "Tcp6", Counters: counters(
			"RtoAlgorithm", 4, "RtoMin", 300, "RtoMax", 120000, "MaxConn", -1, "ActiveOpens", 5,
			"PassiveOpens", 2, "AttemptFails", 1, "EstabResets", 0, "CurrEstab", 3, "InSegs", 410,
			"OutSegs", 398, "RetransSegs", 7, "InErrs", 0, "OutRsts", 1, "NumConns", 3)}}},
		{"udp.bin", one(DecodeUDPStats, "Udp"), []Group{{Name: "Udp", Counters: counters(
			"InDatagrams", 78, "NoPorts", 0, "InErrors", 0, "OutDatagrams", 79, "NumAddrs", 5)}}},
		{"udp6.bin", one(DecodeUDPStats, "Udp6"), []Group{{Name: "Udp6", Counters: counters(
			"InDatagrams", 12, "NoPorts", 1, "InErrors", 2, "OutDatagrams", 14, "NumAddrs", 3)}}},
		{"ip.bin", one(DecodeIPStats, "Ip"), []Group{ip("Ip", "ForwDatagrams",
			2, 64, 2340, 0, 0, 0, 0, 0, 2340, 2319, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 12)}},
		{"ip6.bin", one(DecodeIPStats, "Ip6"), []Group{ip("Ip6", "OutForwDatagrams",
			2, 128, 4294967294, 1, 2, 3, 4, 5, 239, 248, 6, 7, 8, 60, 9, 10, 11, 12, 13, 14, 3, 5, 9)}},
		{"icmp.bin", icmp(false), []Group{
			{Name: "Icmp", Counters: counters("InMsgs", 1, "InErrors", 0, "InDestUnreachs", 1, "InTimeExcds", 0,
				"InParmProbs", 0, "InSrcQuenchs", 0, "InRedirects", 0, "InEchos", 0, "InEchoReps", 0,
				"InTimestamps", 0, "InTimestampReps", 0, "InAddrMasks", 0, "InAddrMaskReps", 0,
				"OutMsgs", 2, "OutErrors", 0, "OutDestUnreachs", 0, "OutTimeExcds", 0,
				"OutParmProbs", 0, "OutSrcQuenchs", 0, "OutRedirects", 0, "OutEchos", 0,
				"OutEchoReps", 1, "OutTimestamps", 0, "OutTimestampReps", 0, "OutAddrMasks", 0,
				"OutAddrMaskReps", 0)},
			{Name: "IcmpMsg", Counters: counters("InType3", 1, "OutType0", 1, "OutType10", 1)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := tt.decode(readMIB(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestMIBDecodeICMP6(t *testing.T) {
	got, err := DecodeICMPStatsEx(readMIB(t, "icmp6.bin"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Icmp6" {
		t.Fatalf("groups %v, want Icmp6 alone", got)
	}
	// 4 totals, 15 named types each way, 4 nonzero type counts.
	if n := len(got[0].Counters); n != 4+2*15+4 {
		t.Errorf("%d counters, want 38", n)
	}
	s := &Snapshot{Groups: got}
	for _, c := range counters("InMsgs", 1, "OutMsgs", 7, "InErrors", 0, "InDestUnreachs", 1,
		"OutDestUnreachs", 1, "OutNeighborSolicits", 2, "OutMLDv2Reports", 4, "InEchos", 0,
		"Icmp6InType1", 1, "Icmp6OutType1", 1, "Icmp6OutType135", 2, "Icmp6OutType143", 4) {
		if v, ok := s.Get("Icmp6", c.Name); !ok || v != c.Value {
			t.Errorf("Icmp6 %s = %d, %v; want %d", c.Name, v, ok, c.Value)
		}
	}
	// Same order as /proc/net/snmp6: type counters last, In before Out.
	tail := got[0].Counters[len(got[0].Counters)-4:]
	if want := counters("Icmp6InType1", 1, "Icmp6OutType1", 1, "Icmp6OutType135", 2, "Icmp6OutType143", 4); !reflect.DeepEqual(tail, want) {
		t.Errorf("type counters %v, want %v", tail, want)
	}
}

func TestMIBDecodeICMPNoTypes(t *testing.T) {
	got, err := DecodeICMPStatsEx(make([]byte, SizeMIBICMPEx), false)
	if err != nil || len(got) != 1 || got[0].Name != "Icmp" {
		t.Fatalf("got %v, %v; want group Icmp alone, as Linux prints no empty IcmpMsg", got, err)
	}
}

// TestMIBBadLength gives each decoder every shorter length and a longer
// one: each must fail with errs.ErrMalformed, without panicking.
func TestMIBBadLength(t *testing.T) {
	for _, d := range mibDecoders() {
		for _, n := range []int{0, 1, 3, d.size - 4, d.size - 1, d.size + 1, d.size + 4} {
			if n < 0 {
				continue
			}
			g, err := d.decode(make([]byte, n))
			if !errors.Is(err, errs.ErrMalformed) {
				t.Errorf("%s(%d bytes): error %v, want errs.ErrMalformed", d.name, n, err)
			}
			if len(g) != 0 {
				t.Errorf("%s(%d bytes): groups %v with an error", d.name, n, g)
			}
		}
	}
}

// FuzzDecodeMIBStats gives the same bytes to every decoder: no panic,
// errors wrap errs.ErrMalformed, a buffer of the structure's size always decodes.
func FuzzDecodeMIBStats(f *testing.F) {
	for _, b := range mibFixtures {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add(make([]byte, SizeMIBTCPStats-1))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range mibDecoders() {
			g, err := d.decode(data)
			if err != nil && !errors.Is(err, errs.ErrMalformed) {
				t.Fatalf("%s: error %v does not wrap errs.ErrMalformed", d.name, err)
			}
			if (len(data) == d.size) != (err == nil) {
				t.Fatalf("%s: %d bytes (size %d): error %v", d.name, len(data), d.size, err)
			}
			if err == nil && len(g) == 0 {
				t.Fatalf("%s: no group", d.name)
			}
		}
	})
}

type mibDecoder struct {
	name   string
	size   int
	decode func([]byte) ([]Group, error)
}

func mibDecoders() []mibDecoder {
	return []mibDecoder{
		{"DecodeTCPStats", SizeMIBTCPStats, one(DecodeTCPStats, "Tcp")},
		{"DecodeUDPStats", SizeMIBUDPStats, one(DecodeUDPStats, "Udp6")},
		{"DecodeIPStats", SizeMIBIPStats, one(DecodeIPStats, "Ip")},
		{"DecodeIPStats6", SizeMIBIPStats, one(DecodeIPStats, "Ip6")},
		{"DecodeICMPStatsEx4", SizeMIBICMPEx, icmp(false)},
		{"DecodeICMPStatsEx6", SizeMIBICMPEx, icmp(true)},
	}
}

// one adapts a single-group decoder to the []Group form of the tests.
func one(decode func([]byte, string) (Group, error), group string) func([]byte) ([]Group, error) {
	return func(b []byte) ([]Group, error) {
		g, err := decode(b, group)
		if err != nil {
			return nil, err
		}
		return []Group{g}, nil
	}
}

func icmp(v6 bool) func([]byte) ([]Group, error) {
	return func(b []byte) ([]Group, error) { return DecodeICMPStatsEx(b, v6) }
}
