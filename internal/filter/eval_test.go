package filter

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

func tcp(state sockets.State, local, remote string) sockets.Socket {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := sockets.Inet
	if l.Addr().Is6() {
		fam = sockets.Inet6
	}
	return sockets.Socket{Proto: sockets.TCP, Family: fam, State: state, Local: l, Remote: r, UID: 0}
}

// ssFixture holds the sockets of iproute2's testsuite/tests/ss/ss1.dump:
//
//	LISTEN  0.0.0.0:22       0.0.0.0:*
//	ESTAB   10.0.0.1:22      10.0.0.1:36266
//	ESTAB   10.0.0.1:36266   10.0.0.1:22
//	ESTAB   10.0.0.1:22      10.0.0.2:50312
var ssFixture = []sockets.Socket{
	tcp(sockets.Listen, "0.0.0.0:22", "0.0.0.0:0"),
	tcp(sockets.Established, "10.0.0.1:22", "10.0.0.1:36266"),
	tcp(sockets.Established, "10.0.0.1:36266", "10.0.0.1:22"),
	tcp(sockets.Established, "10.0.0.1:22", "10.0.0.2:50312"),
}

func selected(t *testing.T, filter string, socks []sockets.Socket) string {
	t.Helper()
	e := mustParse(t, filter)
	set, given := e.States()
	var out []string
	for i := range socks {
		s := &socks[i]
		if given && !set.Has(s.State) {
			continue
		}
		if e.Eval(s) {
			out = append(out, s.Local.String()+" "+s.Remote.String())
		}
	}
	return strings.Join(out, ", ")
}

// TestIPRoute2Testsuite replays iproute2's ss filter tests
// (testsuite/tests/ss/ssfilter.t) on a fixture with the same sockets.
func TestIPRoute2Testsuite(t *testing.T) {
	const (
		listen   = "0.0.0.0:22 0.0.0.0:0"
		toPeer   = "10.0.0.1:36266 10.0.0.1:22"
		external = "10.0.0.1:22 10.0.0.2:50312"
	)
	for _, c := range []struct{ filter, want string }{
		{"dport = 22", toPeer},
		{"dport 22", toPeer},
		{"( dport = 22 )", toPeer},
		{"src = 0.0.0.0", listen},
		{"src 0.0.0.0", listen},
		{"src 0.0.0.0 sport = 22", listen},
		{"src 0.0.0.0 and sport = 22", listen},
		{"src 10.0.0.1 and sport = 22 and dport = 50312", external},
		{"src 10.0.0.1 and sport = 22 and ( dport = 50312 )", external},
		{"src 10.0.0.1 and ( sport = 22 and dport = 50312 )", external},
		{"( src 10.0.0.1 and sport = 22 ) and dport = 50312", external},
		{"( src 0.0.0.0 or src 10.0.0.1 ) and dst 10.0.0.2", external},
	} {
		if got := selected(t, c.filter, ssFixture); got != c.want {
			t.Errorf("%q selects %q, want %q", c.filter, got, c.want)
		}
	}
}

func TestEvalSemantics(t *testing.T) {
	socks := []sockets.Socket{
		tcp(sockets.Listen, "[::]:80", "[::]:0"),                                                                                    // 0
		tcp(sockets.Established, "[::ffff:10.1.2.3]:80", "[::ffff:10.9.9.9]:40000"),                                                 // 1
		tcp(sockets.Established, "10.1.2.3:443", "192.168.1.5:50000"),                                                               // 2
		tcp(sockets.TimeWait, "[fd00::1]:22", "[fd00::2]:33000"),                                                                    // 3
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Path: "/run/app.sock", Inode: 80}, // 4
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Inode: 81, Peer: 80},         // 5
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Path: "@00f3a", Inode: 82},   // 6
	}
	idx := func(filter string) string {
		e := mustParse(t, filter)
		var out []string
		for i := range socks {
			if e.Eval(&socks[i]) {
				out = append(out, string(rune('0'+i)))
			}
		}
		return strings.Join(out, "")
	}
	for _, c := range []struct{ filter, want string }{
		// A v4 prefix matches v4-mapped addresses; a v4-mapped one only them.
		{"src 10.0.0.0/8", "12"},
		{"src [::ffff:10.1.2.3]", "1"},
		// The kernel compares families, ss's user space does not: 0.0.0.0
		// matches no IPv6 socket, and neither does its negation; a unix
		// socket has no address to match.
		{"src 0.0.0.0", ""},
		{"not src 0.0.0.0", "23456"},
		{"src 0.0.0.0/0", "12"},
		{"src [::/0]", "013"},
		// sport compares the inode of a unix socket, dport its peer's.
		{"sport = :80", "014"},
		{"dport = :80", "5"},
		{"sport > :80", "256"},
		{"sport >= :80 sport <= :81", "0145"},
		{"src unix:/run/*", "4"},
		{"src unix:/RUN/*", "4"},
		{"dst unix:*", "456"},
		{"src *:22", "3"},
		{"dst [fd00::/16]", "3"},
		{"dst fd00::2", "3"},
		{"autobound", "56"},
		// state inside the expression is a condition; before it, the mask.
		{"state time-wait", "0123456"},
		{"src * state time-wait", "3"},
		{"sport = :80 and state != listening", "1"},
		{"recvq = 0 and uid = 0", "0123456"},
		// Precedence: one level, from the left.
		{"sport = :22 or sport = :443 and dport = :50000", "2"},
		{"sport = :22 or ( sport = :443 and dport = :50000 )", "23"},
		{"not sport = :22 and not sport = :443", "01456"},
	} {
		if got := idx(c.filter); got != c.want {
			t.Errorf("%q selects %q, want %q", c.filter, got, c.want)
		}
	}
}

func TestEvalOwners(t *testing.T) {
	nginx := &sockets.ProcessInfo{PID: 100, PPID: 1, Name: "nginx", Exe: "/usr/sbin/nginx", Cmdline: []string{"nginx", "-g", "daemon off;"},
		UID: 33, User: "www-data", Cgroup: "/system.slice/nginx.service", Unit: "nginx.service"}
	s := tcp(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0")
	s.Processes = []sockets.Process{{Info: nginx, FD: 6}, {Info: nil}}
	tw := tcp(sockets.TimeWait, "10.0.0.1:80", "10.0.0.2:1000")
	for _, c := range []struct {
		filter   string
		want, tw bool
	}{
		{"pid = 100", true, false},
		{"pid != 100", false, false},
		{"ppid < 2", true, false},
		{"program = ngin?", true, false},
		{"program != nginx", false, true},
		{"exe = */nginx", true, false},
		{"cmdline = *daemon\\ off;*", true, false},
		{"user = www-*", true, false},
		{"unit = nginx.service", true, false},
		{"cgroup /system.slice/*", true, false},
		{"container = *", false, false},
		{"uid = 0", true, true},
	} {
		e := mustParse(t, c.filter)
		if got := e.Eval(&s); got != c.want {
			t.Errorf("%q on nginx's socket = %v, want %v", c.filter, got, c.want)
		}
		if got := e.Eval(&tw); got != c.tw {
			t.Errorf("%q on a TIME_WAIT socket = %v, want %v", c.filter, got, c.tw)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pat, name  string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "/a/b", false, true},
		{"/run/*.sock", "/run/x/y.sock", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"[a-c]x", "bx", false, true},
		{"[!a-c]x", "bx", false, false},
		{"[^a-c]x", "dx", false, true},
		{"[]]", "]", false, true},
		{"[", "[", false, true},
		{"\\*", "*", false, true},
		{"\\*", "a", false, false},
		{"ABC", "abc", true, true},
		{"ABC", "abc", false, false},
		{"*a*a*a*a*a*b", strings.Repeat("a", 60), false, false},
	} {
		if got := globMatch(c.pat, c.name, c.fold); got != c.want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", c.pat, c.name, c.fold, got, c.want)
		}
	}
}

func TestPlanSplit(t *testing.T) {
	p, err := mustParse(t, "state established dport = :443 and program = curl and recvq > 0").Plan()
	if err != nil {
		t.Fatal(err)
	}
	if !p.StatesGiven || p.States != sockets.StateSet(0).With(sockets.Established) {
		t.Errorf("States = %#x, %v", p.States, p.StatesGiven)
	}
	if p.Bytecode == nil || !p.NeedsOwners || p.AfterDump == nil || p.AfterOwners == nil {
		t.Fatalf("plan %+v", p)
	}
	s := tcp(sockets.Established, "10.0.0.1:40000", "1.1.1.1:443")
	if p.AfterDump(&s) {
		t.Error("AfterDump passes a socket with recvq 0")
	}
	s.RecvQ = 5
	if !p.AfterDump(&s) {
		t.Error("AfterDump fails a matching socket")
	}
	if p.AfterOwners(&s) {
		t.Error("AfterOwners passes a socket with no owner")
	}
	f := p.Filter(sockets.Filter{Protos: sockets.AllProtos})
	if f.States != p.States || f.Bytecode != string(p.Bytecode) {
		t.Errorf("Filter = %+v", f)
	}

	// dev and unix paths make ss compile nothing: no bytecode at all.
	p, _ = mustParse(t, "dport = :443 and dev lo").Plan()
	if p.Bytecode != nil || p.AfterDump == nil {
		t.Errorf("with dev: %+v", p)
	}
	p, _ = mustParse(t, "src unix:/run/*").Plan()
	if p.Families != sockets.FamilySet(0).With(sockets.Local) {
		t.Errorf("unix: Families = %#x", p.Families)
	}
	p, _ = mustParse(t, "src inet6:*:22 or dport = :1").Plan()
	if p.Families != sockets.FamilySet(0).With(sockets.Inet6) {
		t.Errorf("inet6: Families = %#x", p.Families)
	}
	// An owner field under or takes the whole or after attribution.
	p, _ = mustParse(t, "dport = :443 or pid = 1").Plan()
	if p.Bytecode != nil || p.AfterDump != nil || !p.NeedsOwners {
		t.Errorf("or with pid: %+v", p)
	}
	p, _ = mustParse(t, "").Plan()
	if p.Bytecode != nil || p.AfterDump != nil || p.AfterOwners != nil || p.StatesGiven {
		t.Errorf("empty: %+v", p)
	}
}

// TestAfterDumpAlone checks that a source that applies no bytecode (the
// /proc fallback, Windows) gets what Eval selects from Plan.AfterDump
// alone, for conjuncts the socket can tell (no autobound, no fwmark).
func TestAfterDumpAlone(t *testing.T) {
	socks := append(append([]sockets.Socket{}, bcSockets...), ssFixture...)
	for _, f := range []string{
		"src 0.0.0.0", "not src 0.0.0.0", "src 0.0.0.0/0", "src [::/0]", "dst 10.0.0.0/8",
		"src [::ffff:10.1.2.3]", "not ( sport >= :80 and dst [::ffff:10.0.0.0/104] ) or dport = :1",
		"sport = :22 and recvq = 0", "dev lo or src 0.0.0.0",
	} {
		e := mustParse(t, f)
		p, err := e.Plan()
		if err != nil {
			t.Fatal(err)
		}
		for i := range socks {
			s := &socks[i]
			if got, want := p.AfterDump == nil || p.AfterDump(s), e.Eval(s); got != want {
				t.Errorf("%q on %v %v: AfterDump %v, Eval %v", f, s.Local, s.Remote, got, want)
			}
		}
	}
}

func TestPlanTooLong(t *testing.T) {
	words := []string{"sport = :1"}
	for i := 0; i < 5000; i++ {
		words = append(words, "or", "dst", "[fd00::1]:80")
	}
	e, err := ParseArgs(words, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Plan()
	if err != nil || p.Bytecode != nil || p.AfterDump == nil {
		t.Fatalf("Plan: %v, %+v", err, p)
	}
	s := tcp(sockets.Established, "10.0.0.1:1", "1.1.1.1:2")
	if !p.AfterDump(&s) {
		t.Error("AfterDump fails a matching socket")
	}
	if _, err := ParseArgs(append(words, "fwmark", "1"), testOpts); err != nil {
		t.Fatal(err)
	}
	e, _ = ParseArgs(append([]string{"fwmark", "1", "or"}, words...), testOpts)
	if _, err := e.Plan(); err != ErrTooLong {
		t.Errorf("with fwmark: Plan error %v, want ErrTooLong", err)
	}
}

// TestMatch checks that Match adds the state clauses and the family a
// host names to Eval, as a listing's kernel filter would.
func TestMatch(t *testing.T) {
	estab := &sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
		Local: netip.MustParseAddrPort("10.0.0.1:40000"), Remote: netip.MustParseAddrPort("10.0.0.2:443")}
	tw := *estab
	tw.State = sockets.TimeWait
	for _, c := range []struct {
		expr      string
		estab, tw bool
	}{
		{"dport = :443", true, true},
		{"state time-wait dport = :443", false, true},
		{"exclude time-wait", true, false},
		{"dst inet6:[::/0]", false, false},
	} {
		e, err := Parse(c.expr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]bool{e.Match(estab, nil), e.Match(&tw, nil)}; got != [2]bool{c.estab, c.tw} {
			t.Errorf("%q: matches (established, time-wait) %v, want %v", c.expr, got, [2]bool{c.estab, c.tw})
		}
	}
}
