package ifaces

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// mem builds a Membership for the expectations below.
func mem(ifindex int, dev, group string, users int) Membership {
	return Membership{Ifindex: ifindex, Device: dev, Group: netip.MustParseAddr(group), Users: users}
}

// netnsIGMPWant is what testdata/netns/igmp must decode to: 239.1.2.3 was
// joined twice on veth-cap0 (ip addr ... autojoin, then a socket), and
// 224.0.0.251 once on sockscope-long1 (a socket).
var netnsIGMPWant = []Membership{
	mem(1, "lo", "224.0.0.1", 1),
	mem(2, "sockscope-long1", "224.0.0.251", 1),
	mem(2, "sockscope-long1", "224.0.0.1", 1),
	mem(3, "veth-cap0", "239.1.2.3", 2),
	mem(3, "veth-cap0", "224.0.0.1", 1),
}

// netnsIGMP6Want is what testdata/netns/igmp6 must decode to: ff15::abcd
// was joined by ip addr ... autojoin, ff05::1:3 by a socket, the rest by
// the kernel (all-nodes and solicited-node groups).
var netnsIGMP6Want = []Membership{
	mem(1, "lo", "ff02::1", 1),
	mem(1, "lo", "ff01::1", 1),
	mem(2, "sockscope-long1", "ff02::1:ff00:abcd", 1),
	mem(2, "sockscope-long1", "ff15::abcd", 1),
	mem(2, "sockscope-long1", "ff02::1:ffca:2f03", 1),
	mem(2, "sockscope-long1", "ff02::1", 1),
	mem(2, "sockscope-long1", "ff01::1", 1),
	mem(3, "veth-cap0", "ff05::1:3", 1),
	mem(3, "veth-cap0", "ff02::1:ff39:51f3", 1),
	mem(3, "veth-cap0", "ff02::1", 1),
	mem(3, "veth-cap0", "ff01::1", 1),
}

// hostIGMPWant is what testdata/host/igmp must decode to.
var hostIGMPWant = []Membership{
	mem(1, "lo", "224.0.0.1", 1),
	mem(4, "eth0", "224.0.0.1", 1),
}

// hostIGMP6Want is what testdata/host/igmp6 must decode to.
var hostIGMP6Want = []Membership{
	mem(1, "lo", "ff02::1", 1),
	mem(1, "lo", "ff01::1", 1),
	mem(2, "ifb0", "ff02::1", 1),
	mem(2, "ifb0", "ff01::1", 1),
	mem(3, "ifb1", "ff02::1", 1),
	mem(3, "ifb1", "ff01::1", 1),
	mem(4, "eth0", "ff02::1:ff00:2", 1),
	mem(4, "eth0", "ff02::1:ff00:1", 1),
	mem(4, "eth0", "ff02::1", 1),
	mem(4, "eth0", "ff01::1", 1),
}

// The fixtures were captured on x86-64, so they are decoded little-endian
// whatever the host running the tests.
func parseIGMPLE(f *os.File) ([]Membership, error) { return parseIGMP(f, binary.LittleEndian) }

func TestParseGroupsFixtures(t *testing.T) {
	for _, tc := range []struct {
		file  string
		parse func(*os.File) ([]Membership, error)
		want  []Membership
	}{
		{"testdata/netns/igmp", parseIGMPLE, netnsIGMPWant},
		{"testdata/netns/igmp6", func(f *os.File) ([]Membership, error) { return ParseIGMP6(f) }, netnsIGMP6Want},
		{"testdata/host/igmp", parseIGMPLE, hostIGMPWant},
		{"testdata/host/igmp6", func(f *os.File) ([]Membership, error) { return ParseIGMP6(f) }, hostIGMP6Want},
	} {
		f, err := os.Open(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tc.parse(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.file, got, tc.want)
		}
	}
}

const igmpHeader = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"

func TestParseIGMPByteOrder(t *testing.T) {
	in := igmpHeader + "3\tveth0     :     1      V2\n\t\t\t\t030201EF     1 1:0000001E\t\t1\n"
	for _, tc := range []struct {
		order binary.ByteOrder
		want  string
	}{
		{binary.LittleEndian, "239.1.2.3"}, // x86-64, arm64: the word's low byte first
		{binary.BigEndian, "3.2.1.239"},    // s390x: printed as stored
	} {
		got, err := parseIGMP(strings.NewReader(in), tc.order)
		if err != nil {
			t.Fatal(err)
		}
		want := []Membership{mem(3, "veth0", tc.want, 1)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: got %v, want %v", tc.order, got, want)
		}
	}
	// ParseIGMP uses the host's order, which is what the kernel used.
	got, err := ParseIGMP(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], 0x030201EF)
	if want := netip.AddrFrom4(b); len(got) != 1 || got[0].Group != want {
		t.Errorf("ParseIGMP = %v, want group %v", got, want)
	}
}

func TestParseGroupsEmpty(t *testing.T) {
	for _, in := range []string{"", igmpHeader, igmpHeader + "\n"} {
		if got, err := ParseIGMP(strings.NewReader(in)); err != nil || len(got) != 0 {
			t.Errorf("ParseIGMP(%q) = %v, %v; want none, nil", in, got, err)
		}
	}
	for _, in := range []string{"", "\n \n"} {
		if got, err := ParseIGMP6(strings.NewReader(in)); err != nil || len(got) != 0 {
			t.Errorf("ParseIGMP6(%q) = %v, %v; want none, nil", in, got, err)
		}
	}
}

func TestParseIGMPErrors(t *testing.T) {
	for _, tc := range []struct{ why, in, quoted string }{
		{"group before device", igmpHeader + "\t\t\t\t010000E0     1 0:00000000\t\t0\n", "010000E0"},
		{"no colon", "1\tlo             1      V3\n", "lo "},
		{"empty name", "1\t  :     1      V3\n", "1\t  :"},
		{"index not a number", "x\tlo        :     1      V3\n", "x\tlo"},
		{"index zero", "0\tlo        :     1      V3\n", "0\tlo"},
		{"count not a number", "1\tlo        :     x      V3\n", "1\tlo"},
		{"short group", "1\tlo :\n\t\t\t\t10000E0     1 0:00000000\t\t0\n", "10000E0"},
		{"group not hexadecimal", "1\tlo :\n\t\t\t\t010000G0     1 0:00000000\t\t0\n", "010000G0"},
		{"signed group", "1\tlo :\n\t\t\t\t+10000E0     1 0:00000000\t\t0\n", "+10000E0"},
		{"no users", "1\tlo :\n\t\t\t\t010000E0\n", "010000E0"},
		{"negative users", "1\tlo :\n\t\t\t\t010000E0    -1 0:00000000\t\t0\n", "-1"},
	} {
		got, err := ParseIGMP(strings.NewReader(tc.in))
		if !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: got %v, %v; want an errs.ErrMalformed", tc.why, got, err)
			continue
		}
		if q := strconv.Quote(tc.quoted); !strings.Contains(err.Error(), q[1:len(q)-1]) {
			t.Errorf("%s: error %q does not quote the line", tc.why, err)
		}
	}
}

func TestParseIGMP6Errors(t *testing.T) {
	for _, tc := range []struct{ why, line string }{
		{"three fields", "1    lo              ff020000000000000000000000000001"},
		{"index not a number", "x    lo              ff020000000000000000000000000001     1 0000000C 0"},
		{"short group", "1    lo              ff02000000000000000000000000001     1 0000000C 0"},
		{"long group", "1    lo              ff0200000000000000000000000000001     1 0000000C 0"},
		{"group not hexadecimal", "1    lo              ff02000000000000000000000000000g     1 0000000C 0"},
		{"group as text", "1    lo              ff02::1     1 0000000C 0"},
		{"users not a number", "1    lo              ff020000000000000000000000000001     x 0000000C 0"},
	} {
		got, err := ParseIGMP6(strings.NewReader(tc.line + "\n"))
		if !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: got %v, %v; want an errs.ErrMalformed", tc.why, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.line) {
			t.Errorf("%s: error %q does not quote the line", tc.why, err)
		}
	}
}

// checkMemberships is the invariant both group fuzzers check.
func checkMemberships(t *testing.T, got []Membership, err error, is4 bool) {
	if err != nil {
		if got != nil {
			t.Errorf("got %d memberships with error %v", len(got), err)
		}
		if !errors.Is(err, errs.ErrMalformed) && !strings.HasPrefix(err.Error(), "read ") {
			t.Errorf("error %v neither wraps errs.ErrMalformed nor is a read error", err)
		}
		return
	}
	for _, m := range got {
		if m.Ifindex <= 0 || m.Device == "" || m.Users < 0 || m.Group.Is4() != is4 || m.Group.Zone() != "" {
			t.Errorf("bad membership %+v", m)
		}
	}
}

// FuzzParseIGMP checks that ParseIGMP never panics and returns either
// well-formed IPv4 memberships or an error.
func FuzzParseIGMP(f *testing.F) {
	for _, file := range []string{"testdata/netns/igmp", "testdata/host/igmp"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b)) // a real capture
	}
	f.Add("1\tlo :\n\t010000E0 1\n")               // minimal block, no header
	f.Add("1\tsockscope-long1:     2      V3\n")   // device without groups
	f.Add(igmpHeader + "\t\t\t\t010000E0     1\n") // group before device
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseIGMP(strings.NewReader(in))
		checkMemberships(t, got, err, true)
	})
}

// FuzzParseIGMP6 checks that ParseIGMP6 never panics and returns either
// well-formed IPv6 memberships or an error.
func FuzzParseIGMP6(f *testing.F) {
	for _, file := range []string{"testdata/netns/igmp6", "testdata/host/igmp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b)) // a real capture
	}
	f.Add("1 lo ff020000000000000000000000000001 1\n")    // only the four fields used
	f.Add("1 lo 00000000000000000000ffff7f000001 1\n")    // IPv4-mapped bytes stay IPv6
	f.Add("1 lo ff02000000000000000000000000000 1 0 0\n") // 31 digits
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseIGMP6(strings.NewReader(in))
		checkMemberships(t, got, err, false)
	})
}
