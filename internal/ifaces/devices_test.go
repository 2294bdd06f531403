package ifaces

import (
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// TestCompareNames checks the order net-tools gives interface names,
// including the cases its nstrcmp documents.
func TestCompareNames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"eth1", "eth1", 0}, {"eth0:1", "eth0:1", 0}, {"", "", 0}, {"eth01", "eth1", 0},
		{"a", "aa", -1}, {"eth0", "eth1", -1}, {"eth1", "eth20", -1}, {"eth20", "eth100", -1},
		{"eth", "eth2", -1}, {"eth0:1", "eth0:2", -1}, {"eth1:10", "eth13:10", -1}, {"eth1:1", "eth1:13", -1},
		{"eth2:10", "eth2:1", 1}, {"eth3:2", "eth2:3", 1}, {"a1b12", "a1b2", 1},
		{"veth10", "veth-a", -1}, {"lo", "veth10", -1}, {"eth0", "eth0:0", -1},
		{"down0", "lo", -1},
	} {
		if got := CompareNames(c.a, c.b); got != c.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareNames(c.b, c.a); got != -c.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestInsertName(t *testing.T) {
	var names []string
	for _, n := range []string{"lo", "veth-a", "veth10", "eth10", "eth2", "eth2:1", "eth02", "down0"} {
		names = insertName(names, n)
	}
	want := []string{"down0", "eth2", "eth2:1", "eth10", "lo", "veth10", "veth-a"}
	if !slices.Equal(names, want) {
		t.Errorf("got %q, want %q", names, want)
	}
}

func FuzzCompareNames(f *testing.F) {
	f.Add("eth0:1", "eth10")
	f.Add("99999999999999", "a:99999999999")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := CompareNames(a, b), CompareNames(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Errorf("CompareNames(%q, %q) = %d but reversed %d", a, b, ab, ba)
		}
		if a == b && ab != 0 {
			t.Errorf("CompareNames(%q, itself) = %d", a, ab)
		}
	})
}

// TestParseIfInet6 decodes testdata/if_inet6 (README.md).
func TestParseIfInet6(t *testing.T) {
	f, err := os.Open("testdata/if_inet6")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseIfInet6(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Inet6Addr{
		{netip.MustParseAddr("fe80::e0c9:94ff:fef7:8fcc"), 2, 64, 0x20, 0x80, "veth10"},
		{netip.MustParseAddr("2001:db8:1::10"), 3, 64, 0, 0x82, "veth-a"},
		{netip.MustParseAddr("::1"), 1, 128, 0x10, 0x80, "lo"},
		{netip.MustParseAddr("fe80::ace8:9bff:fecd:18a3"), 3, 64, 0x20, 0xc0, "veth-a"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseIfInet6Errors(t *testing.T) {
	const a = "00000000000000000000000000000001"
	for _, line := range []string{
		a + " 01 80 10 80\n",
		a[1:] + " 01 80 10 80 lo\n",
		"g" + a[1:] + " 01 80 10 80 lo\n",
		a + " 01 81 10 80 lo\n",
		a + " 0x 80 10 80 lo\n",
	} {
		_, err := ParseIfInet6(strings.NewReader(line))
		if !errors.Is(err, errs.ErrMalformed) || !strings.Contains(err.Error(), "/proc/net/if_inet6 line") {
			t.Errorf("%q: %v, want a quoting errs.ErrMalformed", line, err)
		}
	}
}

func FuzzParseIfInet6(f *testing.F) {
	b, err := os.ReadFile("testdata/if_inet6")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		as, err := ParseIfInet6(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, a := range as {
			if !a.Addr.Is6() || a.PrefixLen > 128 || a.Device == "" {
				t.Errorf("%+v", a)
			}
		}
	})
}
