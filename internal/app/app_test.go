package app

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
)

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // on stderr
	}{
		{[]string{"sockscope", "-z"}, ExitUsage, "sockscope: unknown shorthand flag: 'z' in -z (see 'sockscope --help')"},
		{[]string{"netstat", "-p", "bogus"}, ExitUsage, "netstat: unknown protocol \"bogus\""},
		{[]string{"sockscope", "list", "--state", "establised"}, ExitUsage, "did you mean ESTABLISHED"},
		{[]string{"sockscope", "-tan", "x"}, ExitUsage, "filter: unknown condition at \"x\" (position 0)"},
		{[]string{"sockscope", "-rn", "x"}, ExitUsage, "unexpected argument \"x\""},
		{[]string{"sockscope", "-s", "-p", "bogus"}, ExitUsage, `"bogus"`},
		{[]string{"sockscope", "-r", "-p", "tcp"}, ExitUsage, "-p (--protocol) does not apply to -r (the routing table)"},
		{[]string{"sockscope", "explain", "TIME_WAT"}, ExitUsage, "did you mean TIME_WAIT"},
		{[]string{"sockscope", "explain", "xyzzy"}, ExitUsage, `unknown state or counter "xyzzy"`},
		{[]string{"sockscope", "diagram", "sideways"}, ExitUsage, `unknown diagram view "sideways"`},
		{[]string{"sockscope", "diagram", "--format", "svg"}, ExitUsage, `unknown format "svg" for diagram`},
		{[]string{"sockscope", "--source", "carrier-pigeon"}, ExitUsage, "unknown source"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := Run(context.Background(), tt.args, ios)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.want)
			}
			if n := strings.Count(errOut.String(), "\n"); n != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", n, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty: %q", out)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if code := Run(context.Background(), []string{"sockscope", "--help"}, ios); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-ano", "--format", "--state", "list"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestExplainAndDiagram(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"sockscope", "explain", "--no-live", "SYNC_RECEIVED"}, []string{"SYN_RECV", "tcp_synack_retries"}},
		{[]string{"sockscope", "explain", "--no-live", "close-wait", "--lang", "zh-CN"}, []string{"CLOSE_WAIT", "close()"}},
		{[]string{"sockscope", "explain", "retranssegs"}, []string{"RetransSegs"}},
		{[]string{"sockscope", "diagram", "open", "--ascii"}, []string{"SYN_SENT", "LISTEN", "+-"}},
		{[]string{"sockscope", "diagram", "--format", "dot"}, []string{"digraph", "TIME_WAIT"}},
	} {
		ios, _, out, errOut := iostreams.Test()
		if code := Run(context.Background(), tt.args, ios); code != ExitOK {
			t.Errorf("%q: exit %d: %s", tt.args, code, errOut)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

// TestUnsupportedSystem: where listing is not supported (darwin, the
// BSDs), a listing says so in one line and exits 1; the views that need
// no socket source still run.
func TestUnsupportedSystem(t *testing.T) {
	defer func(f func(sockets.SourceOptions) (sockets.Source, error)) { newSource = f }(newSource)
	newSource = func(sockets.SourceOptions) (sockets.Source, error) {
		return nil, fmt.Errorf("%w", sockets.ErrUnsupported)
	}
	for _, args := range [][]string{{"sockscope", "-ano"}, {"netstat", "-b"}, {"sockscope", "list", "--format", "json"}} {
		ios, _, out, errOut := iostreams.Test()
		if code := Run(context.Background(), args, ios); code != ExitError {
			t.Errorf("%q: exit %d, want %d", args, code, ExitError)
		}
		want := args[0] + ": listing sockets is not supported on " + runtime.GOOS + " yet\n"
		if errOut.String() != want || out.Len() != 0 {
			t.Errorf("%q: stderr %q, stdout %q; want stderr %q alone", args, errOut, out, want)
		}
	}
}
