package ifaces

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// netnsDevWant is what testdata/netns/dev must decode to.
var netnsDevWant = []Interface{
	{Name: "lo", RxBytes: 852, RxPackets: 6, TxBytes: 852, TxPackets: 6},
	{Name: "sockscope-long1", RxBytes: 272, RxPackets: 4, TxBytes: 130, TxPackets: 1},
	{Name: "veth-cap0", RxBytes: 130, RxPackets: 1, TxBytes: 272, TxPackets: 4},
}

// hostDevWant is what testdata/host/dev must decode to.
var hostDevWant = []Interface{
	{Name: "lo", RxBytes: 33745, RxPackets: 524, TxBytes: 33745, TxPackets: 524},
	{Name: "ifb0"},
	{Name: "ifb1"},
	{Name: "eth0", RxBytes: 25596440, RxPackets: 2075, TxBytes: 281231, TxPackets: 2062},
}

const devHeader = "Inter-|   Receive                                                |  Transmit\n" +
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"

func TestParseDevFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []Interface
	}{
		{"testdata/netns/dev", netnsDevWant},
		{"testdata/host/dev", hostDevWant},
	} {
		f, err := os.Open(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseDev(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.file, got, tc.want)
		}
	}
}

func TestParseDevColumns(t *testing.T) {
	// Every column distinct, so a swapped pair of fields fails.
	in := devHeader + "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 18446744073709551615\n"
	got, err := ParseDev(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Interface{{
		Name: "eth0", RxBytes: 1, RxPackets: 2, RxErrors: 3, RxDropped: 4, RxFIFO: 5,
		RxFrame: 6, RxCompressed: 7, RxMulticast: 8, TxBytes: 9, TxPackets: 10,
		TxErrors: 11, TxDropped: 12, TxFIFO: 13, TxCollisions: 14, TxCarrier: 15,
		TxCompressed: 18446744073709551615,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseDevNames(t *testing.T) {
	const counters = " 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"
	for _, tc := range []struct {
		why, line, name string
	}{
		{"kernels before 2.6.x print no space after the colon", "  eth0:1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0", "eth0"},
		{"a wide counter fills the space after the colon", "eth0:12345678901234567 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0", ""},
		{"a name wider than the %6s column", "sockscope-long1:" + counters, "sockscope-long1"},
		{"an old alias name with a colon of its own", "  eth0:1:" + counters, "eth0:1"},
		{"tabs between the counters", "eth0:\t1\t0 0 0 0 0 0 0 2 0 0 0 0 0 0\t0", "eth0"},
	} {
		got, err := ParseDev(strings.NewReader(devHeader + tc.line + "\n"))
		if err != nil {
			t.Errorf("%s: %v", tc.why, err)
			continue
		}
		if tc.name == "" { // only checks that the line parses
			continue
		}
		if len(got) != 1 || got[0].Name != tc.name || got[0].RxBytes != 1 || got[0].TxBytes != 2 {
			t.Errorf("%s: got %+v, want name %q, rx 1, tx 2", tc.why, got, tc.name)
		}
	}
}

func TestParseDevEmpty(t *testing.T) {
	for _, in := range []string{"", devHeader, devHeader + "\n  \n"} {
		got, err := ParseDev(strings.NewReader(in))
		if err != nil || len(got) != 0 {
			t.Errorf("ParseDev(%q) = %v, %v; want none, nil", in, got, err)
		}
	}
}

func TestParseDevErrors(t *testing.T) {
	for _, tc := range []struct{ why, line string }{
		{"no colon", "  eth0 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"},
		{"empty name", "   : 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"},
		{"15 counters", "eth0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0"},
		{"17 counters", "eth0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0 0"},
		{"no counters", "eth0:"},
		{"negative counter", "eth0: -1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"},
		{"hexadecimal counter", "eth0: 0x1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"},
		{"counter past uint64", "eth0: 18446744073709551616 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0"},
	} {
		got, err := ParseDev(strings.NewReader(devHeader + tc.line + "\n"))
		if !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: got %v, %v; want an errs.ErrMalformed", tc.why, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.line) {
			t.Errorf("%s: error %q does not quote the line", tc.why, err)
		}
	}
}

// FuzzParseDev checks that ParseDev never panics, that it returns either
// interfaces or an error, and that every interface it returns has a name.
func FuzzParseDev(f *testing.F) {
	for _, file := range []string{"testdata/netns/dev", "testdata/host/dev"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b)) // a real capture
	}
	f.Add(devHeader + "eth0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n") // no space after the colon
	f.Add(devHeader + "a:b: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n") // two colons
	f.Add(devHeader + ":\n")                                           // empty name, no counters
	f.Add("eth0: 1 2\n")                                               // a short file: only headers
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseDev(strings.NewReader(in))
		if err != nil {
			if got != nil {
				t.Errorf("got %d interfaces with error %v", len(got), err)
			}
			if !errors.Is(err, errs.ErrMalformed) && !strings.HasPrefix(err.Error(), "read ") {
				t.Errorf("error %v neither wraps errs.ErrMalformed nor is a read error", err)
			}
			return
		}
		for _, ifc := range got {
			if ifc.Name == "" || strings.TrimSpace(ifc.Name) != ifc.Name {
				t.Errorf("bad name %q", ifc.Name)
			}
		}
	})
}

func BenchmarkParseDev(b *testing.B) {
	// A host with 64 interfaces, the kernel's widest column layout.
	var sb strings.Builder
	sb.WriteString(devHeader)
	for i := range 64 {
		sb.WriteString("  veth")
		sb.WriteString(strings.Repeat("x", i%10))
		sb.WriteString(": 25596440    2075    0    0    0     0          0         0   281231    2062    0    0    0     0       0          0\n")
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDev(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}
