package ssmode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// ssKillPorts are the fixed ports of the population ss -K is compared
// on: the same sockets are made again for each of the two runs, so that
// their outputs can be equal byte for byte.
const (
	killListen  = 7101 // a TCP listener, 127.0.0.1
	killClient  = 7201 // the client of a connection to it
	killUDP     = 7102 // a UDP socket, 127.0.0.1
	killListen6 = 7103 // a TCP listener, [::1]
)

// openSSKillPopulation opens, inside ns, a listener with an accepted
// connection from a fixed client port, a UDP socket and an IPv6
// listener; close closes them all, resetting the TCP ones (SO_LINGER 0)
// so that no TIME_WAIT holds the ports for the next run.
func openSSKillPopulation(ns *testutil.NetNS) (closeAll func(), err error) {
	var tcp []*net.TCPConn
	var others []interface{ Close() error }
	closeAll = func() {
		for _, c := range tcp {
			c.SetLinger(0)
			c.Close()
		}
		for _, c := range others {
			c.Close()
		}
	}
	reuse := func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}
	err = ns.Do(func() error {
		ctx := context.Background()
		lc := net.ListenConfig{Control: reuse}
		lc.SetMultipathTCP(false)
		ln, err := lc.Listen(ctx, "tcp4", fmt.Sprintf("127.0.0.1:%d", killListen))
		if err != nil {
			return err
		}
		others = append(others, ln)
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: killClient}, Control: reuse}
		c, err := d.Dial("tcp4", ln.Addr().String())
		if err != nil {
			return err
		}
		tcp = append(tcp, c.(*net.TCPConn))
		s, err := ln.Accept()
		if err != nil {
			return err
		}
		tcp = append(tcp, s.(*net.TCPConn))
		u, err := lc.ListenPacket(ctx, "udp4", fmt.Sprintf("127.0.0.1:%d", killUDP))
		if err != nil {
			return err
		}
		others = append(others, u)
		ln6, err := lc.Listen(ctx, "tcp6", fmt.Sprintf("[::1]:%d", killListen6))
		if err != nil {
			return err
		}
		others = append(others, ln6)
		return nil
	})
	if err != nil {
		closeAll()
	}
	return closeAll, err
}

// ssResult is what one run of ss printed and its exit status.
type ssResult struct {
	stdout, stderr string
	code           int
}

// runOwnSS runs sockscope's ss with args in the calling thread's
// network namespace.
func runOwnSS(args ...string) ssResult {
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Screen: -1, Source: sockets.NewSystemSource}
	code := Run(context.Background(), env, args)
	return ssResult{out.String(), errOut.String(), code}
}

// runRealSS runs /usr/bin/ss with args inside ns, under capsh without
// CAP_NET_ADMIN if drop.
func runRealSS(t *testing.T, ns *testutil.NetNS, drop bool, args ...string) ssResult {
	t.Helper()
	var cmd *exec.Cmd
	if drop {
		cmd = ns.Command("capsh", "--drop=cap_net_admin", "--", "-c", "exec /usr/bin/ss \"$@\"", "ss")
		cmd.Args = append(cmd.Args, args...)
	} else {
		cmd = ns.Command("/usr/bin/ss", args...)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ss %q: %v", args, err)
	}
	return ssResult{out.String(), errOut.String(), code}
}

// TestIntegrationSSKill compares ss -K through the ss name with
// iproute2's ss 6.1, byte for byte, in a namespace of the test's own
// (never on the host: ss -K there would close the machine's
// connections): each command runs on a fresh copy of the same sockets,
// first with the real ss, then with sockscope's; both list what they
// closed, and the sockets are gone afterwards. Without CAP_NET_ADMIN
// both say "SOCK_DESTROY answers: Operation not permitted".
func TestIntegrationSSKill(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := os.Stat("/usr/bin/ss"); err != nil {
		t.Skip("iproute2's ss is not installed at /usr/bin/ss")
	}
	ns := testutil.NewNetNS(t)
	for _, c := range []struct {
		args []string
		drop bool
	}{
		{args: []string{"-tanK", fmt.Sprintf("sport = :%d", killListen)}},
		{args: []string{"-uanK"}},
		{args: []string{"-tanK"}},
		{args: []string{"-anK", "-A", "tcp,udp", "-4"}},
		{args: []string{"-tnK", "dport", "=", fmt.Sprint(":", killListen)}},
		{args: []string{"-tanK"}, drop: true},
	} {
		name := strings.Join(c.args, " ")
		if c.drop {
			if _, err := exec.LookPath("capsh"); err != nil {
				t.Logf("%s without CAP_NET_ADMIN: skipped, capsh (libcap2-bin) is not installed", name)
				continue
			}
			name += " (without CAP_NET_ADMIN)"
		}
		closeAll, err := openSSKillPopulation(ns)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		real := runRealSS(t, ns, c.drop, c.args...)
		closeAll()
		if closeAll, err = openSSKillPopulation(ns); err != nil {
			t.Fatalf("%s: again: %v", name, err)
		}
		var own ssResult
		if c.drop {
			own, err = runDropped(ns, c.args...)
		} else {
			err = ns.Do(func() error { own = runOwnSS(c.args...); return nil })
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var left ssResult
		ns.Do(func() error { left = runOwnSS("-tuanH"); return nil })
		closeAll()
		if own != real {
			t.Errorf("ss %s:\nsockscope (exit %d, stderr %q):\n%s\nss (exit %d, stderr %q):\n%s", name,
				own.code, own.stderr, own.stdout, real.code, real.stderr, real.stdout)
		}
		for _, line := range strings.Split(strings.TrimSpace(own.stdout), "\n")[1:] {
			f := strings.Fields(line)
			// A UDP socket bound to a port of its choosing stays
			// bound: the kernel aborts it but does not unhash it.
			if !c.drop && len(f) > 4 && !strings.HasPrefix(line, "udp") && !strings.HasPrefix(line, "UNCONN") && strings.Contains(left.stdout, " "+f[len(f)-2]+" ") && strings.Contains(left.stdout, " "+f[len(f)-1]) {
				t.Errorf("ss %s: %q listed as closed but still there:\n%s", name, line, left.stdout)
			}
		}
	}
}

// runDropped runs sockscope's ss in ns on a thread without
// CAP_NET_ADMIN, which is never handed back to the scheduler.
func runDropped(ns *testutil.NetNS, args ...string) (ssResult, error) {
	type result struct {
		r   ssResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = unix.Setns(fd, unix.CLONE_NEWNET)
			unix.Close(fd)
		}
		if err == nil {
			err = dropNetAdmin()
		}
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{r: runOwnSS(args...)}
	}()
	select {
	case r := <-done:
		return r.r, r.err
	case <-time.After(time.Minute):
		return ssResult{}, errors.New("sockscope's ss did not finish")
	}
}

// dropNetAdmin removes CAP_NET_ADMIN from the calling thread's effective
// capabilities (they are per thread: the rest of the process keeps it).
func dropNetAdmin() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[unix.CAP_NET_ADMIN/32].Effective &^= 1 << (unix.CAP_NET_ADMIN % 32)
	return unix.Capset(&hdr, &data[0])
}
