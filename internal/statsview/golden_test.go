package statsview

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenCases are checked against testdata/<name>.golden; run
// `go test ./internal/statsview -update` to rewrite them, then read the
// diff.
var goldenCases = []struct {
	name  string
	snap  func() *netstats.Snapshot
	rates bool
	opts  Options
}{
	{"modern", captureSnapshot, false, Options{}},
	{"modern-zh", referenceSnapshot, false, Options{Lang: "zh-CN"}},
	{"modern-p-tcpv6", captureSnapshot, false, Options{Protos: []string{"tcpv6"}}},
	{"windows", captureSnapshot, false, Options{Style: render.Windows}},
	{"windows-zh", referenceSnapshot, false, Options{Style: render.Windows, Lang: "zh_CN.UTF-8"}},
	{"windows-p-tcp", captureSnapshot, false, Options{Style: render.Windows, Protos: []string{"tcp"}}},
	{"windows-p-tcpv6", captureSnapshot, false, Options{Style: render.Windows, Protos: []string{"tcpv6"}}},
	{"linux", captureSnapshot, false, Options{Style: render.Linux}},
	{"linux-p-udpv6", captureSnapshot, false, Options{Style: render.Linux, Protos: []string{"udpv6"}}},
	{"json", captureSnapshot, false, Options{Format: render.JSON}},
	{"ndjson-p-udp", captureSnapshot, false, Options{Format: render.NDJSON, Protos: []string{"udp"}}},
	{"csv-p-icmp", captureSnapshot, false, Options{Format: render.CSV, Protos: []string{"icmp"}}},
	{"rates", captureSnapshot, true, Options{}},
	{"rates-zh", captureSnapshot, true, Options{Lang: "zh"}},
	{"rates-json", captureSnapshot, true, Options{Format: render.JSON}},
	{"rates-csv", captureSnapshot, true, Options{Format: render.CSV}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var rates *netstats.Rates
			if tc.rates {
				rates = netstats.Delta(tc.snap(), laterSnapshot())
			}
			got := render1(t, tc.snap(), rates, tc.opts)
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), got, *update)
		})
	}
}

func render1(t *testing.T, s *netstats.Snapshot, r *netstats.Rates, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, s, r, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// block returns the lines of out from the line title to the next blank
// line after the first line of values.
func block(t *testing.T, out, title string) []string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if l != title {
			continue
		}
		end := i + 2
		for end < len(lines) && lines[end] != "" {
			end++
		}
		return lines[i:end]
	}
	t.Fatalf("no section %q in:\n%s", title, out)
	return nil
}

// TestWindowsCapture checks the TCP and UDP blocks line for line against
// the Windows capture the snapshot was built from (testdata/README.md).
func TestWindowsCapture(t *testing.T) {
	out := string(render1(t, captureSnapshot(), nil, Options{Style: render.Windows}))
	want := map[string][]string{
		"TCP Statistics for IPv4": {
			"TCP Statistics for IPv4",
			"",
			"  Active Opens                        = 64644",
			"  Passive Opens                       = 7674",
			"  Failed Connection Attempts          = 5800",
			"  Reset Connections                   = 12164",
			"  Current Connections                 = 24",
			"  Segments Received                   = 19099006",
			"  Segments Sent                       = 18364045",
			"  Segments Retransmitted              = 24199",
		},
		"UDP Statistics for IPv4": {
			"UDP Statistics for IPv4",
			"",
			"  Datagrams Received    = 53860170",
			"  No Ports              = 25351",
			"  Receive Errors        = 26",
			"  Datagrams Sent        = 24325877",
		},
		"UDP Statistics for IPv6": {
			"UDP Statistics for IPv6",
			"",
			"  Datagrams Received    = 234072",
			"  No Ports              = 5641",
			"  Receive Errors        = 9",
			"  Datagrams Sent        = 147179",
		},
		"IPv4 Statistics": {
			"IPv4 Statistics",
			"",
			"  Packets Received                   = 60090845",
			"  Received Header Errors             = 0",
			"  Received Address Errors            = 0",
			"  Datagrams Forwarded                = 0",
			"  Unknown Protocols Received         = 0",
			"  Received Packets Discarded         = 25269",
			"  Received Packets Delivered         = 60259935",
			"  Output Requests                    = 30189260",
			"  Routing Discards                   = 0",
			"  Discarded Output Packets           = 21685",
			"  Output Packet No Route             = 403",
			"  Reassembly Required                = 3",
			"  Reassembly Successful              = 1",
			"  Reassembly Failures                = 0",
			"  Datagrams Successfully Fragmented  = 0",
			"  Datagrams Failing Fragmentation    = 0",
			"  Fragments Created                  = 0",
		},
	}
	for title, lines := range want {
		compareLines(t, block(t, out, title), lines)
	}
}

// TestWindowsChinese checks the TCP and UDP blocks of the Chinese layout
// with the labels of the reference document (issue 3, SPEC section 6).
func TestWindowsChinese(t *testing.T) {
	out := string(render1(t, referenceSnapshot(), nil, Options{Style: render.Windows, Lang: "zh-CN"}))
	compareLines(t, block(t, out, "IPv4 的 TCP 统计信息"), []string{
		"IPv4 的 TCP 统计信息",
		"",
		"  主动开放                            = 1732",
		"  被动开放                            = 12",
		"  失败的连接尝试                      = 3",
		"  重置连接                            = 5",
		"  当前连接                            = 2",
		"  接收的分段                          = 29856",
		"  发送的分段                          = 25324",
		"  重新传输的分段                      = 96",
	})
	compareLines(t, block(t, out, "IPv4 的 UDP 统计信息"), []string{
		"IPv4 的 UDP 统计信息",
		"",
		"  接收的数据报          = 53860170",
		"  无端口                = 25351",
		"  接收错误              = 26",
		"  发送的数据报          = 24325877",
	})
}

func compareLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}
