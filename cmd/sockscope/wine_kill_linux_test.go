package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil"
)

// testKill runs sockscope.exe kill under Wine, whose SetTcpEntry closes
// nothing (Wine 8's answers success): the tool must say, socket by
// socket, that Wine did not close the connection, and exit 1, not crash
// (nor claim what was not done); IPv6 and UDP sockets are refused before
// any call, as Windows cannot close them (SetTcpEntry takes an IPv4
// row). It runs in a namespace of the test's own, with a Wine prefix of
// its own, so that Wine's server (whose nsiproxy reads the socket
// tables) runs there and sees, and could touch, only the test's sockets.
func (w *wine) testKill(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	prefix := filepath.Join(t.TempDir(), "prefix")
	t.Cleanup(func() {
		// The prefix's server would linger in the namespace.
		cmd := ns.Command("env", "WINEPREFIX="+prefix, "/usr/lib/wine/wineserver", "-k")
		cmd.Run()
	})

	var conns []net.Conn
	var ln4, ln6 net.Listener
	var udp net.PacketConn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	err := ns.Do(func() error {
		var lc net.ListenConfig
		lc.SetMultipathTCP(false)
		var err error
		for _, l := range []struct {
			ln   *net.Listener
			addr string
		}{{&ln4, "127.0.0.1:0"}, {&ln6, "[::1]:0"}} {
			network := "tcp4"
			if strings.HasPrefix(l.addr, "[") {
				network = "tcp6"
			}
			if *l.ln, err = lc.Listen(context.Background(), network, l.addr); err != nil {
				return err
			}
			c, err := net.Dial(network, (*l.ln).Addr().String())
			if err != nil {
				return err
			}
			s, err := (*l.ln).Accept()
			if err != nil {
				return err
			}
			conns = append(conns, c, s) // the IPv4 client and server first
		}
		udp, err = net.ListenPacket("udp4", "127.0.0.1:0")
		return err
	})
	if ln4 != nil {
		t.Cleanup(func() { ln4.Close() })
	}
	if ln6 != nil {
		t.Cleanup(func() { ln6.Close() })
	}
	if udp != nil {
		t.Cleanup(func() { udp.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	port := func(a net.Addr) uint16 { return netip.MustParseAddrPort(a.String()).Port() }
	p4, p6, pu := port(ln4.Addr()), port(ln6.Addr()), port(udp.LocalAddr())
	ports := fmt.Sprintf("%d,%d,%d", p4, p6, pu)

	// The first run in a new prefix sets it up (tens of seconds).
	out, stderr, code := w.runInNS(t, ns, prefix, 9*time.Minute, "kill", "--dry-run", "--port", ports)
	if code != 0 {
		t.Fatalf("kill --dry-run: exit %d\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{fmt.Sprintf("127.0.0.1:%d", p4), fmt.Sprintf("[::1]:%d", p6), fmt.Sprintf("127.0.0.1:%d", pu), "ESTABLISHED", "LISTEN"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kill --dry-run under Wine lacks %q:\n%s", want, out)
		}
	}

	out, stderr, code = w.runInNS(t, ns, prefix, 2*time.Minute, "kill", "--yes", "--format", "json", "--port", ports)
	var rep struct {
		Closed []struct {
			Proto, Family string
		} `json:"closed"`
		Failed []struct {
			Socket struct {
				Proto, Family, State string
			} `json:"socket"`
			Reason string `json:"reason"`
			Error  string `json:"error"`
		} `json:"failed"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("kill under Wine: exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, out, stderr)
	}
	t.Logf("kill under Wine: exit %d, %d closed, %d not closed; stderr %q", code, len(rep.Closed), len(rep.Failed), stderr)
	if len(rep.Failed) > 0 && (code != 1 || !strings.Contains(string(stderr), "were not closed")) {
		t.Errorf("kill under Wine: exit %d, stderr %q; want exit 1 counting what was not closed", code, stderr)
	}
	var refusedByWine int
	for _, f := range rep.Failed {
		s := f.Socket
		switch {
		case s.Proto == "tcp" && s.Family == "inet":
			if f.Reason != "wine" || !strings.Contains(f.Error, "Wine did not close") {
				t.Errorf("IPv4 TCP %s not closed: reason %q, error %q; want Wine's refusal", s.State, f.Reason, f.Error)
			}
			refusedByWine++
		default:
			if f.Reason != "protocol" || !strings.Contains(f.Error, "only IPv4 TCP") {
				t.Errorf("%s %s: reason %q, error %q; want that Windows closes only IPv4 TCP", s.Proto, s.Family, f.Reason, f.Error)
			}
		}
	}
	for _, c := range rep.Closed {
		if c.Proto != "tcp" || c.Family != "inet" {
			t.Errorf("closed a %s %s socket: Windows cannot", c.Proto, c.Family)
		}
	}
	if len(rep.Closed)+len(rep.Failed) < 7 {
		t.Errorf("kill under Wine saw %d sockets, want the 3 IPv4 TCP, 3 IPv6 TCP and 1 UDP of the test", len(rep.Closed)+len(rep.Failed))
	}
	if len(rep.Closed) > 0 {
		// Reported closed: the connection is broken.
		conns[1].SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := conns[1].Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("kill under Wine reported %d sockets closed, but the IPv4 connection still works (read: %v)", len(rep.Closed), err)
		}
	} else if refusedByWine > 0 {
		// Refused: the IPv4 connection still carries data.
		if _, err := conns[0].Write([]byte("x")); err != nil {
			t.Errorf("the connection Wine did not close: write %v", err)
		} else {
			conns[1].SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := conns[1].Read(make([]byte, 1)); err != nil {
				t.Errorf("the connection Wine did not close: read %v", err)
			}
		}
	}
}

// runInNS runs sockscope.exe with args under Wine inside ns with its
// own Wine prefix, as runIn does outside.
func (w *wine) runInNS(t *testing.T, ns *testutil.NetNS, prefix string, timeout time.Duration, args ...string) (stdout, stderr []byte, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, w.script, w.exe}, args...)...)
	cmd.Env = wineEnviron([]string{"WINEPREFIX=" + prefix})
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	outF, errF := tempFile(t), tempFile(t)
	cmd.Stdout, cmd.Stderr = outF, errF
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v\nstderr:\n%s", cmd, err, readBack(t, errF))
	}
	stdout, stderr = readBack(t, outF), readBack(t, errF)
	var kept []string
	for _, l := range strings.SplitAfter(string(stderr), "\n") {
		if wineDiag.MatchString(l) {
			t.Logf("Wine says: %s", strings.TrimSpace(l))
			continue
		}
		kept = append(kept, l)
	}
	return stdout, []byte(strings.Join(kept, "")), code
}
