package render

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/sockets"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var fixtureMeta = Meta{
	Host:         "host1",
	Time:         time.Date(2026, 11, 25, 21, 44, 9, 123456789, time.UTC),
	Unattributed: 1,
	Warnings:     []string{"inet_diag dump raw6: protocol not supported"},
}

// goldenCases are the style × option combinations checked against
// testdata/<name>.golden; run `go test ./internal/render -update` to
// rewrite them, then read the diff.
var goldenCases = []struct {
	name string
	opts Options
}{
	{"modern", Options{}},
	{"modern-o", Options{ShowPID: true}},
	{"modern-pe", Options{ShowProgram: true, Extended: true}},
	{"modern-b", Options{ShowExe: true, ShowPID: true}},
	{"modern-names", Options{ShowProgram: true, Namer: fakeNamer{}}},
	{"modern-color", Options{Color: true, ShowPID: true}},
	{"modern-zh", Options{Lang: "zh-CN", ShowProgram: true, Extended: true, ShowExe: true}},
	{"windows-an", Options{Style: Windows}},
	{"windows-ano", Options{Style: Windows, ShowPID: true}},
	{"windows-abno", Options{Style: Windows, ShowPID: true, ShowExe: true}},
	{"windows-names", Options{Style: Windows, Namer: fakeNamer{}}},
	{"windows-names-f", Options{Style: Windows, Namer: fakeNamer{}, FQDN: true}},
	{"windows-zh-ano", Options{Style: Windows, ShowPID: true, Lang: "zh-CN"}},
	{"linux-tuan", Options{Style: Linux, All: true}},
	{"linux-tulpn", Options{Style: Linux, ListeningOnly: true, ShowProgram: true}},
	{"linux-anpe", Options{Style: Linux, All: true, ShowProgram: true, Extended: true}},
	{"linux-anW", Options{Style: Linux, All: true, Wide: true, ShowProgram: true}},
	{"linux-names", Options{Style: Linux, Namer: fakeNamer{}, Extended: true}},
	{"linux-b", Options{Style: Linux, All: true, ShowExe: true}},
	{"linux-tuano", Options{Style: Linux, All: true, Timers: true}},
	{"linux-anpeo", Options{Style: Linux, All: true, ShowProgram: true, Extended: true, Timers: true, ShowExe: true}},
	{"modern-timers", Options{ShowPID: true, Timers: true}},
	{"modern-zh-timers", Options{Lang: "zh-CN", Timers: true}},
	{"windows-timers", Options{Style: Windows, ShowPID: true, Timers: true}},
	{"json-timers", Options{Format: JSON, Timers: true}},
	{"ndjson-timers", Options{Format: NDJSON, Timers: true}},
	{"csv-timers", Options{Format: CSV, Timers: true}},
	{"json", Options{Format: JSON}},
	{"ndjson", Options{Format: NDJSON}},
	{"csv", Options{Format: CSV}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, fixture(), fixtureMeta, tc.opts); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, buf.Bytes())
		})
	}
}

// TestInvalidHolders checks that a Process with a nil ProcessInfo, which
// is invalid, never panics a writer: every golden case renders the fixture
// with such holders added (first, between and last) exactly as without
// them, and leaves the listing as it was.
func TestInvalidHolders(t *testing.T) {
	with := fixture()
	for i := range with {
		s := &with[i]
		if len(s.Processes) == 0 {
			if i%2 == 0 {
				s.Processes = []sockets.Process{{FD: 1}}
			}
			continue
		}
		ps := []sockets.Process{{FD: 1}}
		for _, p := range s.Processes {
			ps = append(ps, p, sockets.Process{FD: 2})
		}
		s.Processes = ps
	}
	before := len(with[0].Processes)
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := Write(&want, fixture(), fixtureMeta, tc.opts); err != nil {
				t.Fatal(err)
			}
			if err := Write(&got, with, fixtureMeta, tc.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("invalid holders change the output:\n%s", lineDiff(want.String(), got.String()))
			}
		})
	}
	if len(with[0].Processes) != before || with[0].Processes[0].Info != nil {
		t.Errorf("Write changed its input: %+v", with[0].Processes)
	}
	fix := fixture()
	for i := range with {
		if got, want := AppendSocketJSON(nil, &with[i]), AppendSocketJSON(nil, &fix[i]); !bytes.Equal(got, want) {
			t.Errorf("AppendSocketJSON with invalid holders:\n got %s\nwant %s", got, want)
		}
	}
}

// checkGolden compares got with testdata/<name>.golden, or rewrites the
// file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got, *update)
}

// lineDiff shows the lines that differ, marked - (want) and + (got).
func lineDiff(want, got string) string { return golden.LineDiff(want, got) }

// TestEmpty checks every format on an empty listing: headers only, and a
// JSON document with "sockets": [].
func TestEmpty(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "Proto  Recv-Q  Send-Q  Local Address  Foreign Address  State\n"},
		{Options{Style: Windows}, "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State\n"},
		{Options{Style: Linux}, "Active Internet connections (w/o servers)\n" +
			"Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"},
		{Options{Style: Linux, Protos: sockets.AllProtos, ListeningOnly: true}, "Active Internet connections (only servers)\n" +
			"Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n" +
			"Active UNIX domain sockets (only servers)\n" +
			"Proto RefCnt Flags       Type       State         I-Node   Path\n"},
		{Options{Format: JSON}, `{"schema":1,"host":"","time":"0001-01-01T00:00:00Z","sockets":[],"unattributed":0,"warnings":[]}` + "\n"},
		{Options{Format: NDJSON}, ""},
		{Options{Format: CSV}, csvHeader + "\n"},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, nil, Meta{}, tc.opts); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("%v/%v: got\n%q\nwant\n%q", tc.opts.Format, tc.opts.Style, buf.String(), tc.want)
		}
	}
}

// TestWindowsUnix checks that the windows style leaves unix sockets out
// unless they were asked for (-x, alone or with other protocols), or the
// listing holds nothing else.
func TestWindowsUnix(t *testing.T) {
	socks := fixture()
	var unixOnly []sockets.Socket
	for _, s := range socks {
		if s.Family == sockets.Local {
			unixOnly = append(unixOnly, s)
		}
	}
	for _, tc := range []struct {
		socks  []sockets.Socket
		protos sockets.ProtoSet
		want   bool
	}{
		{socks, 0, false},
		{socks, sockets.AllProtos, true},
		{socks, sockets.AllProtos &^ sockets.ProtoSet(0).With(sockets.Unix), false},
		{unixOnly, 0, true},
		{unixOnly, sockets.ProtoSet(0).With(sockets.Unix), true},
		{unixOnly, sockets.ProtoSet(0).With(sockets.Unix).With(sockets.TCP), true},
		{socks, sockets.ProtoSet(0).With(sockets.Unix).With(sockets.TCP), true},
		{socks, sockets.ProtoSet(0).With(sockets.Unix), true},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, tc.socks, Meta{}, Options{Style: Windows, Protos: tc.protos}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "  UNIX   "); got != tc.want {
			t.Errorf("%d sockets, protos %b: unix shown = %v, want %v\n%s", len(tc.socks), tc.protos, got, tc.want, buf.String())
		}
	}
}

// TestDocExample checks that the example in docs/json.md is what the
// encoder writes, in JSON and in CSV.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture()
	socks := []sockets.Socket{f[0], f[3], f[14]}
	socks[0].Cookie = 8197
	meta := Meta{
		Host: "web1", Time: time.Date(2026, 11, 25, 21, 44, 9, 120000000, time.FixedZone("", 3600)),
		Unattributed: 2,
		Warnings:     []string{"inet_diag dump raw: no such file or directory (raw socket diagnostics are not built into this kernel)"},
	}
	for _, tc := range []struct {
		fence string
		opts  Options
	}{
		{"```json\n{\"schema\"", Options{Format: JSON}},
		{"```csv\n", Options{Format: CSV}},
	} {
		i := bytes.Index(doc, []byte(tc.fence))
		if i < 0 {
			t.Fatalf("docs/json.md has no block starting %q", tc.fence)
		}
		block := doc[i+bytes.IndexByte(doc[i:], '\n')+1:]
		block = block[:bytes.Index(block, []byte("```"))]
		var buf bytes.Buffer
		if err := Write(&buf, socks, meta, tc.opts); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), block) {
			t.Errorf("%v example in docs/json.md is not what Write prints:\n%s", tc.opts.Format, lineDiff(string(block), buf.String()))
		}
	}
}

// TestNoHeader checks that -H leaves only the rows in every table layout and
// in CSV.
func TestNoHeader(t *testing.T) {
	socks := fixture()
	for _, o := range []Options{
		{Style: Modern}, {Style: Modern, Lang: "zh-CN"}, {Style: Linux, All: true},
		{Style: Windows, Protos: sockets.AllProtos}, {Format: CSV},
	} {
		var with, without bytes.Buffer
		if err := Write(&with, socks, Meta{}, o); err != nil {
			t.Fatal(err)
		}
		o.NoHeader = true
		if err := Write(&without, socks, Meta{}, o); err != nil {
			t.Fatal(err)
		}
		// The rows are the lines of the output with headings that are not
		// titles, headings or blank.
		var rows []string
		for _, l := range strings.Split(with.String(), "\n") {
			if l != "" && !strings.HasPrefix(l, "Active ") && !strings.HasPrefix(l, "Proto ") &&
				!strings.HasPrefix(l, "  Proto ") && !strings.HasPrefix(l, "proto,") && !strings.HasPrefix(l, "活动连接") &&
				!strings.HasPrefix(l, "协议") {
				rows = append(rows, l)
			}
		}
		if strings.Join(rows, "\n")+"\n" != without.String() {
			t.Errorf("%v/%v: -H output is not the rows of\n%s\ngot\n%s", o.Format, o.Style, with.String(), without.String())
		}
		for _, head := range []string{"Proto", "Active", "proto,family", "活动连接"} {
			if strings.Contains(without.String(), head) {
				t.Errorf("%v/%v: -H output holds %q:\n%s", o.Format, o.Style, head, without.String())
			}
		}
	}
}

// TestLinuxMappedIPv4 checks that the net-tools layout prints an
// IPv4-mapped IPv6 address as the IPv4 address, never named, as net-tools
// does (a dual-stack listener's connections over 127.0.0.1).
func TestLinuxMappedIPv4(t *testing.T) {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.Established,
		Local:  netip.MustParseAddrPort("[::ffff:127.0.0.1]:8080"),
		Remote: netip.MustParseAddrPort("[::ffff:127.0.0.1]:47670")}
	for _, o := range []Options{{Style: Linux}, {Style: Linux, Namer: fakeNamer{}}} {
		var buf bytes.Buffer
		if err := Write(&buf, []sockets.Socket{s}, Meta{}, o); err != nil {
			t.Fatal(err)
		}
		port := "8080"
		if o.Namer != nil {
			port = "http-alt"
		}
		want := "tcp6       0      0 127.0.0.1:" + port + strings.Repeat(" ", 14-len(port)) + "127.0.0.1:47670         ESTABLISHED\n"
		if got := strings.SplitAfter(buf.String(), "\n")[2]; got != want {
			t.Errorf("names %v:\n got %q\nwant %q", o.Namer != nil, got, want)
		}
	}
}
