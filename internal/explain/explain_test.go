package explain

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/sockscope/sockscope/internal/testutil/golden"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/sockets"
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
			if err := WriteState(&b, st, lang, fixedSettings, fixedLive); err != nil {
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
			if err := WriteCounter(&b, name, lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "counter-"+strings.ToLower(name)+"-"+lang, b.Bytes())
		}
	}
}

func TestNoLiveNoSettings(t *testing.T) {
	var b bytes.Buffer
	if err := WriteState(&b, "time-wait", "en", nil, nil); err != nil {
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
			if err := WriteState(&bytes.Buffer{}, st, lang, nil, nil); err != nil {
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
	err := WriteState(&bytes.Buffer{}, "TIME_WAT", "en", nil, nil)
	var ue *sockets.UnknownStateError
	if !errors.As(err, &ue) || len(ue.Suggestions) == 0 || ue.Suggestions[0] != "TIME_WAIT" {
		t.Errorf("WriteState(TIME_WAT) error = %v, want UnknownStateError suggesting TIME_WAIT", err)
	}
	if !errors.Is(WriteState(&bytes.Buffer{}, "all", "en", nil, nil), sockets.ErrParse) {
		t.Error("WriteState(all) should fail with a parse error")
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
	if err := WriteCounter(&bytes.Buffer{}, "nope", "en"); !errors.Is(err, ErrUnknownCounter) {
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
