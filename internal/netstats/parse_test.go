package netstats

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// liveCounts is how many counters each file of testdata/live yields (Linux
// 6.18.44): snmp, netstat and snmp6 together hold 402.
var liveCounts = map[string]int{
	"snmp":      83,  // Ip 20, Icmp 29, IcmpMsg 1, Tcp 15, Udp 9, UdpLite 9
	"netstat":   229, // TcpExt 135, IpExt 18, MPTcpExt 76
	"snmp6":     90,  // Ip6 37, Icmp6 44, Udp6 9, UdpLite6 8
	"sockstat":  12,
	"sockstat6": 6,
}

func parseFile(t *testing.T, path string) []Group {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The longest name that ends the path: sctp/snmp, not snmp.
	best := -1
	for i, f := range files {
		if strings.HasSuffix(filepath.ToSlash(path), "/"+f.name) && (best < 0 || len(f.name) > len(files[best].name)) {
			best = i
		}
	}
	for _, f := range files[max(best, 0):] {
		if best >= 0 {
			groups, err := f.parse(data)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return groups
		}
	}
	t.Fatalf("no parser for %s", path)
	return nil
}

func count(groups []Group) int {
	s := Snapshot{Groups: groups}
	return s.Len()
}

func TestLiveFixtureCounts(t *testing.T) {
	for name, want := range liveCounts {
		groups := parseFile(t, filepath.Join("testdata/live", name))
		if got := count(groups); got != want {
			t.Errorf("%s: %d counters, want %d", name, got, want)
		}
		// Every line's fields must be accounted for: no counter dropped.
		data, _ := os.ReadFile(filepath.Join("testdata/live", name))
		fields := 0
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			_, rest, _ := strings.Cut(line, ":")
			switch name {
			case "snmp", "netstat":
				if i%2 == 1 {
					fields += len(strings.Fields(rest))
				}
			case "snmp6":
				fields++
			default:
				fields += len(strings.Fields(rest)) / 2
			}
		}
		if fields != want {
			t.Errorf("%s: file has %d counters, want %d", name, fields, want)
		}
	}
}

func TestLiveFixtureGroups(t *testing.T) {
	s := &Snapshot{}
	for _, f := range files {
		if f.name == "sctp/snmp" {
			continue // no sctp module on the captured machine
		}
		s.Groups = append(s.Groups, parseFile(t, filepath.Join("testdata/live", f.name))...)
	}
	var names []string
	for _, g := range s.Groups {
		names = append(names, g.Name)
	}
	want := "Ip Icmp IcmpMsg Tcp Udp UdpLite TcpExt IpExt MPTcpExt Ip6 Icmp6 Udp6 UdpLite6 " +
		"sockets TCP UDP UDPLITE RAW FRAG TCP6 UDP6 UDPLITE6 RAW6 FRAG6"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("groups\n got %s\nwant %s", got, want)
	}
	for _, tc := range []struct {
		group, name string
		want        int64
	}{
		{"Tcp", "MaxConn", -1},
		{"Tcp", "ActiveOpens", 71},
		{"Tcp", "RtoMax", 120000},
		{"Ip", "OutTransmits", 2319},
		{"IcmpMsg", "InType3", 1},
		{"Ip6", "InReceives", 239},
		{"Icmp6", "Icmp6OutType143", 4},
		{"UdpLite6", "MemErrors", 0},
		{"TCP", "tw", 0},
		{"FRAG6", "memory", 0},
	} {
		got, ok := s.Get(tc.group, tc.name)
		if !ok || got != tc.want {
			t.Errorf("Get(%s, %s) = %d, %v; want %d", tc.group, tc.name, got, ok, tc.want)
		}
	}
	for _, miss := range [][2]string{{"Tcp", "Nope"}, {"Tcp6", "ActiveOpens"}, {"tcp", "MaxConn"}} {
		if _, ok := s.Get(miss[0], miss[1]); ok {
			t.Errorf("Get(%s, %s) found", miss[0], miss[1])
		}
	}
	if _, ok := (*Snapshot)(nil).Get("Tcp", "MaxConn"); ok {
		t.Error("nil snapshot Get found a counter")
	}
}

// TestFutureKernel checks that counters and groups no parser knows are
// kept (testdata/future, handmade).
func TestFutureKernel(t *testing.T) {
	s, err := Read("testdata/future")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		group, name string
		want        int64
	}{
		{"Ip", "FutureIpCounter", 7},
		{"Tcp", "FutureTcpCounter", 42},
		{"Sctp", "Aborted", 13},
		{"IcmpMsg", "OutType255", 9},
		{"TcpExt", "TCPFutureFeature", -1}, // 2^64-1 keeps its bits
		{"IpExt", "InOctets", 123456789012},
		{"QuicExt", "ZeroRTTAccepted", 22},
		{"Ip6", "FutureCounter", 5},
		{"Icmp6", "Icmp6InType1", 1},
		{"Sctp6", "OutPackets", 32},
		{"TCP", "future", 9},
		{"QUIC", "mem", 3},
		{"QUIC6", "inuse", 5},
	} {
		got, ok := s.Get(tc.group, tc.name)
		if !ok || got != tc.want {
			t.Errorf("Get(%s, %s) = %d, %v; want %d", tc.group, tc.name, got, ok, tc.want)
		}
	}
	// 61, and the 32 of sctp/snmp.
	if n := s.Len(); n != 93 {
		t.Errorf("%d counters, want 93", n)
	}
}

func TestParseErrors(t *testing.T) {
	long := "Tcp: " + strings.Repeat("1 ", 100)
	for _, tc := range []struct {
		name   string
		parse  func([]byte) ([]Group, error)
		in     string
		want   int    // counters kept
		errSub string // in the error message
	}{
		{"mismatch", ParseSNMP, "Ip: A B\nIp: 1\nTcp: C\nTcp: 2\n", 1, `1 values: "Ip: 1"`},
		{"non-numeric", ParseSNMP, "Ip: A B C\nIp: 1 x 3\n", 2, "counter B: bad value"},
		{"no values", ParseSNMP, "Ip: A B\nTcp: C\nTcp: 3\n", 1, `header without values: "Ip: A B"`},
		{"trailing header", ParseSNMP, "Tcp: C\nTcp: 3\nUdp: D\n", 1, "header without values"},
		{"no colon", ParseSNMP, "garbage\nTcp: C\nTcp: 3\n", 1, `no colon: "garbage"`},
		{"truncated quote", ParseSNMP, "Tcp: A\n" + long + "\n", 0, `" (truncated)`},
		{"snmp6 fields", ParseSNMP6, "Ip6InReceives 1 2\nIp6OutRequests 3\n", 1, "want name and value"},
		{"snmp6 value", ParseSNMP6, "Ip6InReceives x\nIp6OutRequests 3\n", 1, "bad value"},
		{"sockstat odd", ParseSockstat, "TCP: inuse 1 orphan\nUDP: inuse 2\n", 2, "counter orphan without value"},
		{"sockstat value", ParseSockstat, "TCP: inuse 1 orphan z tw 3\n", 2, "counter orphan: bad value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups, err := tc.parse([]byte(tc.in))
			if !errors.Is(err, errs.ErrMalformed) {
				t.Fatalf("err = %v, want errs.ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.errSub) {
				t.Errorf("err = %v, want it to contain %s", err, tc.errSub)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error too long: %d bytes", len(err.Error()))
			}
			if got := count(groups); got != tc.want {
				t.Errorf("%d counters kept, want %d", got, tc.want)
			}
		})
	}
}

func TestSplitSNMP6(t *testing.T) {
	for in, want := range map[string][2]string{
		"Ip6InReceives":       {"Ip6", "InReceives"},
		"UdpLite6InErrors":    {"UdpLite6", "InErrors"},
		"Icmp6InType134":      {"Icmp6", "Icmp6InType134"},
		"Icmp6OutTypeX":       {"Icmp6", "OutTypeX"},
		"Icmp6InMLDv2Reports": {"Icmp6", "InMLDv2Reports"},
		"NoDigits":            {"Snmp6", "NoDigits"},
		"Ends6":               {"Snmp6", "Ends6"},
		"6Leading":            {"Snmp6", "6Leading"},
	} {
		g, n := splitSNMP6(in)
		if g != want[0] || n != want[1] {
			t.Errorf("splitSNMP6(%q) = %q, %q; want %q, %q", in, g, n, want[0], want[1])
		}
	}
}

// TestParseValue compares the fast path with strconv.
func TestParseValue(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "-1": -1, "120000": 120000, "999999999999999999": 999999999999999999,
		"9223372036854775807": 9223372036854775807, "-9223372036854775808": -9223372036854775808,
		"18446744073709551615": -1, "+5": 5,
	} {
		if got, err := parseValue([]byte(in)); err != nil || got != want {
			t.Errorf("parseValue(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "1x", "x", "18446744073709551616", "--1", "1-"} {
		if _, err := parseValue([]byte(in)); err == nil {
			t.Errorf("parseValue(%q) succeeded", in)
		}
	}
}

func TestParseSCTP(t *testing.T) {
	groups := parseFile(t, "testdata/future/sctp/snmp")
	if len(groups) != 1 || groups[0].Name != "Sctp" || len(groups[0].Counters) != 32 {
		t.Fatalf("got %+v, want one Sctp group of 32 counters", groups)
	}
	s := &Snapshot{Groups: groups}
	if v, ok := s.Get("Sctp", "ActiveEstabs"); !ok || v != 1 {
		t.Errorf("Sctp ActiveEstabs = %d, %v; want 1", v, ok)
	}
	if v, ok := s.Get("Sctp", "InDataChunkDiscards"); !ok || v != 31 {
		t.Errorf("Sctp InDataChunkDiscards = %d, %v; want 31", v, ok)
	}
	groups, err := ParseSCTP([]byte("SctpA 1\nOdd 2\nSctp 3\nbad\nSctpB x\n"))
	if !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("err = %v, want errs.ErrMalformed for the two bad lines", err)
	}
	var names []string
	for _, c := range groups[0].Counters {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "A Odd Sctp" {
		t.Errorf("names %q, want \"A Odd Sctp\"", got)
	}
	if g, err := ParseSCTP(nil); g != nil || err != nil {
		t.Errorf("empty file: %v, %v", g, err)
	}
}
