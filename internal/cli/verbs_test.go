package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
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
	for _, want := range []string{"no process 7 is running", "process 8 holds its sockets in another network namespace (net:[4026532999]; this is net:[4026531840])", "sockscope --netns 8 --pid 8"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
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
