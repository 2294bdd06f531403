package explain

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	goldenfile "github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var fixedSettings = Settings{
	"tcp_fin_timeout": "60", "tcp_syn_retries": "6", "tcp_synack_retries": "5",
	"tcp_orphan_retries": "0", "tcp_max_tw_buckets": "262144", "tcp_tw_reuse": "2",
	"tcp_max_syn_backlog": "4096",
	// somaxconn left out: a missing setting is shown as not readable.
}

var fixedLive = &Live{Count: 1234, Top: []ProcCount{
	{PID: 0, Count: 900}, {PID: 4321, Name: "nginx", Count: 300}, {PID: 77, Name: "java", Count: 34},
}}

var fixedCounts = map[string]int{
	"LISTEN": 12, "ESTABLISHED": 345, "TIME_WAIT": 1234, "CLOSE_WAIT": 7, "UNCONN": 9,
}

// golden compares got with testdata/name.golden; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name+".golden"), got, *update)
}

func TestGoldenStates(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		for _, st := range sockets.StateNames {
			var b bytes.Buffer
			if err := WriteState(&b, st, Options{Lang: lang, OS: "linux", Settings: fixedSettings, Live: fixedLive}); err != nil {
				t.Fatalf("%s %s: %v", st, lang, err)
			}
			golden(t, "state-"+strings.ToLower(st)+"-"+lang, b.Bytes())
		}
	}
}

func TestGoldenAll(t *testing.T) {
	for _, c := range []struct {
		name, lang string
		counts     map[string]int
	}{
		{"all-en", "en", fixedCounts}, {"all-zh", "zh_CN.UTF-8", fixedCounts}, {"all-nocount-en", "", nil},
	} {
		var b bytes.Buffer
		if err := WriteAll(&b, c.lang, c.counts); err != nil {
			t.Fatal(err)
		}
		golden(t, c.name, b.Bytes())
	}
}

func TestGoldenCounters(t *testing.T) {
	for _, name := range []string{"RetransSegs", "ListenOverflows", "NoPorts", "TCPTimeouts"} {
		for _, lang := range []string{"en", "zh"} {
			var b bytes.Buffer
			if err := WriteCounter(&b, name, Options{Lang: lang}); err != nil {
				t.Fatal(err)
			}
			golden(t, "counter-"+strings.ToLower(name)+"-"+lang, b.Bytes())
		}
	}
}

func TestNoLiveNoSettings(t *testing.T) {
	var b bytes.Buffer
	if err := WriteState(&b, "time-wait", Options{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, i18n.T("en", "explain.heading.live")) {
		t.Error("nil Live printed live data")
	}
	if !strings.Contains(out, "net.ipv4.tcp_tw_reuse") || !strings.Contains(out, "not readable") {
		t.Errorf("missing settings not shown as unreadable:\n%s", out)
	}
}

// TestEveryStateExplained fails when a StateNames entry or a counter lacks
// any message in either language.
func TestEveryStateExplained(t *testing.T) {
	fields := []string{"short", "meaning", "side", "enter", "leave", "duration", "trouble"}
	for _, st := range sockets.StateNames {
		for _, f := range fields {
			if key := "state." + st + "." + f; !i18n.Has(key) {
				t.Errorf("no message %s", key)
			}
		}
		for _, lang := range []string{"en", "zh"} {
			if err := WriteState(&bytes.Buffer{}, st, Options{Lang: lang}); err != nil {
				t.Errorf("WriteState(%s, %s): %v", st, lang, err)
			}
		}
	}
	for _, c := range CounterNames() {
		for _, f := range []string{"meaning", "rising"} {
			key := "counter." + c + "." + f
			if !i18n.Has(key) {
				t.Errorf("no message %s", key)
			}
			if i18n.T("zh", key) == i18n.T("en", key) {
				t.Errorf("%s: zh text is the English text", key)
			}
		}
	}
	for _, names := range stateSettings {
		for _, n := range names {
			if !i18n.Has("setting." + n) {
				t.Errorf("no message setting.%s", n)
			}
		}
	}
}

func TestLookupState(t *testing.T) {
	for in, want := range map[string]string{
		"time-wait": "TIME_WAIT", "TIME_WAIT": "TIME_WAIT", "timewait": "TIME_WAIT",
		"SYN_RECEIVED": "SYN_RECV", "SYNC_RECEIVED": "SYN_RECV", "SYNC_SEND": "SYN_SENT",
		"LISTENING": "LISTEN", "FIN_WAIT_1": "FIN_WAIT1", "closed": "CLOSE", "unconn": "UNCONN",
		"UNCONNECTED": "UNCONN", "estab": "ESTABLISHED",
	} {
		if got, ok := LookupState(in); !ok || got != want {
			t.Errorf("LookupState(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"all", "connected", "bogus", ""} {
		if got, ok := LookupState(in); ok {
			t.Errorf("LookupState(%q) = %q, want not found", in, got)
		}
	}
	err := WriteState(&bytes.Buffer{}, "TIME_WAT", Options{Lang: "en"})
	var ue *sockets.UnknownStateError
	if !errors.As(err, &ue) || len(ue.Suggestions) == 0 || ue.Suggestions[0] != "TIME_WAIT" {
		t.Errorf("WriteState(TIME_WAT) error = %v, want UnknownStateError suggesting TIME_WAIT", err)
	}
	if !errors.Is(WriteState(&bytes.Buffer{}, "all", Options{Lang: "en"}), errs.ErrInvalid) {
		t.Error("WriteState(all) should fail as invalid input")
	}
}

func TestLookupCounter(t *testing.T) {
	for in, want := range map[string]string{
		"retranssegs": "RetransSegs", "TcpRetransSegs": "RetransSegs", "Tcp: RetransSegs": "RetransSegs",
		"TcpExtListenOverflows": "ListenOverflows", "tcpexttcptimeouts": "TCPTimeouts",
		"TCPTimeouts": "TCPTimeouts", "UdpNoPorts": "NoPorts", "udp_inerrors": "InErrors",
		"TcpInErrs": "InErrs",
	} {
		if got, ok := LookupCounter(in); !ok || got != want {
			t.Errorf("LookupCounter(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := LookupCounter("UdpRetransSegs"); ok {
		t.Error("UdpRetransSegs should not match")
	}
	if err := WriteCounter(&bytes.Buffer{}, "nope", Options{Lang: "en"}); !errors.Is(err, ErrUnknownCounter) {
		t.Errorf("WriteCounter(nope) = %v", err)
	}
}

func TestReadSettings(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "net/ipv4"), 0o755)
	os.WriteFile(filepath.Join(dir, "net/ipv4/tcp_fin_timeout"), []byte("30\n"), 0o644)
	s := ReadSettings(dir)
	if len(s) != 1 || s["tcp_fin_timeout"] != "30" {
		t.Errorf("ReadSettings = %v", s)
	}
}

func TestSynGiveUp(t *testing.T) {
	for r, want := range map[int]int{6: 127, 5: 63, 0: 1, 8: 367} {
		if got := synGiveUp(r); got != want {
			t.Errorf("synGiveUp(%d) = %d, want %d", r, got, want)
		}
	}
}

// TestLiveCountSingular: one socket is "1 socket", not "1 sockets".
func TestLiveCountSingular(t *testing.T) {
	for n, want := range map[int]string{1: "1 socket in LISTEN.", 2: "2 sockets in LISTEN.", 0: "0 sockets in LISTEN."} {
		var b bytes.Buffer
		if err := WriteState(&b, "listen", Options{Lang: "en", Live: &Live{Count: n}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "  "+want+"\n") {
			t.Errorf("count %d: no line %q in:\n%s", n, want, b.String())
		}
	}
}

// section returns the body of the section under heading in an explanation.
func section(out, heading string) string {
	_, after, ok := strings.Cut(out, "\n"+heading+"\n")
	if !ok {
		return ""
	}
	body, _, _ := strings.Cut(after, "\n\n")
	return strings.Join(strings.Fields(body), " ")
}

// TestTimeWaitNotTwiceMSL: Linux's 60 s is its own constant, not twice
// RFC 9293's MSL of 2 minutes; both languages say what 2×MSL is.
func TestTimeWaitNotTwiceMSL(t *testing.T) {
	for _, c := range []struct{ lang, os, want string }{
		{"en", "linux", "MSL is 2 minutes, so 4 minutes"},
		{"zh", "linux", "MSL 是 2 分钟，即 4 分钟"},
		{"en", "windows", "MSL is 2 minutes, so 4 minutes"},
		{"zh", "windows", "MSL 是 2 分钟，即 4 分钟"},
	} {
		var b bytes.Buffer
		if err := WriteState(&b, "TIME_WAIT", Options{Lang: c.lang, OS: c.os}); err != nil {
			t.Fatal(err)
		}
		d := section(b.String(), i18n.T(c.lang, "explain.heading.duration"))
		d = strings.ReplaceAll(d, " ", "")
		if !strings.Contains(d, strings.ReplaceAll(c.want, " ", "")) {
			t.Errorf("%s/%s duration lacks %q: %s", c.lang, c.os, c.want, d)
		}
		for _, bad := range []string{"twicetheMSL,compiled", "即2MSL", "TCP_TIMEWAIT_LEN,twice"} {
			if strings.Contains(d, bad) {
				t.Errorf("%s/%s duration says 60 s is 2×MSL: %s", c.lang, c.os, d)
			}
		}
	}
}

// TestSynSentSimultaneousOpen: SYN_SENT's exits include a SYN without ACK
// (simultaneous open, to SYN_RECV), in every language and OS.
func TestSynSentSimultaneousOpen(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		for _, os := range []string{"linux", "windows"} {
			var b bytes.Buffer
			if err := WriteState(&b, "syn-sent", Options{Lang: lang, OS: os}); err != nil {
				t.Fatal(err)
			}
			leave := section(b.String(), i18n.T(lang, "explain.heading.transitions"))
			if !strings.Contains(leave, "SYN_RECV") {
				t.Errorf("%s/%s: SYN_SENT's exits lack SYN_RECV: %s", lang, os, leave)
			}
		}
	}
}

// linuxOnly are words that only make sense on Linux: sysctls, /proc.
var linuxOnly = []string{"tcp_", "net.ipv4", "net.core", "somaxconn", "sysctl", "rmem_max", "wmem_max",
	"ip_local_port_range", "TCP_TIMEWAIT_LEN", "tcp_syncookies", "EADDRNOTAVAIL"}

// TestWindowsNoSysctls: on Windows no state explanation speaks of Linux
// settings or files, and TIME_WAIT gives Windows' own advice.
func TestWindowsNoSysctls(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		for _, st := range sockets.StateNames {
			var b bytes.Buffer
			if err := WriteState(&b, st, Options{Lang: lang, OS: "windows", Settings: fixedSettings, Live: fixedLive}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range append(linuxOnly, "/proc", "Linux") {
				if strings.Contains(out, w) {
					t.Errorf("%s %s on Windows mentions %q:\n%s", st, lang, w, out)
				}
			}
		}
		var b bytes.Buffer
		if err := WriteState(&b, "time-wait", Options{Lang: lang, OS: "windows"}); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"TcpTimedWaitDelay", "netsh int ipv4 show dynamicport tcp", "MaxUserPort"} {
			if !strings.Contains(strings.Join(strings.Fields(b.String()), " "), w) {
				t.Errorf("TIME_WAIT %s on Windows lacks %q", lang, w)
			}
		}
		for _, c := range CounterNames() {
			var b bytes.Buffer
			if err := WriteCounter(&b, c, Options{Lang: lang, OS: "windows"}); err != nil {
				t.Fatal(err)
			}
			for _, w := range linuxOnly {
				if strings.Contains(b.String(), w) {
					t.Errorf("counter %s %s on Windows mentions %q:\n%s", c, lang, w, b.String())
				}
			}
		}
	}
}

// TestWindowsVariantsKnown: every ".windows" message of the catalog
// source replaces an existing one, so a typo in its key cannot leave it
// unused.
func TestWindowsVariantsKnown(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "i18n", "en_explain.go"))
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"([^"]+)\.windows"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) == 0 {
		t.Fatal("no Windows variants")
	}
	for _, k := range keys {
		if !i18n.Has(k[1]) {
			t.Errorf("%s.windows: no message %s to replace", k[1], k[1])
		}
	}
}

func TestGoldenWindows(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		for _, st := range []string{"TIME_WAIT", "SYN_SENT", "FIN_WAIT2"} {
			var b bytes.Buffer
			if err := WriteState(&b, st, Options{Lang: lang, OS: "windows", Settings: fixedSettings}); err != nil {
				t.Fatal(err)
			}
			golden(t, "windows-state-"+strings.ToLower(st)+"-"+lang, b.Bytes())
		}
		for _, c := range []string{"RetransSegs", "ListenOverflows"} {
			var b bytes.Buffer
			if err := WriteCounter(&b, c, Options{Lang: lang, OS: "windows"}); err != nil {
				t.Fatal(err)
			}
			golden(t, "windows-counter-"+strings.ToLower(c)+"-"+lang, b.Bytes())
		}
	}
}

// TestWrapNoOpeningBracketAtEnd: no wrapped line ends with an opening
// full-width bracket; it moves to the next line with what it opens.
func TestWrapNoOpeningBracketAtEnd(t *testing.T) {
	out := wrap(strings.Repeat("字", 37)+"（连接被拒绝）", "  ", 78)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasSuffix(l, "（") {
			t.Errorf("line ends with an opening bracket: %q", l)
		}
		if textwidth.String(l) > 78 {
			t.Errorf("line wider than 78: %q", l)
		}
	}
}
