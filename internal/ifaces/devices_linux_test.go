package ifaces

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestReadDevicesNamespace reads the devices of a namespace the test
// builds: the order, the flags net.Interfaces cannot give (NOARP,
// PROMISC), a down device, an address label without statistics, and the
// IPv4 and IPv6 addresses.
func TestReadDevicesNamespace(t *testing.T) {
	ns := testutil.NewNetNS(t)
	for _, args := range [][]string{
		{"link", "add", "veth-a", "type", "veth", "peer", "name", "veth10"},
		{"link", "set", "veth-a", "up"},
		{"link", "set", "veth-a", "promisc", "on"},
		{"link", "set", "veth10", "arp", "off"},
		{"link", "set", "veth10", "mtu", "1400"},
		{"addr", "add", "192.0.2.10/24", "brd", "+", "dev", "veth-a"},
		{"addr", "add", "192.0.2.20/24", "dev", "veth-a", "label", "veth-a:1"},
		{"-6", "addr", "add", "2001:db8:1::10/64", "dev", "veth-a", "nodad"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, "ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
		cancel()
		if err != nil {
			if strings.Contains(string(out), "Unknown device type") {
				t.Skipf("no veth here: %s", out)
			}
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	var tab *DeviceTable
	if err := ns.Do(func() (err error) { tab, err = ReadDevices(""); return err }); err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]Device{}
	for _, d := range tab.Devices {
		names = append(names, d.Name)
		byName[d.Name] = d
	}
	if got := strings.Join(names, " "); got != "lo veth10 veth-a veth-a:1" {
		t.Fatalf("devices %q, want lo veth10 veth-a veth-a:1", got)
	}
	lo, v10, va, alias := byName["lo"], byName["veth10"], byName["veth-a"], byName["veth-a:1"]
	if lo.Flags&(FlagUp|FlagLoopback) != FlagUp|FlagLoopback || lo.HWType != ARPHRDLoopback || lo.Stats == nil ||
		lo.Addr != netip.MustParseAddr("127.0.0.1") || lo.Netmask != netip.MustParseAddr("255.0.0.0") {
		t.Errorf("lo %+v", lo)
	}
	if v10.Flags&FlagUp != 0 || v10.Flags&FlagNoARP == 0 || v10.MTU != 1400 || v10.HasIPv4 || v10.HWType != ARPHRDEther || v10.TxQueueLen != 1000 {
		t.Errorf("veth10 %+v", v10)
	}
	if va.Flags&(FlagUp|FlagPromisc|FlagBroadcast) != FlagUp|FlagPromisc|FlagBroadcast || va.Addr != netip.MustParseAddr("192.0.2.10") ||
		va.Broadcast != netip.MustParseAddr("192.0.2.255") || va.Stats == nil || va.HWAddr == [8]byte{} {
		t.Errorf("veth-a %+v", va)
	}
	if alias.Stats != nil || alias.Addr != netip.MustParseAddr("192.0.2.20") || alias.Broadcast != netip.IPv4Unspecified() {
		t.Errorf("veth-a:1 %+v", alias)
	}
	found := false
	for _, a := range tab.Inet6 {
		if a.Device == "veth-a" && a.Addr == netip.MustParseAddr("2001:db8:1::10") && a.PrefixLen == 64 && a.Scope == 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("2001:db8:1::10/64 on veth-a missing from %+v", tab.Inet6)
	}
}
