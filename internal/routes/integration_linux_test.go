package routes

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil"
)

var record = flag.Bool("record", false, "capture testdata/route{4,6}.{bin,json} in a fresh network namespace (root)")

// nsSetup builds the namespace of the fixtures: a veth pair v0/v1 (only v0
// has addresses; nothing is ever sent), and routes covering a default
// gateway, a table above 255, a multipath route, RTA_VIA with an IPv6
// nexthop, a preferred source and IPv6 routes.
var nsSetup = [][]string{
	{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
	{"link", "set", "v0", "up"},
	{"link", "set", "v1", "up"},
	{"addr", "add", "192.0.2.10/24", "dev", "v0"},
	{"-6", "addr", "add", "2001:db8:1::10/64", "dev", "v0", "nodad"},
	{"route", "add", "default", "via", "192.0.2.1", "dev", "v0", "metric", "100"},
	{"route", "add", "198.51.100.0/24", "via", "192.0.2.254", "dev", "v0", "proto", "static", "metric", "50", "table", "1000"},
	{"route", "add", "203.0.113.0/24", "nexthop", "via", "192.0.2.2", "dev", "v0", "weight", "1", "nexthop", "via", "192.0.2.3", "dev", "v0", "weight", "3"},
	{"route", "add", "192.0.2.128/25", "dev", "v0", "src", "192.0.2.10", "scope", "link", "table", "7"},
	{"route", "add", "100.64.0.0/16", "via", "inet6", "fe80::1", "dev", "v0"},
	{"-6", "route", "add", "2001:db8:2::/48", "via", "2001:db8:1::1", "dev", "v0"},
	{"-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "v0", "metric", "1024"},
}

func ipIn(t *testing.T, ns *testutil.NetNS, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "Unknown device type") {
			t.Skipf("ip %s: no veth support here: %s", strings.Join(args, " "), out)
		}
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func newRouteNS(t *testing.T) *testutil.NetNS {
	ns := testutil.NewNetNS(t)
	for _, args := range nsSetup {
		ipIn(t, ns, args...)
	}
	return ns
}

// TestIntegrationList compares List, run in a namespace the test builds,
// with what iproute2 shows of the same namespace.
func TestIntegrationList(t *testing.T) {
	ns := newRouteNS(t)
	var got []Route
	err := ns.Do(func() error {
		var err error
		got, err = List(context.Background())
		return err
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var want []Route
	for _, fam := range []int{4, 6} {
		rs, err := parseIPRoutes(ipIn(t, ns, "-"+string(rune('0'+fam)), "-d", "-j", "route", "show", "table", "all"), fam)
		if err != nil {
			t.Fatalf("parsing ip -%d output: %v", fam, err)
		}
		want = append(want, rs...)
	}
	if d := diffRoutes(got, want); len(d) > 0 {
		t.Errorf("List (-) and ip route (+) differ:\n%s", strings.Join(d, "\n"))
	}
	if len(got) < len(nsSetup) {
		t.Errorf("List returned %d routes, fewer than the %d set up", len(got), len(nsSetup))
	}
}

// TestRecordFixtures rewrites the fixtures when run with -record (see
// testdata/README).
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("run with -record to capture testdata")
	}
	ns := newRouteNS(t)
	for _, fam := range []uint8{afInet, afInet6} {
		v := map[uint8]string{afInet: "4", afInet6: "6"}[fam]
		var raw []byte
		err := ns.Do(func() error {
			c, err := dial()
			if err != nil {
				return err
			}
			defer c.close()
			raw, err = c.dump(context.Background(), fam, rtmGetRoute)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		js := ipIn(t, ns, "-"+v, "-d", "-j", "route", "show", "table", "all")
		for name, data := range map[string][]byte{"route" + v + ".bin": raw, "route" + v + ".json": js} {
			if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
