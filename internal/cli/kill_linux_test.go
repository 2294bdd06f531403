package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/procattr"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// realKillFactory is the Linux factory of kill: the system source,
// attribution and namespaces found by name.
func realKillFactory() *Factory {
	return &Factory{
		Source: sockets.NewSystemSource,
		Attribute: func(ctx context.Context, details bool, listed <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			h, err := procattr.Scan(ctx, procattr.Options{Details: details, Busy: listed})
			if h == nil {
				return nil, err
			}
			return func(socks []sockets.Socket) collect.Attribution {
				res := h.Attribute(socks)
				return collect.Attribution{Unattributed: res.Unattributed, Unreadable: res.Unreadable}
			}, err
		},
		Namespaces: func(value string, all bool) ([]netns.NetNS, []error, error) {
			n, err := netns.Resolve(value, nil)
			return []netns.NetNS{n}, nil, err
		},
	}
}

// killPopulation is what TestIntegrationKill opens in its namespace: a
// plain TCP listener with an accepted ESTABLISHED connection and one in
// CLOSE_WAIT, a UDP socket, and a listener of Go's default kind (MPTCP),
// which the kernel refuses to close.
type killPopulation struct {
	ln                  *net.TCPListener
	est, estPeer, cw    net.Conn
	udp, udpPerm, udpIn *net.UDPConn
	mptcp               net.Listener
}

func (p *killPopulation) ports() (ln, udp, mptcp, udpPerm, udpIn uint16) {
	port := func(a net.Addr) uint16 { return netip.MustParseAddrPort(a.String()).Port() }
	return port(p.ln.Addr()), port(p.udp.LocalAddr()), port(p.mptcp.Addr()), port(p.udpPerm.LocalAddr()), port(p.udpIn.LocalAddr())
}

func openKillPopulation(t *testing.T, ns *testutil.NetNS) *killPopulation {
	p := &killPopulation{}
	var closers []func() error
	t.Cleanup(func() {
		for _, c := range closers {
			c()
		}
	})
	err := ns.Do(func() error {
		ctx := context.Background()
		var plain, mp net.ListenConfig
		plain.SetMultipathTCP(false)
		mp.SetMultipathTCP(true)
		l, err := plain.Listen(ctx, "tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		p.ln = l.(*net.TCPListener)
		closers = append(closers, l.Close)
		dial := func() (server, client net.Conn, err error) {
			client, err = net.Dial("tcp4", l.Addr().String())
			if err != nil {
				return nil, nil, err
			}
			closers = append(closers, client.Close)
			server, err = l.Accept()
			if err != nil {
				return nil, nil, err
			}
			closers = append(closers, server.Close)
			return server, client, nil
		}
		if p.est, p.estPeer, err = dial(); err != nil {
			return err
		}
		var cwPeer net.Conn
		if p.cw, cwPeer, err = dial(); err != nil {
			return err
		}
		cwPeer.Close()
		if p.mptcp, err = mp.Listen(ctx, "tcp4", "127.0.0.1:0"); err != nil {
			return err
		}
		closers = append(closers, p.mptcp.Close)
		for _, u := range []**net.UDPConn{&p.udp, &p.udpPerm, &p.udpIn} {
			c, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				return err
			}
			closers = append(closers, c.Close)
			*u = c.(*net.UDPConn)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listIn lists the TCP, UDP and MPTCP sockets of ns.
func listIn(t *testing.T, ns *testutil.NetNS) []sockets.Socket {
	t.Helper()
	f := sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP).With(sockets.MPTCP)}
	return testutil.Snapshot(t, ns, "netlink", f)
}

// hasSock reports whether socks holds a socket of proto on local port
// port in state st.
func hasSock(socks []sockets.Socket, proto sockets.Proto, port uint16, st sockets.State) bool {
	for i := range socks {
		if socks[i].Proto == proto && socks[i].Local.Port() == port && socks[i].State == st {
			return true
		}
	}
	return false
}

// TestIntegrationKill runs sockscope kill in a namespace of the test's
// own, through --netns from outside it: --dry-run lists and changes
// nothing; --yes closes the listener, the ESTABLISHED and CLOSE_WAIT
// connections and the UDP socket (the peer reads ECONNRESET, accept
// fails, the UDP socket has ECONNABORTED pending, none is listed any
// more) and reports the MPTCP listener the kernel refuses, with exit
// status 1; without CAP_NET_ADMIN every socket is reported not closed
// and why; and run inside the namespace, without --netns, it closes
// there.
func TestIntegrationKill(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := openKillPopulation(t, ns)
	pl, pu, pm, pperm, pin := p.ports()
	expr := fmt.Sprintf("sport = :%d or sport = :%d or sport = :%d", pl, pu, pm)
	before := listIn(t, ns)
	for _, c := range []struct {
		proto sockets.Proto
		port  uint16
		st    sockets.State
	}{{sockets.TCP, pl, sockets.Listen}, {sockets.TCP, pl, sockets.Established}, {sockets.TCP, pl, sockets.CloseWait},
		{sockets.UDP, pu, sockets.Close}, {sockets.TCP, pm, sockets.Listen}} {
		if !hasSock(before, c.proto, c.port, c.st) {
			t.Fatalf("%v %d %v not in the namespace before kill", c.proto, c.port, c.st)
		}
	}

	out, errOut, err := execKill(t, realKillFactory(), "", "kill", "--netns", ns.Name, "--dry-run", expr)
	if err != nil {
		t.Fatalf("--dry-run: %v\n%s", err, errOut)
	}
	pid := strconv.Itoa(os.Getpid()) + "/"
	for _, want := range []string{"LISTEN", "ESTABLISHED", "CLOSE_WAIT", "UNCONN", pid} {
		if !strings.Contains(out, want) {
			t.Errorf("--dry-run listing lacks %q:\n%s", want, out)
		}
	}
	if after := listIn(t, ns); len(after) != len(before) {
		t.Errorf("--dry-run changed the namespace: %d sockets before, %d after", len(before), len(after))
	}

	// --all-netns (here finding the test's namespace alone) names the
	// namespace of each socket.
	all := realKillFactory()
	all.Namespaces = func(string, bool) ([]netns.NetNS, []error, error) {
		n, err := netns.Resolve(ns.Name, nil)
		return []netns.NetNS{n}, nil, err
	}
	out, errOut, err = execKill(t, all, "", "kill", "--all-netns", "--dry-run", expr)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); err != nil || !strings.HasPrefix(lines[0], "NetNS ") || len(lines) < 2 || !strings.HasPrefix(lines[1], ns.Name+" ") {
		t.Errorf("--all-netns --dry-run: %v\n%s%s", err, out, errOut)
	}

	out, errOut, err = execKill(t, realKillFactory(), "", "kill", "--netns", ns.Name, "--yes", "--format", "json", expr)
	if err == nil || IsUsageError(err) || !strings.Contains(err.Error(), "sockets were not closed") {
		t.Errorf("kill: %v, want a runtime error for the MPTCP listener\n%s", err, errOut)
	}
	var rep struct {
		Closed []struct {
			Proto string `json:"proto"`
			State string `json:"state"`
		} `json:"closed"`
		Failed []struct {
			Socket struct {
				Proto string `json:"proto"`
			} `json:"socket"`
			Reason string `json:"reason"`
			Error  string `json:"error"`
		} `json:"failed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rep.Closed) != 4 {
		t.Errorf("closed %+v, want the listener, two connections and the UDP socket", rep.Closed)
	}
	reasons := map[string]string{}
	for _, f := range rep.Failed {
		reasons[f.Socket.Proto] = f.Reason
	}
	// The MPTCP socket itself is listed where the kernel's MPTCP dump
	// takes the filter; the kernel cannot close it either.
	if r, ok := reasons["mptcp"]; reasons["tcp"] != "mptcp-listener" || (ok && r != "protocol") || len(rep.Failed) != len(reasons) {
		t.Errorf("failed %+v, want the MPTCP listener's TCP side (mptcp-listener), and its MPTCP socket if listed (protocol)", rep.Failed)
	}

	deadline := time.Now().Add(5 * time.Second)
	p.estPeer.SetReadDeadline(deadline)
	if _, err := p.estPeer.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
		t.Errorf("peer of the closed connection read %v, want ECONNRESET", err)
	}
	p.ln.SetDeadline(deadline)
	if c, err := p.ln.Accept(); err == nil {
		c.Close()
		t.Error("the closed listener accepted")
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the closed listener's accept waited: %v", err)
	}
	if err := udpSOError(p.udp); !errors.Is(err, unix.ECONNABORTED) {
		t.Errorf("closed UDP socket: SO_ERROR %v, want ECONNABORTED", err)
	}
	after := listIn(t, ns)
	for _, gone := range []struct {
		proto sockets.Proto
		port  uint16
		st    sockets.State
	}{{sockets.TCP, pl, sockets.Listen}, {sockets.TCP, pl, sockets.Established}, {sockets.TCP, pl, sockets.CloseWait}, {sockets.UDP, pu, sockets.Close}} {
		if hasSock(after, gone.proto, gone.port, gone.st) {
			t.Errorf("%v %d %v still listed after kill", gone.proto, gone.port, gone.st)
		}
	}
	if !hasSock(after, sockets.TCP, pm, sockets.Listen) {
		t.Error("the MPTCP listener, reported not closed, is gone")
	}

	// Without CAP_NET_ADMIN: the thread that runs kill drops it, and is
	// never handed back to the scheduler.
	done := make(chan error, 1)
	var permOut string
	go func() {
		runtime.LockOSThread()
		if err := dropNetAdmin(); err != nil {
			done <- err
			return
		}
		var err error
		permOut, _, err = execKillNoHelper(realKillFactory(), "kill", "--netns", ns.Name, "--yes", fmt.Sprintf("sport = :%d", pperm))
		done <- err
	}()
	if err := <-done; err == nil || IsUsageError(err) {
		t.Errorf("kill without CAP_NET_ADMIN: %v, want a runtime error", err)
	}
	if !strings.Contains(permOut, "not closed: closing a socket needs CAP_NET_ADMIN") {
		t.Errorf("kill without CAP_NET_ADMIN reported:\n%s", permOut)
	}
	if !hasSock(listIn(t, ns), sockets.UDP, pperm, sockets.Close) {
		t.Error("kill without CAP_NET_ADMIN closed the socket")
	}

	// Inside the namespace, without --netns.
	err = ns.Do(func() error {
		out, _, err = execKillNoHelper(realKillFactory(), "kill", "--yes", fmt.Sprintf("sport = :%d", pin))
		return err
	})
	if err != nil || !strings.Contains(out, "closed") {
		t.Errorf("kill inside the namespace: %v\n%s", err, out)
	}
	if hasSock(listIn(t, ns), sockets.UDP, pin, sockets.Close) {
		t.Error("kill inside the namespace left the socket")
	}

	// Both ends of one connection: closing the first resets the second,
	// which is closed too, not "gone already".
	var bothPort uint16
	err = ns.Do(func() error {
		var lc net.ListenConfig
		lc.SetMultipathTCP(false)
		l, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		t.Cleanup(func() { l.Close() })
		c, err := net.Dial("tcp4", l.Addr().String())
		if err != nil {
			return err
		}
		t.Cleanup(func() { c.Close() })
		s, err := l.Accept()
		if err != nil {
			return err
		}
		t.Cleanup(func() { s.Close() })
		bothPort = netip.MustParseAddrPort(l.Addr().String()).Port()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = execKill(t, realKillFactory(), "", "kill", "--netns", ns.Name, "--yes", "--state", "established", "--port", fmt.Sprint(bothPort))
	if err != nil || strings.Count(out, "  closed") != 2 || strings.Contains(out, "not closed") {
		t.Errorf("kill of both ends: %v\n%s", err, out)
	}
}

// execKillNoHelper is execKill for a goroutine that is not the test's.
func execKillNoHelper(f *Factory, args ...string) (stdout, stderr string, err error) {
	return execKill(nil, f, "", args...)
}

// udpSOError returns the pending error of c (SO_ERROR).
func udpSOError(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var soErr int
	if cerr := rc.Control(func(fd uintptr) {
		soErr, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	return unix.Errno(soErr)
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

// TestIntegrationKillEveryState runs kill over the TCP sockets of a
// population holding one in every state (testutil.StartPopulation): each
// is closed, whatever its state (SYN_SENT, SYN_RECV, FIN_WAIT1/2,
// CLOSING, LAST_ACK, TIME_WAIT ...), and none is reported not closed:
// both ends of its connections are chosen, and connections still in a
// listener's queue, so that many are reset by the closing of another
// first, through a dual-stack listener too (the other end's addresses
// then mapped).
func TestIntegrationKillEveryState(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	states := map[sockets.State]bool{}
	for _, e := range p.Expected {
		if e.Proto == sockets.TCP && !e.BoundInactive {
			states[e.State] = true
		}
	}
	out, errOut, err := execKill(t, realKillFactory(), "", "kill", "--netns", ns.Name, "--yes", "--format", "json", "-t", "state", "all")
	var rep struct {
		Closed []struct {
			State string `json:"state"`
			Local struct {
				Port uint16 `json:"port"`
			} `json:"local"`
		} `json:"closed"`
		Failed []struct {
			Socket struct {
				State string `json:"state"`
			} `json:"socket"`
			Reason string `json:"reason"`
			Error  string `json:"error"`
		} `json:"failed"`
	}
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		t.Fatalf("kill: %v, %v\n%s\n%s", err, jerr, out, errOut)
	}
	closedStates := map[string]int{}
	for _, c := range rep.Closed {
		closedStates[c.State]++
	}
	for _, f := range rep.Failed {
		t.Logf("not closed: %s: %s (%s)", f.Socket.State, f.Reason, f.Error)
		t.Errorf("%s socket not closed: %s", f.Socket.State, f.Error)
	}
	if (err != nil) != (len(rep.Failed) > 0) {
		t.Errorf("kill: %v with %d sockets not closed", err, len(rep.Failed))
	}
	t.Logf("closed by state: %v", closedStates)
	for st := range states {
		s := sockets.Socket{Proto: sockets.TCP, State: st}
		if closedStates[s.StateName()] == 0 {
			t.Errorf("no %s socket closed", s.StateName())
		}
	}
	after := listIn(t, ns)
	for i := range after {
		if after[i].Proto == sockets.TCP && after[i].State != sockets.Close {
			t.Errorf("left after kill: %v %v %v", after[i].State, after[i].Local, after[i].Remote)
		}
	}
}
