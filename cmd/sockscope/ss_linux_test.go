package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// realSS returns the path of iproute2's ss to compare with. It skips the
// test when ss is missing, unless SOCKSCOPE_SS=require (CI), which fails
// it instead.
func realSS(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ss")
	if err != nil {
		if os.Getenv("SOCKSCOPE_SS") == "require" {
			t.Fatal("SOCKSCOPE_SS=require, but iproute2's ss is not installed")
		}
		t.Skip("needs iproute2's ss to compare with (SOCKSCOPE_SS=require makes this a failure)")
	}
	return path
}

// ssLink returns a link named ss to the built command: the ss
// personality is chosen by the program's name.
func ssLink(t *testing.T) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), "ss")
	if err := os.Symlink(sockscopeBinary(t), link); err != nil {
		t.Fatal(err)
	}
	return link
}

// TestIntegrationSSPersonality runs sockscope through the name ss and the
// real ss (iproute2 6.1) in the population's namespace, which holds a
// TCP socket in every state, UDP and unix sockets, listeners held by
// several processes: every form's output must be the same bytes, piped,
// except numbers that moved between ss's reading before and after ours
// (queues of live sockets, timers, the kernel's global counters of -s).
func TestIntegrationSSPersonality(t *testing.T) {
	testutil.RequireRoot(t)
	real := realSS(t)
	link := ssLink(t)
	ns := testutil.NewNetNS(t)
	pop := testutil.StartPopulation(t, ns)
	namedServices(t, ns)
	port := 0
	for i := range pop.Expected {
		if e := &pop.Expected[i]; e.Proto == sockets.TCP && e.State == sockets.Listen && e.Local.Addr().Is4() {
			port = int(e.Local.Port())
			break
		}
	}
	forms := [][]string{
		{"-tan"}, {"-tanp"}, {"-tulpn"}, {"-uan"}, {"-xa"}, {"-x"}, {"-s"},
		{"-H", "-tan"}, {"-O", "-tan"}, {"-tn"}, {"-t"}, {"-ta"}, {"-tl"}, {"-tlpn"},
		{"-4", "-tan"}, {"-6", "-tan"}, {"-4"}, {"-6"}, {"-tuna"}, {"-uanp"}, {"-xap"},
		{"-tn", "state", "established"}, {"-tan", "state", "time-wait"}, {"-tan", "exclude", "listening"},
		{"-tan", "dport", "=", ":" + strconv.Itoa(port)}, {"-tan", "sport", "=", ":" + strconv.Itoa(port)},
		{"-tan", "src", "127.0.0.1"}, {"-tan", "dst", "[::1]"}, {"-xa", "src", "*.sock"}, {"-xa", "src", "@*"}, {"-tanH", "state", "connected"},
		{"-tan", "-A", "tcp"}, {"-A", "unix_stream,udp", "-a"}, {"--tcp", "--all", "--numeric", "--processes"},
		{"-ta"}, {"-tua"}, {"-tlp"}, // services named from /etc/services
		{"-tano"}, {"-tane"}, {"-uane"}, {"-tanoe"},
		{"-tni"}, {"-tmo"}, {"-tanim"}, {"-uanm"}, {"-tanimO"}, {"-taniemo"},
		{}, {"-n"}, {"-ntp"}, {"-tan", "--tos"}, {"-tuan", "--cgroup"}, {"-taneo", "--tos"}, {"-wa"}, {"-wanp"}, {"-waoe"}, {"-A", "raw,udp", "-a"},
		{"-A", "netlink", "-l"}, {"-f", "netlink", "-ae"}, {"-A", "netlink", "-an"}, {"-a"}, {"-l"}, {"-ln"},
	}
	// -N: both run outside the namespace and list it.
	for _, args := range [][]string{{"-N", ns.Name, "-tanp"}, {"-tuan", "-N", ns.Name}, {"-s", "-N", ns.Name}, {"-N", ns.Name, "-wa"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			compareTries(t, args, func(prog string) string {
				cmd := exec.Command(prog, args...)
				cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
				stdout, stderr, code := run(t, cmd)
				if code != 0 {
					t.Fatalf("%s %q: exit %d\n%s", prog, args, code, stderr)
				}
				return string(stdout)
			}, real, link)
		})
	}
	for _, args := range forms {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			compareTries(t, args, func(prog string) string { return runIn(t, ns, prog, args...) }, real, link)
		})
	}
}

// compareTries reads ss, then sockscope, then ss again (read runs one
// of them with the form's arguments) and compares the readings
// (compareSS). A socket of the population can change between the
// readings (the SYN_SENT client retransmits its SYN, a zero window probe
// fires): a difference must persist over three tries to count.
func compareTries(t *testing.T, args []string, read func(prog string) string, real, link string) {
	t.Helper()
	var before, ours, after, msg string
	for try := 0; try < 3; try++ {
		before, ours, after = read(real), read(link), read(real)
		if msg = compareSS(before, ours, after, args); msg == "" {
			break
		}
	}
	if msg != "" {
		t.Errorf("%s\nss:\n%s\nsockscope:\n%s", msg, before, ours)
	} else if testing.Verbose() {
		t.Logf("%d lines alike:\n%s", strings.Count(ours, "\n"), ours)
	}
}

// namedServices adds listeners on ports services(5) names (x11, domain)
// to ns, for ss to name without -n, and raw sockets.
func namedServices(t *testing.T, ns *testutil.NetNS) {
	t.Helper()
	err := ns.Do(func() error {
		// With MPTCP, as Go listens by default: ss -i shows the TCP
		// listener under it with its upper layer protocol (tcp-ulp-mptcp).
		var lc net.ListenConfig
		lc.SetMultipathTCP(true)
		l, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:6000")
		if err != nil {
			return err
		}
		t.Cleanup(func() { l.Close() })
		u, err := net.ListenPacket("udp4", "127.0.0.1:53")
		if err != nil {
			return err
		}
		t.Cleanup(func() { u.Close() })
		// Raw sockets: ss names them by protocol (icmp, ipv6-icmp).
		for _, fam := range []struct{ domain, proto int }{{unix.AF_INET, unix.IPPROTO_ICMP}, {unix.AF_INET6, unix.IPPROTO_ICMPV6}} {
			fd, err := unix.Socket(fam.domain, unix.SOCK_RAW, fam.proto)
			if err != nil {
				return err
			}
			t.Cleanup(func() { unix.Close(fd) })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compareSS compares ours with ss's readings before and after it, as
// compareReadings does; ss -s's first two lines count sockets of the
// whole machine, which other processes change, so only their shape is
// compared.
func compareSS(before, ours, after string, args []string) string {
	if len(args) > 0 && args[0] == "-s" {
		b, o, a := strings.SplitN(before, "\n", 3), strings.SplitN(ours, "\n", 3), strings.SplitN(after, "\n", 3)
		if len(o) != 3 || len(b) != 3 || len(a) != 3 {
			return "not ss -s's form"
		}
		for i := 0; i < 2; i++ {
			if digits.ReplaceAllString(o[i], "#") != digits.ReplaceAllString(b[i], "#") {
				return "line " + strconv.Itoa(i+1) + ": " + strconv.Quote(o[i]) + ", ss " + strconv.Quote(b[i])
			}
		}
		return compareReadings(b[2], o[2], a[2])
	}
	if before == ours || ours == after {
		return ""
	}
	before, ours, after = withoutSSOwn(before), withoutSSOwn(ours), withoutSSOwn(after)
	msg := compareReadings(timersInMs(before), timersInMs(ours), timersInMs(after))
	if msg != "" && compareReadings(timerKinds(before), timerKinds(ours), timerKinds(after)) == "" {
		// A timer fired between the readings (a zero window probe
		// restarts its own): its kind is compared, not its values.
		return ""
	}
	return msg
}

// withoutSSOwn drops the line of ss's own sock_diag socket from a
// listing of netlink sockets, and the receive queue of the kernel's end,
// which holds ss's dump while it reads: sockscope has closed its own when
// it reads /proc/net/netlink.
func withoutSSOwn(text string) string {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if ssOwn.MatchString(line) {
			continue
		}
		if strings.Contains(line, "tcpdiag:kernel") || strings.Contains(line, " 4:0 ") {
			line = diagQueue.ReplaceAllString(line, "${1}0")
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// timerKinds keeps only the kind of every timer.
func timerKinds(text string) string {
	return timerAll.ReplaceAllString(text, "timer:($1)")
}

var (
	digits    = regexp.MustCompile(`[0-9]+`)
	ssOwn     = regexp.MustCompile(`tcpdiag:ss/[0-9]+ | 4:[1-9][0-9]* `)
	diagQueue = regexp.MustCompile(`(UNCONN +)[0-9]+`)
	timer     = regexp.MustCompile(`timer:\(([a-z]+),([0-9a-z.]*),`)
	timerAll  = regexp.MustCompile(`timer:\(([a-z]+),[0-9a-z.]*,[0-9]+\)`)
	timeIn    = regexp.MustCompile(`^(?:([0-9]+)min)?(?:([0-9]+)sec)?(?:([0-9]+)\.)?(?:([0-9]+)ms)?$`)
)

// timersInMs writes the time of every "timer:(kind,TIME,n)" in ms, so that
// a timer that crossed one of ss's units between two readings ("1sec",
// "980ms") compares as a number.
func timersInMs(text string) string {
	return timer.ReplaceAllStringFunc(text, func(m string) string {
		sub := timer.FindStringSubmatch(m)
		parts := timeIn.FindStringSubmatch(sub[2])
		if parts == nil {
			return m
		}
		n := func(s string) int { v, _ := strconv.Atoi(s); return v }
		ms := n(parts[1])*60000 + n(parts[2])*1000 + n(parts[3])*1000 + n(parts[4])
		return "timer:(" + sub[1] + "," + strconv.Itoa(ms) + ","
	})
}

// TestIntegrationSSTerminal compares the layout on a terminal 80 and 200
// columns wide (ss spreads the screen's width over the columns) through
// a pty that script(1) opens.
func TestIntegrationSSTerminal(t *testing.T) {
	testutil.RequireRoot(t)
	real := realSS(t)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) for a pty")
	}
	link := ssLink(t)
	ns := testutil.NewNetNS(t)
	testutil.StartPopulation(t, ns)
	for _, cols := range []int{80, 200} {
		for _, args := range [][]string{{"-tan"}, {"-tanp"}, {"-xa"}, {"-tulpn"}, {"-H", "-tn"}, {"-tani"}, {"-tanmp"}, {"-tanoe"}} {
			t.Run(strconv.Itoa(cols)+" "+strings.Join(args, " "), func(t *testing.T) {
				tty := func(prog string) string {
					// Standard error (ss's "Failed to find cgroup2 mount" under
					// ip netns exec) would join the pty's output.
					line := "stty cols " + strconv.Itoa(cols) + " rows 50; exec " + prog + " " + strings.Join(args, " ") + " 2>/dev/null"
					cmd := ns.Command(script, "-qec", line, "/dev/null")
					cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
					out, stderr, code := run(t, cmd)
					if code != 0 {
						t.Fatalf("%s: exit %d\n%s", line, code, stderr)
					}
					return strings.ReplaceAll(string(out), "\r\n", "\n")
				}
				compareTries(t, args, tty, real, link)
			})
		}
	}
}

// TestIntegrationSSRefusals: what sockscope cannot do is refused in one
// line on standard error, with exit 1; a malformed command line exits 2.
func TestIntegrationSSRefusals(t *testing.T) {
	link := ssLink(t)
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-tE"}, 1, "-E"},
		{[]string{"-N", "sockscope-no-such-namespace"}, 1, "Cannot open network namespace"},
		{[]string{"-Z"}, 1, "SELinux"},
		{[]string{"-tT"}, 1, "-T"},
		{[]string{"-q"}, 2, "invalid option"},
		{[]string{"-f", "ipx"}, 2, "invalid family"},
		{[]string{"-t", "dport", "=", ":nonsense-port"}, 2, ""},
	} {
		cmd := exec.Command(link, c.args...)
		_, stderr, code := run(t, cmd)
		if code != c.code || !strings.Contains(string(stderr), c.says) {
			t.Errorf("ss %q: exit %d, stderr %q; want exit %d saying %q", c.args, code, stderr, c.code, c.says)
		}
		if c.code == 1 && strings.Count(strings.TrimSpace(string(stderr)), "\n") != 0 {
			t.Errorf("ss %q: more than one line: %q", c.args, stderr)
		}
	}
}

// TestIntegrationSSUnixInternals compares ss -m and -e on unix sockets
// (their memory, shutdown state, bound file and a listener's pending
// connections) in a namespace holding only the test's own: a bound
// stream listener with a connection not yet accepted, an accepted pair
// with one side's send shut down, an abstract datagram socket and an
// unbound socketpair.
func TestIntegrationSSUnixInternals(t *testing.T) {
	testutil.RequireRoot(t)
	real := realSS(t)
	link := ssLink(t)
	ns := testutil.NewNetNS(t)
	dir := t.TempDir()
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	sock := func(typ int) (int, error) {
		fd, err := unix.Socket(unix.AF_UNIX, typ, 0)
		if err == nil {
			fds = append(fds, fd)
		}
		return fd, err
	}
	err := ns.Do(func() error {
		l, err := sock(unix.SOCK_STREAM)
		if err != nil {
			return err
		}
		addr := &unix.SockaddrUnix{Name: filepath.Join(dir, "listen.sock")}
		if err := unix.Bind(l, addr); err != nil {
			return err
		}
		if err := unix.Listen(l, 8); err != nil {
			return err
		}
		// Two clients: the first accepted, the second left pending
		// (the listener's peers:).
		for range 2 {
			c, err := sock(unix.SOCK_STREAM)
			if err != nil {
				return err
			}
			if err := unix.Connect(c, addr); err != nil {
				return err
			}
		}
		a, _, err := unix.Accept(l)
		if err != nil {
			return err
		}
		fds = append(fds, a)
		if err := unix.Shutdown(a, unix.SHUT_WR); err != nil {
			return err
		}
		d, err := sock(unix.SOCK_DGRAM)
		if err != nil {
			return err
		}
		if err := unix.Bind(d, &unix.SockaddrUnix{Name: "@sockscope-ss-internals"}); err != nil {
			return err
		}
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET, 0)
		if err != nil {
			return err
		}
		fds = append(fds, pair[:]...)
		_, err = unix.Write(pair[0], []byte("queued"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := runIn(t, ns, link, "-xm"); !strings.Contains(out, "skmem:") {
		// The decoders are there; the source's unix dump passes them
		// its Filter.Internals once netlink_linux.go calls
		// appendUnixDiagRequestExt and appendUnixDiagExt.
		t.Skip("the netlink source does not ask the kernel for unix sockets' internals yet")
	}
	for _, args := range [][]string{{"-xm"}, {"-xe"}, {"-xem"}, {"-xam"}, {"-xae"}, {"-xaem"}, {"-xlem"}, {"-xaemp"}, {"-am", "-f", "unix"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			compareTries(t, args, func(prog string) string { return runIn(t, ns, prog, args...) }, real, link)
		})
	}
}
