package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// proc makes a holder named name.
func proc(pid int32, name string) sockets.Process {
	return sockets.Process{Info: &sockets.ProcessInfo{PID: pid, Name: name}, FD: 3}
}

// sock makes a TCP socket from local to remote in state st, held by ps.
func sock(st sockets.State, local, remote string, ps ...sockets.Process) sockets.Socket {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := sockets.Inet
	if l.Addr().Is6() && !l.Addr().Is4In6() {
		fam = sockets.Inet6
	}
	return sockets.Socket{Proto: sockets.TCP, Family: fam, State: st, Local: l, Remote: r, Processes: ps}
}

// fixture is a small machine: nginx listening on every address of port
// 80 with a full accept queue, a database on localhost holding
// connections some of which it never closes, TIME_WAIT left by clients,
// a UDP resolver, and a unix socket.
func fixture() []sockets.Socket {
	nginx, nginx2, db, app := proc(100, "nginx"), proc(101, "nginx"), proc(200, "postgres"), proc(300, "app")
	lst := sock(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0", nginx, nginx2)
	lst.RecvQ, lst.SendQ = 511, 511
	lst6 := sock(sockets.Listen, "[::]:443", "[::]:0", nginx)
	lst6.RecvQ, lst6.SendQ = 3, 128
	pg := sock(sockets.Listen, "127.0.0.1:5432", "0.0.0.0:0", db)
	pg.SendQ = 200
	socks := []sockets.Socket{lst, lst6, pg,
		sock(sockets.Established, "10.0.0.1:80", "203.0.113.7:40000", nginx),
		sock(sockets.NewSynRecv, "10.0.0.1:80", "203.0.113.8:40001"),
		sock(sockets.TimeWait, "10.0.0.1:80", "203.0.113.9:40002"),
		// An IPv4 client of the IPv6 wildcard listener.
		sock(sockets.Established, "[::ffff:10.0.0.1]:443", "[::ffff:203.0.113.7]:40003", nginx),
		sock(sockets.CloseWait, "127.0.0.1:5432", "127.0.0.1:50000", db),
		sock(sockets.CloseWait, "127.0.0.1:5432", "127.0.0.1:50001", db),
		sock(sockets.Established, "127.0.0.1:50002", "127.0.0.1:5432", app),
		sock(sockets.Established, "127.0.0.1:50003", "127.0.0.1:5432", app),
		sock(sockets.FinWait2, "127.0.0.1:50000", "127.0.0.1:5432"),
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close,
			Local: netip.MustParseAddrPort("127.0.0.53:53"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			Processes: []sockets.Process{proc(400, "systemd-resolve")}},
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Established,
			Local: netip.MustParseAddrPort("10.0.0.1:41000"), Remote: netip.MustParseAddrPort("8.8.8.8:53"),
			Processes: []sockets.Process{app}},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen,
			Path: "/run/app.sock", Processes: []sockets.Process{app}},
	}
	return socks
}

// counters is a reading of the protocol counters, as Read makes it from
// the files.
func counters(t testing.TB) *netstats.Snapshot {
	snmp := "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n" +
		"Tcp: 1 200 120000 -1 1500 300 12 4 5 90000 80000 400 0 33 0\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 700 5 0 710 0 0 0 0 0\n"
	netstat := "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows ListenDrops TCPOFOQueue TCPTimeWaitOverflow PAWSActive\n" +
		"TcpExt: 0 0 0 17 17 2 0 9\n"
	sockstat := "sockets: used 42\nTCP: inuse 9 orphan 1 tw 1 alloc 12 mem 3\nUDP: inuse 2 mem 1\nFRAG: inuse 0 memory 0\n"
	s := &netstats.Snapshot{}
	for _, f := range []struct {
		file, text string
		parse      func([]byte) ([]netstats.Group, error)
	}{{"snmp", snmp, netstats.ParseSNMP}, {"netstat", netstat, netstats.ParseSNMP}, {"sockstat", sockstat, netstats.ParseSockstat}} {
		groups, err := f.parse([]byte(f.text))
		if err != nil {
			t.Fatal(err)
		}
		for i := range groups {
			groups[i].File = f.file
		}
		s.Groups = append(s.Groups, groups...)
	}
	return s
}

func fixtureConfig(t testing.TB) Config {
	return Config{
		Sockets: func(context.Context) (collect.Snapshot, error) {
			return collect.Snapshot{Sockets: fixture(), Warnings: collect.Warnings{Unattributed: 2, Unreadable: 1}}, nil
		},
		Owners:   true,
		Counters: func() (*netstats.Snapshot, error) { return counters(t), nil },
		Limits: func() (netstats.Limits, error) {
			return netstats.Limits{MaxOrphans: 65536, MaxTWBuckets: 65536, TCPMem: [3]int64{4096 * 100, 4096 * 200, 4096 * 300},
				Ephemeral: summary.PortRange{Low: 32768, High: 60999}}, nil
		},
		Fields:      regexp.MustCompile(DefaultFields),
		Connections: connections(),
		Version:     "v1.0.0",
		Revision:    "abc",
		PageSize:    4096,
	}
}

// connections are the counters of a few traced connections.
func connections() *ConnCounters {
	c := NewConnCounters()
	c.Add("connect", "app", 5432)
	c.Add("accept", "nginx", 40000)
	c.Add("close", "app", 5432)
	c.Add("fail", "app", 6379)
	return c
}

// exposition gathers e and writes the text format, with the scrape
// durations (which vary) set to zero.
func exposition(t testing.TB, e *Exporter) []byte {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if mf.GetName() == "sockscope_scrape_collector_duration_seconds" {
			for _, m := range mf.Metric {
				m.Gauge.Value = new(float64)
			}
		}
		if mf.GetName() == "sockscope_build_info" {
			for _, m := range mf.Metric {
				for _, l := range m.Label {
					if l.GetName() == "goversion" {
						v := "go"
						l.Value = &v
					}
				}
			}
		}
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// golden compares got with testdata/name (rewritten with -update), and
// has promtool check it where promtool is installed.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update to rewrite it):\n%s", path, got)
	}
	promtoolCheck(t, got)
}

// promtoolCheck runs promtool check metrics on text: lint clean, or the
// test fails. Without promtool it skips, unless SOCKSCOPE_PROMETHEUS is
// "require".
func promtoolCheck(t *testing.T, text []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SOCKSCOPE_PROMETHEUS") == "require" {
			t.Fatal("promtool is not installed and SOCKSCOPE_PROMETHEUS=require")
		}
		t.Log("promtool is not installed (Debian package prometheus): metrics not linted")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestMetricsGolden(t *testing.T) {
	golden(t, "metrics.golden", exposition(t, New(fixtureConfig(t))))
}

// TestMetricsNamespaces labels every socket metric, and the counters,
// with the namespace and its container.
func TestMetricsNamespaces(t *testing.T) {
	cfg := fixtureConfig(t)
	cfg.Sockets = func(context.Context) (collect.Snapshot, error) {
		a, b := fixture(), fixture()
		for i := range a {
			a[i].NetNS = 4026531840
		}
		for i := range b {
			b[i].NetNS = 4026532500
		}
		return collect.Snapshot{Sockets: append(a, b[:3]...)}, nil
	}
	cfg.Counters = nil
	cfg.NSCounters = func() ([]NSCounters, error) {
		return []NSCounters{{NetNS: 4026531840, Snapshot: counters(t)}, {NetNS: 4026532500, Snapshot: counters(t)}}, nil
	}
	cfg.Namespace = func(inode uint64) (string, string) {
		if inode == 4026532500 {
			return "web", "web"
		}
		return "pid:1", ""
	}
	cfg.Top = 2
	golden(t, "metrics-netns.golden", exposition(t, New(cfg)))
}

// TestFailingSockets: a scrape while the socket source fails still has
// the counters and limits, and says which part failed; over HTTP it is a
// 200 with a body.
func TestFailingSockets(t *testing.T) {
	cfg := fixtureConfig(t)
	cfg.Sockets = func(context.Context) (collect.Snapshot, error) {
		return collect.Snapshot{}, errors.New("netlink: permission denied")
	}
	cfg.Limits = func() (netstats.Limits, error) { return netstats.Limits{}, errors.New("no /proc/sys") }
	srv := httptest.NewServer(ScrapeHandler(New(cfg), nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	body := buf.String()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`sockscope_scrape_collector_success{collector="sockets"} 0`,
		`sockscope_scrape_collector_success{collector="owners"} 0`,
		`sockscope_scrape_collector_success{collector="limits"} 0`,
		`sockscope_scrape_collector_success{collector="counters"} 1`,
		`sockscope_netstat_tcp_retrans_segs_total 400`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, "sockscope_sockets{") {
		t.Errorf("a failed snapshot's sockets are published:\n%s", body)
	}
	promtoolCheck(t, buf.Bytes())
}

// TestSingleFlight: scrapes that arrive while a reading is under way
// share it, and one within CacheFor of it reuses it.
func TestSingleFlight(t *testing.T) {
	var reads atomic.Int32
	release := make(chan struct{})
	cfg := fixtureConfig(t)
	cfg.Sockets = func(context.Context) (collect.Snapshot, error) {
		reads.Add(1)
		<-release
		return collect.Snapshot{Sockets: fixture()}, nil
	}
	cfg.CacheFor = time.Hour
	e := New(cfg)
	var wg sync.WaitGroup
	lens := make([]int, 50)
	for i := range lens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lens[i] = len(e.Metrics(context.Background()))
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d readings for 50 concurrent scrapes, want 1", n)
	}
	for i, n := range lens {
		if n != lens[0] || n == 0 {
			t.Fatalf("scrape %d got %d metrics, scrape 0 %d", i, n, lens[0])
		}
	}
	e.Metrics(context.Background())
	if n := reads.Load(); n != 1 {
		t.Errorf("a scrape within CacheFor read again (%d readings)", n)
	}

	cfg.CacheFor = -1
	e = New(cfg)
	e.Metrics(context.Background())
	e.Metrics(context.Background())
	if n := reads.Load(); n != 3 {
		t.Errorf("with no cache, two scrapes made %d readings, want 2", n-1)
	}
}

// TestScrapeTimeout: a reading that would outlast the scrape's timeout
// ends by it, and the page says the sockets part failed.
func TestScrapeTimeout(t *testing.T) {
	cfg := fixtureConfig(t)
	cfg.Sockets = func(ctx context.Context) (collect.Snapshot, error) {
		<-ctx.Done()
		return collect.Snapshot{}, ctx.Err()
	}
	srv := httptest.NewServer(ScrapeHandler(New(cfg), nil))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "1.5")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if took := time.Since(start); took > 1400*time.Millisecond || took < 900*time.Millisecond {
		t.Errorf("a scrape with a 1.5 s timeout took %v, want 1 s (the timeout less %v)", took, TimeoutOffset)
	}
	if !strings.Contains(buf.String(), `sockscope_scrape_collector_success{collector="sockets"} 0`) {
		t.Errorf("the timed-out part is not reported failed:\n%s", buf.String())
	}
}

func TestScrapeTimeoutHeader(t *testing.T) {
	for _, c := range []struct {
		header string
		want   time.Duration
	}{
		{"", DefaultTimeout},
		{"10", 9500 * time.Millisecond},
		{"0.5", 250 * time.Millisecond}, // never less than half
		{"2.25", 1750 * time.Millisecond},
		{"abc", DefaultTimeout},
		{"-1", DefaultTimeout},
		{"NaN", DefaultTimeout},
		{"1e9", DefaultTimeout},
	} {
		h := http.Header{}
		if c.header != "" {
			h.Set("X-Prometheus-Scrape-Timeout-Seconds", c.header)
		}
		if got := ScrapeTimeout(h); got != c.want {
			t.Errorf("timeout %q: %v, want %v", c.header, got, c.want)
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"Tcp":                 "tcp",
		"TcpExt":              "tcp_ext",
		"RetransSegs":         "retrans_segs",
		"TCPOFOQueue":         "tcp_ofo_queue",
		"InCsumErrors":        "in_csum_errors",
		"TW":                  "tw",
		"TWRecycled":          "tw_recycled",
		"Udp6":                "udp6",
		"InType3":             "in_type3",
		"inuse":               "inuse",
		"UDPLITE6":            "udplite6",
		"IcmpMsg":             "icmp_msg",
		"TCPTimeWaitOverflow": "tcp_time_wait_overflow",
		"Ip6":                 "ip6",
		"a-b.c":               "a_b_c",
		"":                    "",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPageFormats: the page is gzipped when asked, in the protobuf
// format when asked, and one reading's page is encoded once for many
// scrapes.
func TestPageFormats(t *testing.T) {
	cfg := fixtureConfig(t)
	cfg.CacheFor = time.Hour
	srv := httptest.NewServer(ScrapeHandler(New(cfg), nil))
	defer srv.Close()
	get := func(accept, encoding string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("Accept-Encoding", encoding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	resp.Body.Close()
	if err != nil || !bytes.Contains(text, []byte("sockscope_netstat_tcp_retrans_segs_total 400")) {
		t.Fatalf("gzipped page (%v):\n%s", err, text)
	}
	resp = get("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "identity")
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "protobuf") {
		t.Fatalf("Content-Type %q, want protobuf", ct)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	n := 0
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n < 20 {
		t.Errorf("%d families in the protobuf page", n)
	}
}
