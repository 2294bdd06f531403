package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// testOpts resolves interfaces and cgroups without touching the system.
var testOpts = &Options{
	Interface: func(name string) (uint32, bool) {
		switch name {
		case "lo":
			return 1, true
		case "eth0":
			return 2, true
		}
		return 0, false
	},
	Cgroup: func(path string) (uint64, bool) {
		if path == "/system.slice" {
			return 4242, true
		}
		return 0, false
	},
}

func mustParse(t *testing.T, s string) *Expr {
	t.Helper()
	e, err := Parse(s, testOpts)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return e
}

func TestParseCanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"dport = :22", "dport = :22"},
		{"dport 22", "dport = :22"},
		{"( dport = 22 )", "dport = :22"},
		{"(dport = 22)", "dport = :22"},
		{"src 0.0.0.0 sport = 22", "src = 0.0.0.0 and sport = :22"},
		{"src 10.0.0.1 and sport = 22 and ( dport = 50312 )", "( src = 10.0.0.1 and sport = :22 ) and dport = :50312"},
		{"sport = :1 or sport = :2 and sport = :3", "( sport = :1 or sport = :2 ) and sport = :3"},
		{"sport = :1 || sport = :2 && sport = :3", "( sport = :1 or sport = :2 ) and sport = :3"},
		{"not sport = :1 and dport = :2", "sport != :1 and dport = :2"},
		{"!(sport = :1 and dport = :2)", "not ( sport = :1 and dport = :2 )"},
		{"sport gt :1024", "sport > :1024"},
		{"sport lt 1024", "sport < :1024"},
		{"sport geq 0x10", "sport >= :16"},
		{"dport leq 010", "dport <= :8"},
		{"dport neq :https", "dport != :443"},
		{"dport eq *", "dport = *"},
		{"dst 10.0.0.0/8", "dst = 10.0.0.0/8"},
		{"dst 10.0.0.1/8:80", "dst = 10.0.0.1/8:80"},
		{"dst [::1]:80", "dst = [::1]:80"},
		{"dst [fd00::/8]", "dst = [fd00::/8]"},
		{"dst fd00::1", "dst = [fd00::1]"},
		{"dst fd00::/16", "dst = [fd00::/16]"},
		{"src *:80", "src = *:80"},
		{"src :80", "src = *:80"},
		{"src *", "src = *"},
		{"src inet6:*:22", "src = inet6:*:22"},
		{"src inet:10.1.2.3", "src = inet:10.1.2.3"},
		{"src unix:/run/*.sock", "src = unix:/run/*.sock"},
		{"dev lo", "dev = lo"},
		{"dev != 2", "dev != 2"},
		{"fwmark 0x10/0xff", "fwmark = 0x10/0xff"},
		{"fwmark 5", "fwmark = 0x5/0xffffffff"},
		{"cgroup /system.slice", "cgroup = /system.slice"},
		{"cgroup /system.slice/*", "cgroup = /system.slice/*"},
		{"autobound", "autobound"},
		{"state established", "state established"},
		{"state established state syn-sent exclude time-wait", "state established state syn-sent exclude time-wait"},
		{"exclude listening dport = :80", "exclude listening dport = :80"},
		{"dport = :80 state listening", "dport = :80 and state = listening"},
		{"pid = 1 or program = ss*", "pid = 1 or program = ss*"},
		{"user != root", "user != root"},
		{"recvq > 0 sendq >= 10", "recvq > 0 and sendq >= 10"},
		{"cmdline = *--port\\ 80*", "cmdline = *--port\\ 80*"},
		{"program = \\and", "program = \\and"},
		{"", ""},
	} {
		e := mustParse(t, c.in)
		if got := e.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		e2 := mustParse(t, e.String())
		if !reflect.DeepEqual(e.Root, e2.Root) || !reflect.DeepEqual(e.Clauses, e2.Clauses) {
			t.Errorf("%q: canonical form %q parses to another tree", c.in, e.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in, tok string
		pos     int
	}{
		{"dport = :nosuchservice", ":nosuchservice", 8},
		{"src 10.0.0.1 and", "", 16},
		{"( src 10.0.0.1", "", 14},
		{"src 10.0.0.1 )", ")", 13},
		{"10.0.0.1", "10.0.0.1", 0},
		{"src", "", 3},
		{"src and", "and", 4},
		{"dport > ", "", 8},
		{"dev nosuch", "nosuch", 4},
		{"fwmark x", "x", 7},
		{"cgroup /nosuch", "/nosuch", 7},
		{"state nosuch", "nosuch", 6},
		{"dport = 1 exclude listening", "exclude", 10},
		{"src 1.2.3.4/33", "1.2.3.4/33", 4},
		{"src [::1", "[::1", 4},
		{"src inet:::1", "inet:::1", 4},
		{"pid = x", "x", 6},
		{"program < a", "<", 8},
		{"( )", ")", 2},
		{"src < 1.2.3.4", "<", 4},
	} {
		_, err := Parse(c.in, testOpts)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) = %v, want an *Error", c.in, err)
			continue
		}
		if fe.Token != c.tok || fe.Pos != c.pos {
			t.Errorf("Parse(%q): error at %q (%d), want %q (%d): %v", c.in, fe.Token, fe.Pos, c.tok, c.pos, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error %q is not one line", c.in, err)
		}
	}
}

func TestErrorCaret(t *testing.T) {
	_, err := Parse("sport = :80 and dst 1.2.3", testOpts)
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatal(err)
	}
	want := "sport = :80 and dst 1.2.3\n                    ^~~~~"
	if got := fe.Caret(); got != want {
		t.Errorf("Caret:\n%s\nwant\n%s", got, want)
	}
}

func TestParseArgsJoinsAsSS(t *testing.T) {
	e, err := ParseArgs([]string{"state", "established", "( dport = :443 or", "sport = :443 )"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.String(), "state established dport = :443 or sport = :443"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	set, ok := e.States()
	if !ok || set != sockets.StateSet(0).With(sockets.Established) {
		t.Errorf("States() = %v, %v", set, ok)
	}
	text, err := ReadFilterFile(strings.NewReader("# comment\ndport = :22\nor sport = :22\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err = ParseArgs([]string{"src", "10.0.0.1", text}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.String(), "( src = 10.0.0.1 and dport = :22 ) or sport = :22"; got != want {
		t.Errorf("with file: got %q, want %q", got, want)
	}
}

func TestStatesAsSS(t *testing.T) {
	none := sockets.StateSet(0)
	for _, c := range []struct {
		in   string
		want sockets.StateSet
	}{
		{"state all", sockets.AllStates},
		{"state connected", sockets.AllStates &^ none.With(sockets.Listen).With(sockets.Close)},
		{"state synchronized", sockets.AllStates &^ none.With(sockets.Listen).With(sockets.Close).With(sockets.SynSent)},
		{"state bucket", none.With(sockets.SynRecv).With(sockets.TimeWait)},
		{"state big", sockets.AllStates &^ none.With(sockets.SynRecv).With(sockets.TimeWait)},
		{"exclude listening", sockets.AllStates &^ none.With(sockets.Listen)},
		{"exclude listening state listening", sockets.AllStates},
		{"state established state fin-wait-1", none.With(sockets.Established).With(sockets.FinWait1)},
		{"state unconnected", none.With(sockets.Close)},
		{"state syn-rcv", none.With(sockets.SynRecv)},
		{"state TIME_WAIT", none.With(sockets.TimeWait)},
		{"state LISTEN", none.With(sockets.Listen)},
		{"state bound-inactive", none.With(sockets.BoundInactive)},
	} {
		got, ok := mustParse(t, c.in).States()
		if !ok || got != c.want {
			t.Errorf("%q: States() = %#x, want %#x", c.in, got, c.want)
		}
	}
}
