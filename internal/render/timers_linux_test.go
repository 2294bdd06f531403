package render

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationNetToolsTimers compares the linux style with Timers to
// net-tools' netstat -tano and -tuno, run in a namespace the test fills
// with TCP sockets in the states whose timers differ: listeners (off),
// an established connection with keepalive on, a SYN_SENT retrying to an
// address that swallows packets (on), TIME_WAIT and an orphaned
// FIN_WAIT2 (timewait), a half-closed FIN_WAIT2 and its CLOSE_WAIT peer
// (off), and a UDP socket (off). Both sources are checked: /proc/net in
// netstat's order, sock_diag in any order. The times and counters of
// the timers move between the two reads, so they are compared as
// ranges; every other byte must be equal.
func TestIntegrationNetToolsTimers(t *testing.T) {
	netstatPath := testutil.NetToolsNetstat(t)
	ns := testutil.NewNetNS(t)
	// A dummy interface (an ifb one where the kernel lacks the dummy
	// driver) swallows what is routed to it: the SYN_SENT socket's SYNs
	// never leave the namespace and are never answered.
	ip := func(args ...string) error {
		out, err := ns.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return nil
	}
	if err := ip("link", "add", "sink0", "type", "dummy"); err != nil {
		if err2 := ip("link", "add", "sink0", "type", "ifb"); err2 != nil {
			t.Skipf("no dummy or ifb interface here: %v; %v", err, err2)
		}
	}
	for _, args := range [][]string{{"link", "set", "sink0", "up"}, {"addr", "add", "10.77.0.1/24", "dev", "sink0"}} {
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	if err := ns.Do(func() error { return openTimerSockets(&fds) }); err != nil {
		t.Fatal(err)
	}

	tcp := sockets.ProtoSet(0).With(sockets.TCP)
	for _, tc := range []struct {
		flags  string
		protos sockets.ProtoSet
		all    bool // -a; without it net-tools leaves out what has no peer
	}{
		{"-tano", tcp, true},
		{"-tuno", tcp.With(sockets.UDP), false},
	} {
		for _, kind := range []string{"proc", "netlink"} {
			t.Run(tc.flags+"/"+kind, func(t *testing.T) {
				f := sockets.Filter{Protos: tc.protos}
				before := testutil.Snapshot(t, ns, kind, f)
				out, err := ns.Command(netstatPath, tc.flags).Output()
				if err != nil {
					t.Fatalf("netstat %s: %v", tc.flags, err)
				}
				after := testutil.Snapshot(t, ns, kind, f)
				if len(before) != len(after) {
					t.Fatalf("the sockets changed between the reads: %d, then %d", len(before), len(after))
				}
				if !tc.all {
					before, after = withPeer(before), withPeer(after)
				}
				o := Options{Style: Linux, All: tc.all, Timers: true, Protos: tc.protos}
				var lo, hi bytes.Buffer
				if err := Write(&lo, before, Meta{}, o); err != nil {
					t.Fatal(err)
				}
				if err := Write(&hi, after, Meta{}, o); err != nil {
					t.Fatal(err)
				}
				if err := compareTimerListings(out, lo.Bytes(), hi.Bytes(), kind == "proc"); err != nil {
					t.Errorf("%v\nnetstat %s:\n%s\nours, before:\n%s\nours, after:\n%s", err, tc.flags, out, lo.Bytes(), hi.Bytes())
				}
				wants := []string{" ESTABLISHED keepalive (", " SYN_SENT    on (", " TIME_WAIT   timewait (",
					" FIN_WAIT2   timewait (", " FIN_WAIT2   off (0.00/0/0)", " CLOSE_WAIT  off (0.00/0/0)"}
				if tc.protos.Has(sockets.UDP) {
					wants = append(wants, "\nudp        0      0 127.0.0.1:")
				}
				if tc.all {
					wants = append(wants, " LISTEN      off (0.00/0/0)", "\ntcp6 ")
				}
				for _, want := range wants {
					if !bytes.Contains(out, []byte(want)) {
						t.Errorf("netstat %s shows no %q: the test did not make the socket it meant to:\n%s", tc.flags, want, out)
					}
				}
			})
		}
	}
}

// withPeer keeps the sockets net-tools lists without -a or -l: TCP
// sockets with a remote port, UDP sockets with a remote address.
func withPeer(socks []sockets.Socket) []sockets.Socket {
	var out []sockets.Socket
	for _, s := range socks {
		if s.Proto == sockets.TCP && s.Remote.Port() != 0 || s.Proto != sockets.TCP && !s.Remote.Addr().IsUnspecified() {
			out = append(out, s)
		}
	}
	return out
}

// openTimerSockets opens, in the calling thread's namespace, the sockets
// TestIntegrationNetToolsTimers compares, appending their fds to fds.
func openTimerSockets(fds *[]int) error {
	sock := func(domain, typ int) (int, error) {
		fd, err := unix.Socket(domain, typ|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			*fds = append(*fds, fd)
		}
		return fd, err
	}
	listen := func(domain int, sa unix.Sockaddr) (int, unix.Sockaddr, error) {
		fd, err := sock(domain, unix.SOCK_STREAM)
		if err != nil {
			return 0, nil, err
		}
		if err := unix.Bind(fd, sa); err != nil {
			return 0, nil, err
		}
		if err := unix.Listen(fd, 16); err != nil {
			return 0, nil, err
		}
		name, err := unix.Getsockname(fd)
		return fd, name, err
	}
	lfd, laddr, err := listen(unix.AF_INET, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	if err != nil {
		return err
	}
	if _, _, err := listen(unix.AF_INET6, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}); err != nil {
		return err
	}
	pair := func() (c, s int, err error) {
		if c, err = sock(unix.AF_INET, unix.SOCK_STREAM); err != nil {
			return 0, 0, err
		}
		if err = unix.Connect(c, laddr); err != nil {
			return 0, 0, err
		}
		if s, _, err = unix.Accept4(lfd, unix.SOCK_CLOEXEC); err != nil {
			return 0, 0, err
		}
		*fds = append(*fds, s)
		return c, s, nil
	}
	// ESTABLISHED with keepalive: the timer runs for tcp_keepalive_time.
	c, _, err := pair()
	if err != nil {
		return err
	}
	if err := unix.SetsockoptInt(c, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
		return err
	}
	// TIME_WAIT: the client closes first, then the server.
	c, s, err := pair()
	if err != nil {
		return err
	}
	unix.Close(c)
	time.Sleep(20 * time.Millisecond)
	unix.Close(s)
	// A FIN_WAIT2 the client still holds (shut down for writing), whose
	// peer is in CLOSE_WAIT; and an orphaned one, which the kernel keeps
	// as a timewait socket.
	if c, _, err = pair(); err != nil {
		return err
	}
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return err
	}
	if c, _, err = pair(); err != nil {
		return err
	}
	unix.Close(c)
	// SYN_SENT to an address routed into the dummy interface.
	if c, err = sock(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK); err != nil {
		return err
	}
	if err := unix.Connect(c, &unix.SockaddrInet4{Addr: [4]byte{10, 77, 0, 2}, Port: 9}); !errors.Is(err, unix.EINPROGRESS) {
		return fmt.Errorf("connect to 10.77.0.2: %v, want EINPROGRESS", err)
	}
	// UDP, bound and connected: net-tools prints its (always idle) timer
	// too.
	u, err := sock(unix.AF_INET, unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	if err := unix.Bind(u, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	uaddr, err := unix.Getsockname(u)
	if err != nil {
		return err
	}
	if u, err = sock(unix.AF_INET, unix.SOCK_DGRAM); err != nil {
		return err
	}
	if err := unix.Connect(u, uaddr); err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond) // the FINs and ACKs on lo
	return nil
}

// compareTimerListings compares netstat's output with ours, read just
// before (lo) and just after (hi) it: the lines must be equal up to the
// timer, and each timer must lie between ours before and after (kinds
// equal, seconds within what passed, counters within one of each other).
// ordered says the rows must come in the same order (the /proc source);
// otherwise each is matched with the row equal up to its timer.
func compareTimerListings(theirs, lo, hi []byte, ordered bool) error {
	tl, ll, hl := lines(theirs), lines(lo), lines(hi)
	if len(tl) != len(ll) || len(tl) != len(hl) {
		return fmt.Errorf("netstat printed %d lines, we %d and %d", len(tl), len(ll), len(hl))
	}
	for i := 0; i < 2 && i < len(tl); i++ { // the title and the headings
		if tl[i] != ll[i] {
			return fmt.Errorf("line %d: netstat %q, we %q", i+1, tl[i], ll[i])
		}
	}
	type row struct{ head, timer string }
	split := func(ls []string) []row {
		var rows []row
		for _, l := range ls[2:] {
			head, timer, _ := cutTimer(l)
			rows = append(rows, row{head, timer})
		}
		if !ordered {
			slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.head, b.head) })
		}
		return rows
	}
	tr, lr, hr := split(tl), split(ll), split(hl)
	for i := range tr {
		if tr[i].head != lr[i].head || tr[i].head != hr[i].head {
			return fmt.Errorf("row %d: netstat %q, we %q", i+1, tr[i].head, lr[i].head)
		}
		if err := timerBetween(tr[i].timer, lr[i].timer, hr[i].timer); err != nil {
			return fmt.Errorf("row %q: %v", tr[i].head, err)
		}
	}
	return nil
}

func lines(b []byte) []string { return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") }

// cutTimer splits a row before its timer, "kind (secs/retrans/probes)".
func cutTimer(l string) (head, timer string, ok bool) {
	i := strings.LastIndex(l, " (")
	if i < 0 {
		return l, "", false
	}
	j := strings.LastIndexByte(l[:i], ' ')
	if j < 0 {
		return l, "", false
	}
	return l[:j], l[j+1:], true
}

// parseTimer parses "keepalive (7170.24/0/2)".
func parseTimer(s string) (kind string, secs float64, retrans, probes int, err error) {
	kind, rest, ok := strings.Cut(s, " (")
	fields := strings.Split(strings.TrimSuffix(rest, ")"), "/")
	if !ok || len(fields) != 3 || !strings.HasSuffix(rest, ")") {
		return "", 0, 0, 0, fmt.Errorf("bad timer %q", s)
	}
	secs, err1 := strconv.ParseFloat(fields[0], 64)
	retrans, err2 := strconv.Atoi(fields[1])
	probes, err3 := strconv.Atoi(fields[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", 0, 0, 0, fmt.Errorf("bad timer %q: %v", s, err)
	}
	return kind, secs, retrans, probes, nil
}

// timerBetween checks netstat's timer against ours before and after it.
// A running timer counts down, so its seconds lie between ours after and
// before, give or take the 1/100 s the kernel rounds to; a retransmission
// in between re-arms it and bumps the counter, and then any time is
// accepted.
func timerBetween(theirs, lo, hi string) error {
	k, s, r, p, err := parseTimer(theirs)
	if err != nil {
		return err
	}
	k1, s1, r1, p1, err1 := parseTimer(lo)
	k2, s2, r2, p2, err2 := parseTimer(hi)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if k != k1 || k != k2 {
		return fmt.Errorf("timer %q, ours %q then %q", theirs, lo, hi)
	}
	if r < r1 || r > r2 || p < p1 || p > p2 || r2 > r1+1 || p2 > p1+1 {
		return fmt.Errorf("counters of %q not between ours %q and %q", theirs, lo, hi)
	}
	if r1 == r2 && p1 == p2 && (s > s1+0.02 || s < s2-0.02) {
		return fmt.Errorf("%q not between ours %q and %q", theirs, lo, hi)
	}
	return nil
}
