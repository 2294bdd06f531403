package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// fakeDestroyer closes what it is asked to, but the inodes of fail, which
// it refuses with their error; it records the inodes it was asked about.
type fakeDestroyer struct {
	asked *[]uint64
	fail  map[uint64]error
}

func (d fakeDestroyer) Destroy(ctx context.Context, s *sockets.Socket) error {
	*d.asked = append(*d.asked, s.Inode)
	return d.fail[s.Inode]
}

func (d fakeDestroyer) Close() error { return nil }

// killFixture replaces the destroyer and the terminal test of stdin for
// one test, and returns the inodes the destroyer is asked to close.
func killFixture(t *testing.T, tty bool, fail map[uint64]error) *[]uint64 {
	asked := &[]uint64{}
	oldD, oldT := newDestroyer, stdinIsTerminal
	newDestroyer = func() (sockets.Destroyer, error) { return fakeDestroyer{asked, fail}, nil }
	stdinIsTerminal = func(io.Reader) bool { return tty }
	t.Cleanup(func() { newDestroyer, stdinIsTerminal = oldD, oldT })
	return asked
}

// killFactory lists tcpSocks, nginx holding inodes 11 and 12.
func killFactory() *Factory {
	var asked []uint64
	return &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) {
			return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
		},
		Attribute: func(ctx context.Context, details bool, listed <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			return fakeAttribution(&asked, collect.Attribution{}), nil
		},
	}
}

// execKill runs args with stdin.
func execKill(t *testing.T, f *Factory, stdin string, args ...string) (stdout, stderr string, err error) {
	if t != nil {
		t.Helper()
	}
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestKillDryRun(t *testing.T) {
	asked := killFixture(t, true, nil)
	out, errOut, err := execKill(t, killFactory(), "", "kill", "--dry-run", "--port", "80")
	if err != nil {
		t.Fatal(err)
	}
	if len(*asked) != 0 {
		t.Errorf("--dry-run closed %v", *asked)
	}
	for _, want := range []string{"Proto", "PID/Program", "0.0.0.0:80", "0.0.0.0:*", "LISTEN", "10.0.0.2:5555", "ESTABLISHED", "4321/nginx"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run listing lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ":22") || strings.Contains(out, "Result") {
		t.Errorf("dry run listing:\n%s", out)
	}
	if !strings.Contains(errOut, "2 sockets would be closed; nothing was closed") {
		t.Errorf("stderr: %q", errOut)
	}

	out, _, err = execKill(t, killFactory(), "", "kill", "--dry-run", "--format", "json", "--port", "22")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema     int              `json:"schema"`
		DryRun     bool             `json:"dry_run"`
		WouldClose []map[string]any `json:"would_close"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Schema != 1 || !got.DryRun || len(got.WouldClose) != 1 {
		t.Errorf("dry run JSON %s: %+v, %v", out, got, err)
	}
	if len(*asked) != 0 {
		t.Errorf("--dry-run closed %v", *asked)
	}
}

func TestKillNeedsATerminalOrYes(t *testing.T) {
	asked := killFixture(t, false, nil)
	_, _, err := execKill(t, killFactory(), "y\n", "kill", "--port", "80")
	if !IsUsageError(err) || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "2 sockets") {
		t.Errorf("kill without --yes on a pipe: %v, want a usage error naming --yes", err)
	}
	if len(*asked) != 0 {
		t.Errorf("closed %v without asking", *asked)
	}
	_, _, err = execKill(t, killFactory(), "", "kill", "--yes")
	if !IsUsageError(err) {
		t.Errorf("kill without a filter: %v, want a usage error", err)
	}
}

func TestKillPrompt(t *testing.T) {
	for _, tt := range []struct {
		answer string
		closes bool
	}{{"y\n", true}, {"YES\n", true}, {"是\n", true}, {"n\n", false}, {"\n", false}, {"", false}, {"yes please\n", false}} {
		asked := killFixture(t, true, nil)
		out, errOut, err := execKill(t, killFactory(), tt.answer, "kill", "--port", "80")
		if err != nil {
			t.Fatalf("%q: %v", tt.answer, err)
		}
		if !strings.Contains(errOut, "4321/nginx") || !strings.Contains(errOut, "Close 2 sockets? [y/N] ") {
			t.Errorf("%q: the prompt on stderr is\n%s", tt.answer, errOut)
		}
		if closed := len(*asked) == 2; closed != tt.closes {
			t.Errorf("%q: closed %v, want closing %v", tt.answer, *asked, tt.closes)
		}
		if tt.closes && strings.Count(out, "closed") != 2 {
			t.Errorf("%q: report\n%s", tt.answer, out)
		}
		if !tt.closes && (out != "" || !strings.Contains(errOut, "nothing closed")) {
			t.Errorf("%q: declined, stdout %q stderr %q", tt.answer, out, errOut)
		}
	}
}

func TestKillReportsFailures(t *testing.T) {
	gone := &sockets.DestroyError{Op: "SOCK_DESTROY", Reason: sockets.DestroyGone, Proto: sockets.TCP, Family: sockets.Inet, Err: syscall.ENOENT}
	asked := killFixture(t, false, map[uint64]error{12: gone})
	out, _, err := execKill(t, killFactory(), "", "kill", "--yes", "--port", "80")
	if err == nil || IsUsageError(err) || !strings.Contains(err.Error(), "1 of 2 sockets were not closed") {
		t.Errorf("err = %v, want a runtime error counting the failure", err)
	}
	if len(*asked) != 2 {
		t.Errorf("asked to close %v, want both", *asked)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "  closed") ||
		!strings.Contains(lines[2], "not closed: the socket is gone already (SOCK_DESTROY: no such file or directory)") {
		t.Errorf("report:\n%s", out)
	}

	killFixture(t, false, map[uint64]error{12: gone})
	out, _, err = execKill(t, killFactory(), "", "kill", "--yes", "--format", "json", "--port", "80")
	if err == nil {
		t.Error("JSON report: no error for a socket not closed")
	}
	var got struct {
		Schema int              `json:"schema"`
		Closed []map[string]any `json:"closed"`
		Failed []struct {
			Socket map[string]any `json:"socket"`
			Reason string         `json:"reason"`
			Error  string         `json:"error"`
		} `json:"failed"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if got.Schema != 1 || len(got.Closed) != 1 || len(got.Failed) != 1 || got.Failed[0].Reason != "gone" ||
		got.Failed[0].Error != gone.Error() || got.Failed[0].Socket["state"] != "ESTABLISHED" {
		t.Errorf("JSON report %s", out)
	}

	killFixture(t, false, map[uint64]error{12: &sockets.DestroyError{Op: "SOCK_DESTROY", Reason: sockets.DestroyPermission, Proto: sockets.TCP, Err: syscall.EPERM}})
	out, _, err = execKill(t, killFactory(), "", "kill", "--yes", "--lang", "zh-CN", "--port", "80")
	if err == nil || !strings.Contains(err.Error(), "未能关闭") || !strings.Contains(out, "已关闭") || !strings.Contains(out, "CAP_NET_ADMIN") || !strings.Contains(out, "本地地址") {
		t.Errorf("Chinese report %v:\n%s", err, out)
	}
}

func TestKillNothingMatches(t *testing.T) {
	asked := killFixture(t, false, nil)
	out, errOut, err := execKill(t, killFactory(), "", "kill", "--port", "9999")
	if err != nil || out != "" || !strings.Contains(errOut, "no socket matches") || len(*asked) != 0 {
		t.Errorf("err %v, stdout %q, stderr %q, closed %v", err, out, errOut, *asked)
	}
	out, _, err = execKill(t, killFactory(), "", "kill", "--format", "json", "--port", "9999")
	if err != nil || out != `{"schema":1,"closed":[],"failed":[]}`+"\n" {
		t.Errorf("JSON: err %v, stdout %q", err, out)
	}
}

func TestKillEndpoint(t *testing.T) {
	s := &sockets.Socket{Family: sockets.Inet6}
	for ap, want := range map[string]string{"[::]:0": "[::]:*", "[fd00::1]:443": "[fd00::1]:443", "0.0.0.0:0": "0.0.0.0:*"} {
		if got := killEndpoint(s, netip.MustParseAddrPort(ap), ""); got != want {
			t.Errorf("%s: %q, want %q", ap, got, want)
		}
	}
	u := &sockets.Socket{Family: sockets.Local}
	if got := killEndpoint(u, netip.AddrPort{}, "/run/x\x1b[31m"); strings.ContainsRune(got, 0x1b) {
		t.Errorf("unix path not made safe: %q", got)
	}
}

// TestKillBothEnds: closing one end of a connection held on this machine
// resets the other, which is then gone: closed, not a failure.
func TestKillBothEnds(t *testing.T) {
	gone := &sockets.DestroyError{Op: "SOCK_DESTROY", Reason: sockets.DestroyGone, Proto: sockets.TCP, Family: sockets.Inet, Err: syscall.ENOENT}
	socks := []sockets.Socket{
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 21,
			Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("127.0.0.1:5555")},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 22,
			Local: netip.MustParseAddrPort("127.0.0.1:5555"), Remote: netip.MustParseAddrPort("127.0.0.1:80")},
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Inode: 23,
			Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("127.0.0.1:6666")},
	}
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: socks, started: make(chan struct{})}, nil
	}}
	killFixture(t, false, map[uint64]error{22: gone, 23: gone})
	out, _, err := execKill(t, f, "", "kill", "--yes", "--port", "80")
	if err == nil || !strings.Contains(err.Error(), "1 of 3") {
		t.Errorf("err = %v, want only the socket whose peer was not closed counted", err)
	}
	if strings.Count(out, "  closed") != 2 || strings.Count(out, "not closed") != 1 || !strings.Contains(out, "127.0.0.1:6666   ESTABLISHED  -            not closed") {
		t.Errorf("report:\n%s", out)
	}
}

// TestKillTableWidths: the columns line up by display width, Chinese
// headings (two columns a character) included.
func TestKillTableWidths(t *testing.T) {
	killFixture(t, false, nil)
	out, _, err := execKill(t, killFactory(), "", "kill", "--yes", "--lang", "zh-CN", "--port", "80")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := func(line, cell string) int {
		i := strings.Index(line, cell)
		if i < 0 {
			return -1
		}
		return textwidth.String(line[:i])
	}
	if h, r := col(lines[0], "外部地址"), col(lines[2], "10.0.0.2:5555"); h < 0 || h != r {
		t.Errorf("the remote column starts at %d in the heading, %d in the row:\n%s", h, r, out)
	}
	if h, r := col(lines[0], "结果"), col(lines[1], "已关闭"); h < 0 || h != r {
		t.Errorf("the result column starts at %d in the heading, %d in the row:\n%s", h, r, out)
	}
}
