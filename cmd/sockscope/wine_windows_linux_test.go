package main

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// winPath is the Windows path under which Wine shows the Linux path p
// (drive Z: is the root directory).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// testDisplayLanguage checks that, with no locale variable set, the
// Windows display language chooses the language (GetUserPreferredUILanguages):
// Wine takes its locale from LANG, which cmd then clears for sockscope.exe.
// Wine has a Chinese display language only if the Linux locale
// zh_CN.UTF-8 exists (.ci/run generates it).
func (w *wine) testDisplayLanguage(t *testing.T) {
	out, err := exec.Command("locale", "-a").Output()
	if err != nil || !regexp.MustCompile(`(?m)^zh_CN\.utf-?8$`).Match(out) {
		msg := "the Linux locale zh_CN.UTF-8 is not generated (locale-gen), so Wine has no Chinese display language"
		if os.Getenv(wineEnv) == "require" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	clear := "set LANG=&& set LC_ALL=&& set LC_MESSAGES=&& "
	for _, c := range []struct {
		lang, title string
		labels      []string
	}{
		{"zh_CN.UTF-8", "IPv4 的 TCP 统计信息", zhStatLabels["tcp"]},
		{"C.UTF-8", "TCP Statistics for IPv4", nil}, // the control: English without it
	} {
		stdout, stderr, code := w.runIn(t, "", time.Minute, []string{"LANG=" + c.lang}, "cmd", "/c", clear+winPath(w.exe)+" -s -p tcp")
		if code != 0 {
			t.Fatalf("Wine locale %s: exit status %d\nstderr:\n%s", c.lang, code, stderr)
		}
		title, labels, _, err := parseWinStats(string(stdout))
		if err != nil {
			t.Fatalf("Wine locale %s: %v\n%s", c.lang, err, stdout)
		}
		if title != c.title || (c.labels != nil && !slices.Equal(labels, c.labels)) {
			t.Errorf("Wine locale %s, no LANG for the program: title %q, labels %q; want %q, %q", c.lang, title, labels, c.title, c.labels)
		}
	}
}

// testOwners runs -b and the JSON listing with owners asked for: the
// process snapshot is taken and the source is asked for owner modules; as
// every owner is PID 0 under Wine (so no module is looked up: the sockets
// package's TestWindowsOwnerModuleLookup runs the lookup), no row gets an
// owner line, nothing is reported unreadable, and every socket's
// processes are [].
func (w *wine) testOwners(t *testing.T) {
	out := string(w.runOK(t, nil, "-abno"))
	rows := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "  TCP ") || strings.HasPrefix(line, "  UDP "):
			rows++
			if f := strings.Fields(line); f[len(f)-1] != "0" {
				t.Errorf("a row with an owner under Wine: %q", line)
			}
		case strings.HasPrefix(line, " [") || strings.Contains(line, "Can not obtain ownership information"):
			t.Errorf("an owner line under a PID 0 row: %q", line)
		}
	}
	if rows == 0 {
		t.Fatalf("-abno listed nothing:\n%s", out)
	}
	var doc struct {
		Sockets []struct {
			Processes []json.RawMessage `json:"processes"`
		} `json:"sockets"`
		Unattributed int      `json:"unattributed"`
		Warnings     []string `json:"warnings"`
	}
	if err := json.Unmarshal(w.runOK(t, nil, "-an", "--format", "json"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Sockets) == 0 || doc.Unattributed != 0 || len(doc.Warnings) != 0 {
		t.Errorf("JSON: %d sockets, unattributed %d, warnings %q", len(doc.Sockets), doc.Unattributed, doc.Warnings)
	}
	for _, s := range doc.Sockets {
		if s.Processes == nil || len(s.Processes) != 0 {
			t.Errorf("a socket with processes %v under Wine", s.Processes)
			break
		}
	}
}

// testWindowsName is what every test in a _windows_test.go file is named,
// so that testPackages runs them all and nothing else.
var testWindowsName = regexp.MustCompile(`(?m)^func (Test\w*)\(`)

// testPackages runs, under Wine, the tests of every package that has
// _windows_test.go files: the Windows calls behind attribution, sources
// and views, checked for real (the test's own process, its own sockets).
// Those tests are all named TestWindows*; only they run (the rest of each
// package runs on Linux already, and Wine 8's RemoveAll fails on the
// temporary directories of some).
func (w *wine) testPackages(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "internal", "*", "*_windows_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no _windows_test.go files under internal/ (%v)", err)
	}
	tests := make(map[string][]string) // package dir → its Windows tests
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range testWindowsName.FindAllSubmatch(b, -1) {
			name := string(m[1])
			if !strings.HasPrefix(name, "TestWindows") {
				t.Errorf("%s: %s would not run under Wine: name it TestWindows...", f, name)
			}
			tests[filepath.Dir(f)] = append(tests[filepath.Dir(f)], name)
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(tests)) {
		rel, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			exe := filepath.Join(t.TempDir(), filepath.Base(dir)+".test.exe")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			build := exec.CommandContext(ctx, "go", "test", "-c", "-o", exe, "./"+filepath.ToSlash(rel))
			build.Dir = root
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH=amd64")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go test -c (windows/amd64): %v\n%s", err, out)
			}
			stdout, stderr, code := w.runIn(t, dir, 3*time.Minute, nil, exe, "-test.run", "^TestWindows", "-test.v")
			out := string(stdout) + string(stderr)
			if code != 0 || strings.Contains(out, "--- FAIL") {
				t.Fatalf("exit status %d:\n%s", code, out)
			}
			for _, name := range tests[dir] {
				if !strings.Contains(out, "--- PASS: "+name+" ") && !strings.Contains(out, "--- SKIP: "+name+" ") {
					t.Errorf("%s did not run:\n%s", name, out)
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "--- SKIP") || strings.Contains(l, "Wine") {
					t.Log(strings.TrimSpace(l))
				}
			}
		})
	}
}

// testProtocols checks the Windows meanings of -p under Wine: -anop tcp
// lists IPv4 TCP only, tcpv6 IPv6 TCP only, udp IPv4 UDP only; -s -p
// tcpv6 prints Windows' own IPv6 TCP section; -s prints every section of
// Windows netstat -s, in its order.
func (w *wine) testProtocols(t *testing.T) {
	for _, c := range []struct {
		proto, rowProto string
		v6              bool
	}{{"tcp", "TCP", false}, {"tcpv6", "TCP", true}, {"udp", "UDP", false}, {"udpv6", "UDP", true}} {
		out := string(w.runOK(t, nil, "-anop", c.proto))
		rows := 0
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if len(f) < 3 || (f[0] != "TCP" && f[0] != "UDP") {
				continue
			}
			rows++
			if f[0] != c.rowProto || strings.HasPrefix(f[1], "[") != c.v6 {
				t.Errorf("-anop %s listed %q", c.proto, l)
			}
		}
		if rows == 0 && c.proto == "tcp" {
			t.Errorf("-anop tcp listed nothing:\n%s", out)
		}
	}
	// As Windows netstat, -s -p tcp ends with the TCP connections.
	stcp := string(w.runOK(t, nil, "-s", "-p", "tcp"))
	if i, j := strings.Index(stcp, "TCP Statistics for IPv4"), strings.Index(stcp, "Active Connections"); i < 0 || j < i {
		t.Errorf("-s -p tcp: not the statistics, then the connections:\n%s", stcp)
	}
	title, labels, _, err := parseWinStats(string(w.runOK(t, nil, "-s", "-p", "tcpv6")))
	if err != nil || title != "TCP Statistics for IPv6" || len(labels) < len(zhStatLabels["tcp"]) {
		t.Errorf("-s -p tcpv6: title %q, labels %q, %v", title, labels, err)
	}
	var titles []string
	for _, l := range strings.Split(string(w.runOK(t, nil, "-s")), "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			titles = append(titles, l)
		}
	}
	want := []string{"IPv4 Statistics", "IPv6 Statistics", "ICMPv4 Statistics", "ICMPv6 Statistics",
		"TCP Statistics for IPv4", "TCP Statistics for IPv6", "UDP Statistics for IPv4", "UDP Statistics for IPv6"}
	if !slices.Equal(titles, want) {
		t.Errorf("-s sections %q, want %q", titles, want)
	}
}

// testViews checks -r and -e under Wine against the Linux tools: the IPv4
// routes of GetIpForwardTable2 are those of the main table (`ip -4 route`;
// Wine shows no other table, and an empty IPv6 table), each with its
// gateway and interface; the counters of -e (GetIfTable2, summed over the
// interfaces but loopback) lie between /proc/net/dev's sums read before
// and after.
func (w *wine) testViews(t *testing.T) {
	type route struct{ dst, gateway, dev string }
	var ipRoutes []struct {
		Dst, Gateway, Dev string
	}
	out, err := exec.Command("ip", "-j", "-4", "route", "show", "table", "main").Output()
	if err != nil || json.Unmarshal(out, &ipRoutes) != nil {
		t.Skipf("ip -j -4 route: %v", err)
	}
	var want []route
	for _, r := range ipRoutes {
		dst := r.Dst
		switch {
		case dst == "default":
			dst = "0.0.0.0/0"
		case !strings.Contains(dst, "/"):
			dst += "/32"
		}
		want = append(want, route{dst, r.Gateway, r.Dev})
	}
	var doc struct {
		Routes []struct {
			Family      int
			Destination string
			Gateway     *string
			Interface   string
		}
	}
	if err := json.Unmarshal(w.runOK(t, nil, "-rn", "--format", "json"), &doc); err != nil {
		t.Fatal(err)
	}
	var got []route
	for _, r := range doc.Routes {
		if r.Family == 4 {
			gw := ""
			if r.Gateway != nil {
				gw = *r.Gateway
			}
			got = append(got, route{r.Destination, gw, r.Interface})
		}
	}
	less := func(a, b route) int { return strings.Compare(a.dst+" "+a.gateway, b.dst+" "+b.gateway) }
	slices.SortFunc(want, less)
	slices.SortFunc(got, less)
	if !slices.Equal(got, want) {
		t.Errorf("-rn IPv4 routes %v, want those of ip -4 route: %v", got, want)
	}

	// -g (multicast groups; Windows netstat has no -g) is not read on
	// Windows: one line saying so, exit status 1 (SPEC section 9).
	if stdout, stderr, code := w.run(t, time.Minute, nil, "-g"); code != 1 || len(stdout) != 0 ||
		strings.Count(string(stderr), "\n") != 1 || !strings.Contains(string(stderr), "not read on windows") {
		t.Errorf("-g: exit %d, stdout %q, stderr %q; want exit 1 and one line saying it is not read on windows", code, stdout, stderr)
	}

	type counters struct{ rxBytes, rxPkts, txBytes, txPkts uint64 }
	dev := func() counters {
		b, err := os.ReadFile("/proc/net/dev")
		if err != nil {
			t.Fatal(err)
		}
		var c counters
		for _, l := range strings.Split(string(b), "\n")[2:] {
			name, rest, ok := strings.Cut(l, ":")
			f := strings.Fields(rest)
			if !ok || strings.TrimSpace(name) == "lo" || len(f) < 16 {
				continue
			}
			n := func(i int) uint64 { v, _ := strconv.ParseUint(f[i], 10, 64); return v }
			c.rxBytes, c.rxPkts, c.txBytes, c.txPkts = c.rxBytes+n(0), c.rxPkts+n(1), c.txBytes+n(8), c.txPkts+n(9)
		}
		return c
	}
	var e struct {
		Ethernet []struct {
			Received, Sent struct {
				Bytes      uint64 `json:"bytes"`
				Unicast    uint64 `json:"unicast_packets"`
				NonUnicast uint64 `json:"non_unicast_packets"`
			}
		}
	}
	before := dev()
	if err := json.Unmarshal(w.runOK(t, nil, "-e", "--format", "json"), &e); err != nil || len(e.Ethernet) != 1 {
		t.Fatalf("-e JSON: %v %+v", err, e)
	}
	after := dev()
	rx, tx := e.Ethernet[0].Received, e.Ethernet[0].Sent
	for _, c := range []struct {
		name          string
		got, lo, high uint64
	}{
		{"received bytes", rx.Bytes, before.rxBytes, after.rxBytes},
		{"received packets", rx.Unicast + rx.NonUnicast, before.rxPkts, after.rxPkts},
		{"sent bytes", tx.Bytes, before.txBytes, after.txBytes},
		{"sent packets", tx.Unicast + tx.NonUnicast, before.txPkts, after.txPkts},
	} {
		if c.got < c.lo || c.got > c.high {
			t.Errorf("-e %s = %d, /proc/net/dev (all but lo) went from %d to %d", c.name, c.got, c.lo, c.high)
		}
	}
}
