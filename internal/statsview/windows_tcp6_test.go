package statsview

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// windowsSnapshot is shaped like what netstats reads on Windows: the
// groups of GetIpStatisticsEx, GetIcmpStatisticsEx, GetTcpStatisticsEx
// and GetUdpStatisticsEx for each family, in that order, with the
// MIB_*STATS counter names. Tcp and Tcp6 hold different numbers (Windows
// keeps a TCP counter set per family) and Ip has RoutingDiscards. The
// Tcp, Ip and Tcp6 values other than those of captureSnapshot are
// invented.
func windowsSnapshot() *netstats.Snapshot {
	c := captureSnapshot()
	reuse := func(name string) netstats.Group {
		for _, g := range c.Groups {
			if g.Name == name {
				return g
			}
		}
		panic("no group " + name)
	}
	return &netstats.Snapshot{
		Time: c.Time,
		Groups: []netstats.Group{
			group("Ip", "Forwarding 2 DefaultTTL 128 InReceives 60090845 InHdrErrors 0 InAddrErrors 0 ForwDatagrams 0 InUnknownProtos 0 InDiscards 25269 InDelivers 60259935 OutRequests 30189260 RoutingDiscards 17 OutDiscards 21685 OutNoRoutes 403 ReasmTimeout 60 ReasmReqds 3 ReasmOKs 1 ReasmFails 0 FragOKs 0 FragFails 0 FragCreates 0 NumIf 9 NumAddr 4 NumRoutes 21"),
			reuse("Icmp"),
			reuse("IcmpMsg"),
			group("Tcp", "RtoAlgorithm 3 RtoMin 300 RtoMax 120000 MaxConn -1 ActiveOpens 64644 PassiveOpens 7674 AttemptFails 5800 EstabResets 12164 CurrEstab 24 InSegs 19099006 OutSegs 18364045 RetransSegs 24199 InErrs 0 OutRsts 3120 NumConns 57"),
			reuse("Udp"),
			group("Ip6", "Forwarding 2 DefaultTTL 128 InReceives 154566 InHdrErrors 0 InAddrErrors 1262 OutForwDatagrams 0 InUnknownProtos 0 InDiscards 5824 InDelivers 175651 OutRequests 190416 RoutingDiscards 4 OutDiscards 3039 OutNoRoutes 0 ReasmTimeout 60 ReasmReqds 0 ReasmOKs 0 ReasmFails 0 FragOKs 0 FragFails 0 FragCreates 0 NumIf 9 NumAddr 6 NumRoutes 14"),
			reuse("Icmp6"),
			group("Tcp6", "RtoAlgorithm 3 RtoMin 300 RtoMax 120000 MaxConn -1 ActiveOpens 1208 PassiveOpens 311 AttemptFails 97 EstabResets 45 CurrEstab 6 InSegs 402117 OutSegs 389002 RetransSegs 1931 InErrs 0 OutRsts 150 NumConns 11"),
			reuse("Udp6"),
		},
	}
}

// windowsGoldenCases are checked against testdata/<name>.golden like
// goldenCases; only they are rewritten by
// `go test ./internal/statsview -run TestWindowsSnapshotGolden -update`.
var windowsGoldenCases = []struct {
	name string
	opts Options
}{
	{"winsnap-windows", Options{Style: render.Windows}},
	{"winsnap-windows-zh", Options{Style: render.Windows, Lang: "zh-CN"}},
	{"winsnap-windows-p-tcpv6", Options{Style: render.Windows, Protos: []string{"tcpv6"}}},
	{"winsnap-windows-zh-p-tcpv6", Options{Style: render.Windows, Lang: "zh-CN", Protos: []string{"tcpv6"}}},
	{"winsnap-modern-p-tcpv6", Options{Protos: []string{"tcpv6"}}},
}

func TestWindowsSnapshotGolden(t *testing.T) {
	for _, tc := range windowsGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := render1(t, windowsSnapshot(), nil, tc.opts)
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), got, *update)
		})
	}
}

var tcp6Block = []string{
	"TCP Statistics for IPv6",
	"",
	"  Active Opens                        = 1208",
	"  Passive Opens                       = 311",
	"  Failed Connection Attempts          = 97",
	"  Reset Connections                   = 45",
	"  Current Connections                 = 6",
	"  Segments Received                   = 402117",
	"  Segments Sent                       = 389002",
	"  Segments Retransmitted              = 1931",
}

// TestWindowsTcp6 checks that a Tcp6 group is printed as its own section,
// with the IPv4 labels and no note, alone or after the IPv4 one.
func TestWindowsTcp6(t *testing.T) {
	note := tcpNote("")
	for _, protos := range [][]string{nil, {"tcpv6"}, {"tcp", "tcpv6"}} {
		out := string(render1(t, windowsSnapshot(), nil, Options{Style: render.Windows, Protos: protos}))
		compareLines(t, block(t, out, "TCP Statistics for IPv6"), tcp6Block)
		if strings.Contains(out, note) || strings.Contains(out, "Linux") {
			t.Errorf("-p %v: Linux note in:\n%s", protos, out)
		}
		if protos == nil || len(protos) == 2 {
			compareLines(t, block(t, out, "TCP Statistics for IPv4")[2:3], []string{"  Active Opens                        = 64644"})
		} else if strings.Contains(out, "IPv4") {
			t.Errorf("-p tcpv6 printed an IPv4 section:\n%s", out)
		}
	}
}

// TestWindowsRoutingDiscards checks that Routing Discards shows Ip's and
// Ip6's RoutingDiscards, and 0 without it (Linux).
func TestWindowsRoutingDiscards(t *testing.T) {
	out := string(render1(t, windowsSnapshot(), nil, Options{Style: render.Windows}))
	for title, want := range map[string]string{"IPv4 Statistics": "17", "IPv6 Statistics": "4"} {
		if got := block(t, out, title)[10]; got != "  Routing Discards                   = "+want {
			t.Errorf("%s: got %q, want Routing Discards = %s", title, got, want)
		}
	}
	out = string(render1(t, captureSnapshot(), nil, Options{Style: render.Windows}))
	if got := block(t, out, "IPv4 Statistics")[10]; got != "  Routing Discards                   = 0" {
		t.Errorf("Linux snapshot: got %q", got)
	}
}

// TestTcp6Selection checks what -p tcpv6 selects in the other outputs
// when there is a Tcp6 group: Tcp6 only, without the note.
func TestTcp6Selection(t *testing.T) {
	out := string(render1(t, windowsSnapshot(), nil, Options{Format: render.JSON, Protos: []string{"tcpv6"}}))
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if !strings.Contains(out, `"Tcp6"`) || strings.Contains(out, `"Tcp"`) {
		t.Errorf("JSON -p tcpv6 should hold Tcp6 only:\n%s", out)
	}

	out = string(render1(t, windowsSnapshot(), nil, Options{Style: render.Linux}))
	if strings.Contains(out, "Tcp6:") || !strings.Contains(out, "Tcp:") {
		t.Errorf("linux style without -p should skip Tcp6, keep Tcp:\n%s", out)
	}
	out = string(render1(t, windowsSnapshot(), nil, Options{Style: render.Linux, Protos: []string{"tcpv6"}}))
	if !strings.HasPrefix(out, "Tcp6:\n") || strings.Contains(out, "Linux") {
		t.Errorf("linux style -p tcpv6 should print Tcp6 without note:\n%s", out)
	}

	out = string(render1(t, windowsSnapshot(), nil, Options{Protos: []string{"tcp", "tcpv6"}}))
	for _, want := range []string{"  retransmitted/sent segments         0.13%", "  retransmitted/sent segments (IPv6)  0.50%"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("modern -p tcp,tcpv6: no %q in:\n%s", want, out)
		}
	}

	later := windowsSnapshot()
	for i := range later.Groups {
		if later.Groups[i].Name == "Tcp6" {
			later.Groups[i].Counters[4].Value += 4 // ActiveOpens
		}
	}
	later.Time = later.Time.Add(2e9)
	out = string(render1(t, nil, netstats.Delta(windowsSnapshot(), later), Options{Protos: []string{"tcpv6"}}))
	if !strings.Contains(out, "Tcp6ActiveOpens") || strings.Contains(out, "Linux") {
		t.Errorf("rates -p tcpv6 should show Tcp6 without note:\n%s", out)
	}
}
