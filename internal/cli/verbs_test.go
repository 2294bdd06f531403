package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
)

// execRoot runs the command tree on args with nothing behind it (no
// source): for help, version and usage errors.
func execRoot(t *testing.T, netstat bool, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return execList(t, &Factory{Netstat: netstat, Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return nil, errors.New("no source in this test")
	}}, args...)
}

// TestUsageErrors checks input that must be refused, as one line naming
// what was wrong, as a usage error (exit 2).
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"routes", "--state", "bogus"}, "--state does not apply to 'sockscope routes'"},
		{[]string{"routes", "--port", "99999"}, "--port does not apply"},
		{[]string{"routes", "--program", "x"}, "--program does not apply"},
		{[]string{"routes", "-t"}, "-t does not apply to 'sockscope routes'"},
		{[]string{"routes", "extra"}, `unexpected argument "extra": 'sockscope routes' takes only an INTERVAL`},
		{[]string{"-s", "--state", "bogus"}, "--state does not apply to -s"},
		{[]string{"-r", "-o"}, "-o (--show-pid) does not apply to -r"},
		{[]string{"-i", "--program", "x"}, "--program does not apply to -i"},
		{[]string{"-g", "-t"}, "-t (--tcp) does not apply to -g"},
		{[]string{"-tan", "--rate"}, "--rate does not apply to the socket listing"},
		{[]string{"-tan", "--nonzero"}, "--nonzero does not apply to the socket listing"},
		{[]string{"stats", "-x"}, "-x does not apply to 'sockscope stats'"},
		{[]string{"stats", "-p", "raw"}, `unknown protocol "raw" for statistics`},
		{[]string{"list", "-s"}, "-s does not apply to 'sockscope list'"},
		{[]string{"--port", ""}, "--port needs a PORT"},
		{[]string{"--program", ""}, "--program needs a NAME"},
		{[]string{"--state="}, "--state needs a STATE"},
		{[]string{"--protocol="}, "--protocol needs a PROTO"},
		{[]string{"--program", "-tln"}, `--program "-tln" looks like flags, not a NAME`},
		{[]string{"--state", "bogus"}, `--state: unknown state "bogus" (valid: listen, syn-sent`},
		{[]string{"-tan", "-1"}, `bad interval "-1" (want a positive number of seconds`},
		{[]string{"-6", "-p", "tcp"}, "-6 and -p tcp together select no socket"},
		{[]string{"-4", "-p", "udpv6"}, "-4 and -p udpv6 together select no socket"},
		{[]string{"--source", "bogus"}, `unknown source "bogus" for --source (valid: auto, netlink, proc)`},
		{[]string{"--color", "sometimes"}, `unknown value "sometimes" for --color`},
		{[]string{"help", "bogus"}, `unknown help topic "bogus"`},
		{[]string{"completion", "bogus"}, `unknown shell "bogus" for completion`},
		{[]string{"--json", "--format", "csv"}, "--json conflicts with --format csv"},
		{[]string{"-H", "--format", "json"}, "-H (--no-header) does not apply to --format json"},
		{[]string{"list", "--sort", "bogus"}, `--sort: unknown field "bogus" (valid: port, state`},
		{[]string{"-s", "-p"}, "-p needs a protocol with -s"},
		{[]string{"-an", "--timers", "--style", "windows"}, "--timers does not apply to the Windows layout"},
		{[]string{"-r", "--top=1"}, "--top does not apply to 'sockscope'; it is a flag of: summary"},
		{[]string{"completion", "bash", "extra"}, `unexpected argument "extra": 'sockscope completion bash' takes no arguments`},
		{[]string{"routes", "--color", "never"}, "--color does not apply to 'sockscope routes'"},
		{[]string{"list", "--sort", ","}, "--sort needs a FIELDS, not an empty value"},
		{[]string{"routes", "--iface", "lo"}, "--iface does not apply to 'sockscope routes'"},
		{[]string{"-tan", "--iface", "lo"}, "--iface does not apply to the socket listing"},
	}
	for _, tt := range tests {
		_, _, err := execRoot(t, false, tt.args...)
		if err == nil {
			t.Errorf("%q: no error", tt.args)
			continue
		}
		if !IsUsageError(err) {
			t.Errorf("%q: %v is not a usage error", tt.args, err)
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
			t.Errorf("%q: error %q, want one line containing %q", tt.args, msg, tt.want)
		}
	}
}

// TestAccepted checks input that is valid, and the rules behind it.
func TestAccepted(t *testing.T) {
	for _, args := range [][]string{
		{"-as"}, {"-sn"}, {"-rn"}, {"-ia"}, {"-s", "-t"}, {"-st"}, {"-su"}, {"-s", "-4"},
		{"-s", "-p", "tcp"}, {"stats", "-p", "tcp,udp"}, {"stats", "--rate", "2"},
		{"routes", "-6"}, {"interfaces", "-a"}, {"groups", "-n"}, {"-4", "-6", "-tan"},
		{"-tan", "2"}, {"--color", "never"}, {"-H", "-tan"}, {"--timers", "-tan"}, {"list", "--sort", "state"},
		{"-x", "-p", "tcp"}, {"-tan", "--sort=-recv-q"}, {"list", "--sort", "-port,state"},
	} {
		if _, err := parse(t, false, args...); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// TestNetstatDashO checks that through the netstat name on Linux, -o is
// net-tools' Timer column, and the owning PID everywhere else.
func TestNetstatDashO(t *testing.T) {
	r, err := parse(t, true, "-tano")
	if err != nil {
		t.Fatal(err)
	}
	if nativeStyle() == render.Linux && (!r.Timers || r.Render.ShowPID) {
		t.Errorf("netstat -tano: timers %v, PID %v; want the Timer column", r.Timers, r.Render.ShowPID)
	}
	r = mustParse(t, "-ano")
	if r.Timers || !r.Render.ShowPID {
		t.Errorf("sockscope -ano: timers %v, PID %v; want PID", r.Timers, r.Render.ShowPID)
	}
	if r = mustParse(t, "list", "--timers"); !r.Timers {
		t.Error("--timers not set")
	}
}

// TestBothFamilies checks the rule for -4 -6: both families.
func TestBothFamilies(t *testing.T) {
	r := mustParse(t, "-tan", "-4", "-6")
	if !r.Filter.Families.Has(sockets.Inet) || !r.Filter.Families.Has(sockets.Inet6) {
		t.Errorf("-4 -6: families %v, want both", r.Filter.Families)
	}
}

// TestColor checks when tables are coloured: --color decides; auto only at
// a terminal, in the modern layout, without NO_COLOR or TERM=dumb.
func TestColor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	modern := render.Options{Style: render.Modern, Format: render.Table}
	linux := render.Options{Style: render.Linux, Format: render.Table}
	json := render.Options{Style: render.Modern, Format: render.JSON}
	tests := []struct {
		mode string
		tty  bool
		r    render.Options
		env  func(string) string
		want bool
	}{
		{"auto", true, modern, env(), true},
		{"auto", false, modern, env(), false},
		{"auto", true, modern, env("NO_COLOR", "1"), false},
		{"auto", true, modern, env("NO_COLOR", ""), true},
		{"auto", true, modern, env("TERM", "dumb"), false},
		{"auto", true, linux, env(), false},
		{"always", false, linux, env("NO_COLOR", "1"), true},
		{"always", true, json, env(), false},
		{"never", true, modern, env(), false},
	}
	for _, tt := range tests {
		got, err := colorOn(tt.mode, tt.tty, tt.r, tt.env, "")
		if err != nil || got != tt.want {
			t.Errorf("colorOn(%q, tty %v, style %v) = %v, %v; want %v", tt.mode, tt.tty, tt.r.Style, got, err, tt.want)
		}
	}
}

// TestHelpIsText checks that help is plain text (no NUL from -p's
// sentinel), without pflag's "[=true|false]" marks, and that each verb's
// help lists only its own flags.
func TestHelpIsText(t *testing.T) {
	out, _, err := execRoot(t, false, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x00", "[=true|false]", "[flags] [flags]", "string["} {
		if strings.Contains(out, bad) {
			t.Errorf("root help contains %q", bad)
		}
	}
	for _, want := range []string{"-p, --protocol [PROTO]", "--state STATE", "sockscope [flags] [FILTER] [INTERVAL]", "--version"} {
		if !strings.Contains(out, want) {
			t.Errorf("root help lacks %q", want)
		}
	}
	out, _, _ = execRoot(t, false, "routes", "--help")
	if strings.Contains(out, "--state") || strings.Contains(out, "--program") || !strings.Contains(out, "-n, --numeric") {
		t.Errorf("routes help lists the wrong flags:\n%s", out)
	}
	if !strings.Contains(out, "sockscope routes [flags] [INTERVAL]") {
		t.Errorf("routes usage line:\n%s", out)
	}
	out, _, _ = execRoot(t, false, "interfaces", "--help")
	if !strings.Contains(out, "all interfaces, down ones included") || strings.Contains(out, "all sockets") {
		t.Errorf("interfaces help speaks of sockets:\n%s", out)
	}
	out, _, _ = execRoot(t, false, "stats", "--help")
	if !strings.Contains(out, "TCP counters") {
		t.Errorf("stats help: -t is not TCP counters:\n%s", out)
	}
	if strings.Contains(out, "raw, raw6") || strings.Contains(out, "--state") {
		t.Errorf("stats help offers listing values:\n%s", out)
	}
}

// TestHelpTopic checks that "help list" shows list's help.
func TestHelpTopic(t *testing.T) {
	out, _, err := execRoot(t, false, "help", "list")
	if err != nil || !strings.Contains(out, "sockscope list [flags] [FILTER]") {
		t.Errorf("help list: %v\n%s", err, out)
	}
}

// TestCompletions checks that flag values complete from their valid values
// and never from file names.
func TestCompletions(t *testing.T) {
	f := &Factory{Processes: func() []ProcessName {
		return []ProcessName{{1, "init"}, {42, "nginx"}, {43, "nginx"}}
	}}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"list", "--state", "time"}, []string{"time-wait"}},
		{[]string{"list", "--state", "listen,est"}, []string{"listen,established"}},
		{[]string{"-p", "tcp"}, []string{"tcp", "tcp4", "tcp6", "tcpv6"}},
		{[]string{"stats", "-p", "icmp"}, []string{"icmp", "icmpv6"}},
		{[]string{"--format", ""}, []string{"table", "json", "ndjson", "csv"}},
		{[]string{"--style", "w"}, []string{"windows"}},
		{[]string{"--color", "a"}, []string{"auto", "always"}},
		{[]string{"--pid", "4"}, []string{"42\tnginx", "43\tnginx"}},
		{[]string{"interfaces", "--iface", "l"}, []string{"lo"}},
		{[]string{"--program", "n"}, []string{"nginx"}},
		{[]string{"help", "rou"}, []string{"routes\t"}},
	}
	for _, tt := range tests {
		args := append([]string{"__complete"}, tt.args...)
		out, _, err := execList(t, f, args...)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got := lines[:len(lines)-1] // the last line is the directive
		if !strings.Contains(lines[len(lines)-1], ":4") && !strings.Contains(lines[len(lines)-1], ":6") {
			t.Errorf("%q: directive %q allows file names", tt.args, lines[len(lines)-1])
		}
		for i, w := range tt.want {
			if i >= len(got) || !strings.HasPrefix(got[i], w) {
				t.Errorf("%q: completions %q, want %q", tt.args, got, tt.want)
				break
			}
		}
	}
}

// TestSourceErrorIsNotUsage checks that malformed kernel data (an error of
// the source) is a runtime failure, not bad input.
func TestSourceErrorIsNotUsage(t *testing.T) {
	bad := &sockets.OpError{Op: "read /proc/net/tcp", Err: fmt.Errorf("%w: line 2: %q", errs.ErrMalformed, "garbage")}
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{err: bad, started: make(chan struct{})}, nil
	}}
	_, _, err := execList(t, f, "-tan")
	if err == nil || IsUsageError(err) || !strings.Contains(err.Error(), "read /proc/net/tcp") {
		t.Errorf("malformed kernel data: %v (usage error: %v); want a runtime error naming the source", err, IsUsageError(err))
	}
}

// TestPIDElsewhere checks the hint of an empty --pid listing: a process
// that is not running, or whose sockets are in another network namespace.
func TestPIDElsewhere(t *testing.T) {
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) {
			return &fakeSource{started: make(chan struct{})}, nil
		},
		NetNSOf: func(pid int32) (uint64, uint64, error) {
			if pid == 7 {
				return 0, 0, fs.ErrNotExist
			}
			return 4026532999, 4026531840, nil
		},
	}
	_, stderr, err := execList(t, f, "list", "--pid", "7,8")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no process 7 is running", "process 8 holds its sockets in another network namespace (net:[4026532999]; this is net:[4026531840])", "nsenter -t 8 -n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}

// TestStatsSelection checks that -s's protocol flags reach the counters'
// options, and that a selection of nothing is refused.
func TestStatsSelection(t *testing.T) {
	r := mustParse(t, "-st", "-4")
	if r.Stats.Kinds != statsview.KindTCP || r.Stats.Families != statsview.FamilyV4 {
		t.Errorf("-st -4: kinds %v families %v", r.Stats.Kinds, r.Stats.Families)
	}
	if r = mustParse(t, "stats", "--nonzero", "-u"); !r.Stats.NonZero || r.Stats.Kinds != statsview.KindUDP {
		t.Errorf("stats --nonzero -u: %+v", r.Stats)
	}
	_, _, err := execRoot(t, false, "-s", "-6", "-p", "tcp")
	if !IsUsageError(err) || !strings.Contains(fmt.Sprint(err), "select no counter") {
		t.Errorf("-s -6 -p tcp: %v", err)
	}
}

// TestRepeatedListingRounds checks that each round of a repeated listing
// is numbered for the data formats.
func TestRepeatedListingRounds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &roundSource{rounds: 3, done: cancel}, nil
	}}
	ios, _, out, _ := iostreams.Test()
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs([]string{"-tan", "--format", "ndjson", "0.01"})
	if err := root.ExecuteContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for _, want := range []string{`"seq":1`, `"seq":2`, `"time":`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ndjson rounds lack %s:\n%s", want, out.String())
		}
	}
}

// roundSource lists one TCP socket each time it is asked, and calls done
// once asked rounds times.
type roundSource struct {
	rounds int
	done   func()
}

func (s *roundSource) Snapshot(_ context.Context, _ sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	if s.rounds--; s.rounds == 0 {
		s.done()
	}
	return append(dst, tcpSocks()[0]), nil
}

// TestWindowsStatsConnections checks that -s -p tcp in the Windows layout
// is followed by the TCP connections, as Windows netstat prints them (the
// reference document's capture), and that other layouts are not.
func TestWindowsStatsConnections(t *testing.T) {
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) {
			return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
		},
		Views: ViewSources{Stats: func() (*netstats.Snapshot, error) {
			return &netstats.Snapshot{Groups: []netstats.Group{{Name: "Tcp", Counters: []netstats.Counter{{Name: "ActiveOpens", Value: 1732}}}}}, nil
		}},
	}
	out, _, err := execList(t, f, "-s", "-p", "tcp", "--style", "windows", "-n")
	if err != nil {
		t.Fatal(err)
	}
	stats, conns := strings.Index(out, "Active Opens"), strings.Index(out, "Active Connections")
	if stats < 0 || conns < stats || !strings.Contains(out[conns:], "ESTABLISHED") {
		t.Errorf("-s -p tcp --style windows: want the statistics, then the connections:\n%s", out)
	}
	out, _, err = execList(t, f, "-s", "-p", "tcp", "--style", "modern")
	if err != nil || strings.Contains(out, "ESTABLISHED") {
		t.Errorf("-s -p tcp --style modern lists connections (%v):\n%s", err, out)
	}
}

// TestSortRows checks that --sort orders the rows, after attribution when
// it sorts by an owner.
func TestSortRows(t *testing.T) {
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
	}}
	out, _, err := execList(t, f, "-tan", "--sort", "port:desc", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	var ports []int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		p, _ := strconv.Atoi(strings.Split(l, ",")[4])
		ports = append(ports, p)
	}
	if len(ports) < 2 || !slices.IsSortedFunc(ports, func(a, b int) int { return b - a }) {
		t.Errorf("--sort port:desc: local ports %v\n%s", ports, out)
	}
	if r := mustParse(t, "list", "--sort", "program"); !r.Owners {
		t.Error("--sort program does not ask for owners")
	}
}

// TestSummary checks that summary counts every state of the listing's
// sockets, with owners, and refuses CSV.
func TestSummary(t *testing.T) {
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
	}}
	if a, b := mustParse(t, "summary"), mustParse(t, "summary", "--format", "json"); a.Filter.Protos != b.Filter.Protos || !a.Filter.Protos.Has(sockets.Unix) {
		t.Errorf("summary counts %v as a table, %v as JSON; want the same, unix included", a.Filter.Protos, b.Filter.Protos)
	}
	r := mustParse(t, "summary", "-t")
	if r.View != viewSummary || !r.Owners || r.Filter.States != 0 {
		t.Errorf("summary -t: view %v owners %v states %v; want every state, with owners", r.View, r.Owners, r.Filter.States)
	}
	out, _, err := execList(t, f, "summary", "--format", "json")
	if err != nil || !strings.Contains(out, `"kind":"summary"`) {
		t.Errorf("summary --format json: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"summary", "--format", "csv"}, {"summary", "--top", "-1"}, {"summary", "extra"}, {"summary", "-l"}} {
		if _, _, err := execRoot(t, false, args...); !IsUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestIfaceFilter checks that --iface keeps the interfaces and groups it
// names, and that a name matching nothing is bad input.
func TestIfaceFilter(t *testing.T) {
	f := &Factory{Views: ViewSources{
		Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
			return []ifaces.Interface{{Name: "lo"}, {Name: "eth0"}}, nil, nil
		},
		Groups: func() ([]ifaces.Membership, error) {
			return []ifaces.Membership{{Ifindex: 1, Device: "lo", Group: netip.MustParseAddr("224.0.0.1"), Users: 1},
				{Ifindex: 2, Device: "eth0", Group: netip.MustParseAddr("224.0.0.251"), Users: 1}}, nil
		},
	}}
	out, _, err := execList(t, f, "interfaces", "--iface", "eth0", "--format", "csv")
	if err != nil || strings.Contains(out, "lo,") || !strings.Contains(out, "eth0") {
		t.Errorf("interfaces --iface eth0 (%v):\n%s", err, out)
	}
	out, _, err = execList(t, f, "groups", "--iface", "lo", "--format", "csv")
	if err != nil || strings.Contains(out, "224.0.0.251") || !strings.Contains(out, "224.0.0.1") {
		t.Errorf("groups --iface lo (%v):\n%s", err, out)
	}
	if _, _, err := execList(t, f, "interfaces", "--iface", "nosuch"); !IsUsageError(err) {
		t.Errorf("--iface nosuch: %v, want a usage error", err)
	}
}

// gcSource lists one socket and records whether garbage collection was
// off while it did.
type gcSource struct {
	paused []bool
	rounds int
	done   func()
}

func (s *gcSource) Snapshot(_ context.Context, _ sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	s.paused = append(s.paused, p == -1)
	if len(s.paused) == s.rounds && s.done != nil {
		s.done()
	}
	return append(dst, tcpSocks()[0]), nil
}

// TestGCPauseOneShotOnly checks that a single listing pauses garbage
// collection while it collects, and a repeated one never does.
func TestGCPauseOneShotOnly(t *testing.T) {
	one := &gcSource{rounds: 1}
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) { return one, nil }}
	if _, _, err := execList(t, f, "-tan"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep := &gcSource{rounds: 3, done: cancel}
	f = &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) { return rep, nil }}
	ios, _, _, _ := iostreams.Test()
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs([]string{"-tan", "0.01"})
	if err := root.ExecuteContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if fmt.Sprint(one.paused) != "[true]" || fmt.Sprint(rep.paused) != "[false false false]" {
		t.Errorf("GC paused: one-shot %v, repeated %v; want [true] and never", one.paused, rep.paused)
	}
}

// TestNetstatNameInNotes checks that stderr notes name the program as the
// user called it.
func TestNetstatNameInNotes(t *testing.T) {
	f := &Factory{Netstat: true, Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{}), err: &sockets.PartialError{Errs: []error{errors.New("raw diag: missing")}}}, nil
	}}
	_, stderr, err := execList(t, f, "-tan")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stderr, "netstat: warning: raw diag: missing") {
		t.Errorf("stderr %q, want netstat: ...", stderr)
	}
}

// TestViewRounds checks that a repeated view marks its rounds in the data
// formats (seq and time, one line per object, one CSV header) and follows
// net-tools between rounds in its layout (the interface title once, no
// blank line).
func TestViewRounds(t *testing.T) {
	newF := func(rounds int, done func()) *Factory {
		n := 0
		return &Factory{Views: ViewSources{
			Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
				if n++; n == rounds {
					done()
				}
				return []ifaces.Interface{{Name: "lo", RxPackets: uint64(n)}}, nil, nil
			},
		}}
	}
	run := func(args ...string) string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := newF(3, cancel)
		ios, _, out, _ := iostreams.Test()
		f.IO = ios
		root := NewRootCmd(f, nil)
		root.SetArgs(args)
		if err := root.ExecuteContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		return out.String()
	}
	out := run("interfaces", "--format", "json", "0.01")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], `{"seq":1,"time":"`) || !strings.HasPrefix(lines[2], `{"seq":3,`) {
		t.Errorf("JSON rounds:\n%s", out)
	}
	out = run("interfaces", "--format", "csv", "0.01")
	if strings.Count(out, "name,") != 1 || !strings.Contains(out, ",seq,time\n") || !strings.Contains(out, ",3,") {
		t.Errorf("CSV rounds:\n%s", out)
	}
	out = run("interfaces", "--format", "ndjson", "0.01")
	if strings.Contains(out, "\n\n") || strings.Count(out, `"seq":`) != 3 {
		t.Errorf("NDJSON rounds:\n%s", out)
	}
	out = run("interfaces", "--style", "linux", "0.01")
	if strings.Count(out, "Kernel Interface table") != 1 || strings.Contains(out, "\n\n") || strings.Count(out, "Iface") != 3 {
		t.Errorf("net-tools rounds:\n%s", out)
	}
	if _, _, err := execRoot(t, false, "-s", "--format", "csv", "1"); !IsUsageError(err) {
		t.Errorf("-s --format csv 1: %v, want a usage error", err)
	}
}

// TestIfacesAll checks that the interface table lists the interfaces that
// are up, and -a all of them, as netstat -i does; and that -e outside
// net-tools' layout is refused.
func TestIfacesAll(t *testing.T) {
	f := &Factory{Views: ViewSources{
		Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
			return []ifaces.Interface{{Name: "lo"}, {Name: "down0"}},
				map[string]netview.IfaceInfo{"lo": {Flags: net.FlagUp | net.FlagLoopback}, "down0": {}}, nil
		},
	}}
	out, _, err := execList(t, f, "interfaces", "--format", "csv")
	if err != nil || strings.Contains(out, "down0") {
		t.Errorf("interfaces (%v) lists a down one:\n%s", err, out)
	}
	out, _, err = execList(t, f, "interfaces", "-a", "--format", "csv")
	if err != nil || !strings.Contains(out, "down0") {
		t.Errorf("interfaces -a (%v) leaves out a down one:\n%s", err, out)
	}
	for _, args := range [][]string{{"interfaces", "-e"}, {"routes", "-e"}, {"-rn", "-e", "--format", "json"}} {
		if _, _, err := execList(t, f, args...); !IsUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestFilterExpression checks that the words after the flags are a filter
// expression (ss's language) that joins the listing's query, with -p's
// protocols, an INTERVAL and -F's file around it.
func TestFilterExpression(t *testing.T) {
	r := mustParse(t, "-tan", "state", "established", "( dport = :443 or sport = :443 )")
	if r.plan == nil || r.Filter.States != sockets.StateSet(0).With(sockets.Established) || r.Filter.Bytecode == "" {
		t.Errorf("state established (...): plan %v, states %v, %d bytes of bytecode", r.plan != nil, r.Filter.States, len(r.Filter.Bytecode))
	}
	if r = mustParse(t, "-tanp", "state", "listening"); !r.Render.ShowProgram || r.plan == nil {
		t.Errorf("-tanp state listening: program column %v, plan %v", r.Render.ShowProgram, r.plan != nil)
	}
	r = mustParse(t, "-anop", "tcp", "sport", "=", ":22")
	if r.combos == nil || r.plan == nil || !r.Render.ShowPID {
		t.Errorf("-anop tcp sport = :22: combos %v, plan %v", r.combos, r.plan != nil)
	}
	if r = mustParse(t, "-tan", "dport", "=", ":443", "2"); r.Interval != 2*time.Second || r.plan == nil {
		t.Errorf("-tan dport = :443 2: interval %v, plan %v", r.Interval, r.plan != nil)
	}
	if r = mustParse(t, "list", "--tcp", "dev", "1"); r.Interval != 0 || r.plan == nil {
		t.Errorf("dev 1: interval %v, plan %v; want no interval (1 is the device)", r.Interval, r.plan != nil)
	}
	if r = mustParse(t, "-tan", "program = nginx"); !r.Owners || !r.Details {
		t.Errorf("program = nginx: owners %v details %v", r.Owners, r.Details)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("# web\ndport = :443\n"), 0o644)
	if r = mustParse(t, "list", "--tcp", "-F", file); r.plan == nil || r.Filter.Bytecode == "" {
		t.Errorf("-F FILE: plan %v", r.plan != nil)
	}
	_, _, err := execRoot(t, false, "-tan", "sport", "=", ":22", "and", "and")
	var fe *FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `at "and" (position 16)`) || !strings.HasSuffix(fe.Detail, "^~~") {
		t.Errorf("malformed: %v, detail %q", err, fe)
	}
	if _, _, err := execRoot(t, false, "-s", "state", "listening"); !IsUsageError(err) {
		t.Errorf("-s with a filter: %v, want a usage error", err)
	}
}

// TestFilterRuns checks that the expression selects the sockets in user
// space too (a source without bytecode, as the fake one is).
func TestFilterRuns(t *testing.T) {
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
	}}
	out, _, err := execList(t, f, "-tan", "--format", "csv", "sport = :80")
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")[1:]
	for _, l := range rows {
		if strings.Split(l, ",")[4] != "80" {
			t.Errorf("sport = :80 kept %s", l)
		}
	}
	if len(rows) == 0 {
		t.Errorf("sport = :80 kept nothing:\n%s", out)
	}
}
