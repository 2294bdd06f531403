package cli

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
)

// sockList is a Source that returns fixed sockets.
type sockList []sockets.Socket

func (l sockList) Snapshot(_ context.Context, f sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	for _, s := range l {
		if f.Match(&s) {
			dst = append(dst, s)
		}
	}
	return dst, nil
}

// runExplain runs the command line args (explain or diagram) with f and
// a terminal of width columns (0: not a terminal).
func runExplain(t *testing.T, f *Factory, width int, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetTerminalWidth(width)
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestExplainDiagramExtraArgs: a second argument is a usage error of one
// line (a *FlagError, exit 2), in the user's language.
func TestExplainDiagramExtraArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "established", "extra"}, `explain takes one state or counter, not 2 arguments (established extra)`},
		{[]string{"diagram", "open", "close"}, `diagram takes one view, open or close, not 2 arguments (open close)`},
		{[]string{"diagram", "open", "close", "--lang", "zh"}, `diagram 只接受一个视图（open 或 close），却给了 2 个参数（open close）`},
		{[]string{"explain", "a", "b", "c", "--lang=zh_CN.UTF-8"}, `explain 只接受一个状态或计数器，却给了 3 个参数（a b c）`},
	} {
		f := &Factory{Lang: ArgsLang(c.args, "")}
		out, _, err := runExplain(t, f, 0, c.args...)
		var fe *FlagError
		if !errors.As(err, &fe) || !IsUsageError(err) {
			t.Errorf("%q: error %v (%T), want a usage error", c.args, err, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%q: message %q, want one line starting %q", c.args, msg, c.want)
		}
		if out != "" {
			t.Errorf("%q: wrote %q", c.args, out)
		}
	}
}

// TestExplainDiagramCompletion: explain completes states and counters,
// diagram open and close, and neither offers files.
func TestExplainDiagramCompletion(t *testing.T) {
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"explain", ""}, []string{"time-wait", "close-wait", "listen", "RetransSegs", "ListenOverflows"}, nil},
		{[]string{"explain", "ti"}, []string{"time-wait"}, []string{"listen", "RetransSegs"}},
		{[]string{"explain", "time_"}, []string{"time_wait"}, nil},
		{[]string{"explain", "T"}, []string{"TIME_WAIT", "TCPTimeouts", "TCPSynRetrans"}, []string{"time-wait", "LISTEN"}},
		{[]string{"explain", "retr"}, []string{"retranssegs"}, nil},
		{[]string{"explain", "listen", ""}, nil, []string{"listen", "time-wait"}},
		{[]string{"diagram", ""}, []string{"open", "close"}, nil},
		{[]string{"diagram", "c"}, []string{"close"}, []string{"open"}},
		{[]string{"diagram", "open", ""}, nil, []string{"open", "close"}},
		{[]string{"diagram", "--format", ""}, []string{"text", "dot"}, nil},
	} {
		out, _, err := runExplain(t, &Factory{}, 0, append([]string{"__complete"}, c.args...)...)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got := map[string]bool{}
		for _, l := range lines[:len(lines)-1] {
			got[l] = true
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%q: %q not offered: %q", c.args, w, lines)
			}
		}
		for _, w := range c.not {
			if got[w] {
				t.Errorf("%q: %q offered", c.args, w)
			}
		}
		if dir := lines[len(lines)-1]; dir != ":4" {
			t.Errorf("%q: directive %s, want :4 (no file completion)", c.args, dir)
		}
	}
}

func widest(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, len([]rune(l)))
	}
	return w
}

// TestDiagramFitsTerminal: an 80-column terminal gets drawings that fit
// it; a pipe keeps the wide whole diagram unless --narrow; a terminal too
// narrow for any drawing is told so in one line on stderr.
func TestDiagramFitsTerminal(t *testing.T) {
	for _, c := range []struct {
		width int
		args  []string
		most  int
	}{
		{80, []string{"diagram"}, 80},
		{80, []string{"diagram", "open"}, 80},
		{80, []string{"diagram", "close", "--lang", "zh"}, 80},
		{0, []string{"diagram", "close"}, 80},
		{0, []string{"diagram"}, 99},
		{0, []string{"diagram", "--narrow"}, 80},
		{200, []string{"diagram"}, 99},
	} {
		out, errOut, err := runExplain(t, &Factory{UTF8: true}, c.width, c.args...)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if w := widest(out); w > c.most || c.most == 99 && w != 99 {
			t.Errorf("%q at width %d: %d columns, want at most %d", c.args, c.width, w, c.most)
		}
		if errOut != "" {
			t.Errorf("%q at width %d: stderr %q", c.args, c.width, errOut)
		}
	}
	_, errOut, err := runExplain(t, &Factory{UTF8: true}, 60, "diagram")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "80 columns and the terminal has 60") {
		t.Errorf("60 columns: stderr %q, want one line saying so", errOut)
	}
}

// TestDiagramCloseLiveCountsOnce: ESTABLISHED, on both sides of the close
// view, is counted once, in a labelled line, not in either side's box.
func TestDiagramCloseLiveCountsOnce(t *testing.T) {
	var socks sockList
	for i := range 37 {
		socks = append(socks, sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
			Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(1000+i)), Remote: netip.MustParseAddrPort("10.0.0.2:80")})
	}
	f := &Factory{UTF8: true, Source: func(sockets.SourceOptions) (sockets.Source, error) { return socks, nil }}
	out, _, err := runExplain(t, f, 0, "diagram", "close", "--live")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "(37)"); n != 1 {
		t.Errorf("ESTABLISHED's count shown %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "On both sides, counted once: ESTABLISHED (37)") {
		t.Errorf("no labelled count of ESTABLISHED:\n%s", out)
	}
}

// TestExplainLiveSingular: one socket in a state is "1 socket".
func TestExplainLiveSingular(t *testing.T) {
	socks := sockList{{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen,
		Local: netip.MustParseAddrPort("0.0.0.0:80"), Remote: netip.MustParseAddrPort("0.0.0.0:0")}}
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) { return socks, nil }}
	out, _, err := runExplain(t, f, 0, "explain", "listen")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1 socket in LISTEN.") || strings.Contains(out, "1 sockets") {
		t.Errorf("no singular count:\n%s", out)
	}
}

// TestExplainWindows: on Windows, explain gives Windows' settings and no
// Linux sysctl.
func TestExplainWindows(t *testing.T) {
	defer func(os string) { explainOS = os }(explainOS)
	explainOS = "windows"
	for _, lang := range []string{"en", "zh"} {
		out, _, err := runExplain(t, &Factory{}, 0, "explain", "time-wait", "--no-live", "--lang", lang)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "TcpTimedWaitDelay") || strings.Contains(out, "tcp_tw_reuse") || strings.Contains(out, "tcp_fin_timeout") {
			t.Errorf("%s: not Windows advice:\n%s", lang, out)
		}
	}
	explainOS = "linux"
	out, _, err := runExplain(t, &Factory{}, 0, "explain", "time-wait", "--no-live")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "tcp_tw_reuse") {
		t.Errorf("linux: no Linux settings:\n%s", out)
	}
}

// TestExplainEscapesNames: a process names itself, so its name is
// escaped before it reaches the terminal in explain's top processes.
func TestExplainEscapesNames(t *testing.T) {
	socks := sockList{{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.CloseWait, Inode: 7,
		Local: netip.MustParseAddrPort("10.0.0.1:80"), Remote: netip.MustParseAddrPort("10.0.0.2:5000")}}
	evil := &sockets.ProcessInfo{PID: 42, Name: "evil\x1b]0;pwned\x07\x1b[2J"}
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return socks, nil },
		Attribute: func(ctx context.Context, details bool, listed <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			return func(ss []sockets.Socket) collect.Attribution {
				for i := range ss {
					ss[i].Processes = []sockets.Process{{Info: evil}}
				}
				return collect.Attribution{}
			}, nil
		},
	}
	out, _, err := runExplain(t, f, 0, "explain", "close-wait")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
		t.Errorf("a control character reached the output:\n%q", out)
	}
	if !strings.Contains(out, "42") || !strings.Contains(out, "evil") {
		t.Errorf("the process is not named:\n%s", out)
	}
}

// TestExplainNetNSFlags: the namespace flags choose what the live counts
// count, so they are refused where there are none, empty, or together.
func TestExplainNetNSFlags(t *testing.T) {
	for _, args := range [][]string{
		{"explain", "RetransSegs", "--netns", "web"},
		{"explain", "--no-live", "--all-netns"},
		{"explain", "listen", "--netns", ""},
		{"explain", "listen", "--netns", "a", "--all-netns"},
		{"explain", "--live", "--no-live"},
		{"diagram", "--all-netns"},
		{"diagram", "--live", "--netns="},
	} {
		_, _, err := runExplain(t, &Factory{}, 0, args...)
		if !IsUsageError(err) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want a usage error of one line", args, err)
		}
	}
	if _, _, err := runExplain(t, &Factory{}, 0, "explain", "--live", "listen"); err != nil {
		t.Errorf("explain --live listen: %v", err)
	}
}
