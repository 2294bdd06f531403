package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

func TestMain(m *testing.M) {
	MaybeRunHolder()
	os.Exit(m.Run())
}

// TestIntegrationPopulationMatchesSS checks the harness itself against an
// independent implementation: what ss(8) lists inside the namespace, with
// the owners' details read from /proc, must pass Population.Check.
func TestIntegrationPopulationMatchesSS(t *testing.T) {
	ns := NewNetNS(t)
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("needs ss (iproute2) to check the harness against")
	}
	p := StartPopulation(t, ns)
	// ss lists bound-inactive TCP sockets with -a from iproute2 6.7 on, the
	// release that added -B (--bound-inactive) to list them alone.
	if err := ns.Command("ss", "-H", "-tnB").Run(); err != nil {
		t.Logf("this ss cannot list bound-inactive sockets (ss -B: %v); not expecting them", err)
		p = p.WithoutBoundInactive()
	}
	out, err := ns.Command("ss", "-H", "-O", "-tuwxanpe").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	got, err := parseSS(out, ns.Inode)
	if err != nil {
		t.Fatalf("%v\nss said:\n%s", err, out)
	}
	p.Check(t, got)
	if t.Failed() {
		t.Logf("ss said:\n%s", out)
	}
}

var (
	ssUsers = regexp.MustCompile(`pid=(\d+),fd=(\d+)`)
	ssInode = regexp.MustCompile(`\bino:(\d+)`)
	ssUID   = regexp.MustCompile(`\buid:(\d+)`)
)

// parseSS turns the lines of "ss -H -O -tuwxanpe" into sockets, with the
// owners described by ReadProcess.
func parseSS(out []byte, netns uint64) ([]sockets.Socket, error) {
	var got []sockets.Socket
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			return nil, errors.New("short line: " + sc.Text())
		}
		s := sockets.Socket{NetNS: netns}
		states, err := sockets.ParseState(f[1])
		if err != nil {
			return nil, err
		}
		for s.State = 1; !states.Has(s.State); s.State++ {
		}
		rest := strings.Join(f[6:], " ")
		switch f[0] {
		case "tcp", "udp":
			s.Proto = map[string]sockets.Proto{"tcp": sockets.TCP, "udp": sockets.UDP}[f[0]]
			if s.Local, err = parseSSAddr(f[4]); err != nil {
				return nil, err
			}
			if s.Remote, err = parseSSAddr(f[5]); err != nil {
				return nil, err
			}
			s.Family = sockets.Inet6
			if s.Local.Addr().Is4() {
				s.Family = sockets.Inet
			}
			s.Inode = atoi(ssInode.FindStringSubmatch(rest))
			s.UID = uint32(atoi(ssUID.FindStringSubmatch(rest)))
		case "u_str", "u_dgr", "u_seq":
			// Local and peer are "path inode" each; ino: is the file's.
			if len(f) < 8 {
				return nil, errors.New("short unix line: " + sc.Text())
			}
			s.Proto, s.Family = sockets.Unix, sockets.Local
			s.Type = map[string]sockets.SockType{"u_str": sockets.Stream, "u_dgr": sockets.Dgram, "u_seq": sockets.SeqPacket}[f[0]]
			if f[4] != "*" {
				s.Path = f[4]
			}
			s.Inode, _ = strconv.ParseUint(f[5], 10, 64)
			s.Peer, _ = strconv.ParseUint(f[7], 10, 64)
			rest = strings.Join(f[8:], " ")
		default:
			return nil, errors.New("unexpected netid: " + sc.Text())
		}
		for _, m := range ssUsers.FindAllStringSubmatch(rest, -1) {
			p, err := ReadProcess(int(atoi(m[:2])))
			if err != nil {
				return nil, err
			}
			p.FD = int32(atoi(m[1:]))
			s.Processes = append(s.Processes, p)
		}
		got = append(got, s)
	}
	return got, sc.Err()
}

// parseSSAddr parses ss's "127.0.0.1:80", "[::1]:80", "*:80" (the
// dual-stack wildcard) and "0.0.0.0:*".
func parseSSAddr(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, errors.New("bad ss address " + s)
	}
	host, port := strings.Trim(s[:i], "[]"), s[i+1:]
	if host == "*" {
		host = "::"
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var n uint64
	if port != "*" {
		if n, err = strconv.ParseUint(port, 10, 16); err != nil {
			return netip.AddrPort{}, err
		}
	}
	return netip.AddrPortFrom(addr, uint16(n)), nil
}

// atoi returns the number in m[1], or 0 if m has no match.
func atoi(m []string) uint64 {
	if len(m) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// envLeakTest turns TestIntegrationLeakHelper on: "fail" or "hang".
const envLeakTest = "SOCKSCOPE_TESTUTIL_LEAKTEST"

// TestIntegrationLeakHelper is run by TestIntegrationNoLeaks in a child
// test binary, and skips otherwise. It starts a population, prints the
// namespace and the PIDs to watch, waits for its stdin to close, and then
// fails ("fail") or hangs until it is killed ("hang").
func TestIntegrationLeakHelper(t *testing.T) {
	mode := os.Getenv(envLeakTest)
	if mode == "" {
		t.Skip("run by TestIntegrationNoLeaks")
	}
	ns := NewNetNS(t)
	p := StartPopulation(t, ns)
	line := ns.Name
	for _, e := range p.Expected {
		for _, o := range e.Owners {
			line += " " + strconv.Itoa(int(o.Info.PID))
		}
	}
	if _, err := os.Stdout.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	if mode == "hang" {
		time.Sleep(CommandTimeout) // killed long before
	}
	t.Fatal("failing on purpose")
}

// TestIntegrationNoLeaks runs a population in a test that fails and in one
// whose binary is killed, and checks that no process outlives them and that
// the namespace is deleted: at once, or by the next NewNetNS when the
// binary was killed.
func TestIntegrationNoLeaks(t *testing.T) {
	RequireRoot(t)
	// The killed helper's orphans come to this process, to be reaped here,
	// not to an init that may leave them zombies.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	for _, mode := range []string{"fail", "hang"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestIntegrationLeakHelper$")
			cmd.Env = append(os.Environ(), envLeakTest+"="+mode)
			cmd.Stderr = os.Stderr
			stdin, line := StartHelper(t, cmd)
			defer cmd.Process.Kill()
			f := strings.Fields(line)
			name, pids := f[0], f[1:]
			var watch []int // pidfds, taken while the helper keeps the processes alive
			for _, p := range pids {
				pid, _ := strconv.Atoi(p)
				fd, err := unix.PidfdOpen(pid, 0)
				if err != nil {
					t.Fatalf("pidfd_open %d: %v", pid, err)
				}
				watch = append(watch, fd)
				defer unix.Close(fd)
			}
			if mode == "hang" {
				cmd.Process.Kill()
			}
			stdin.Close()
			if err := cmd.Wait(); err == nil {
				t.Fatal("helper test passed, want it to fail or be killed")
			}
			for i, fd := range watch {
				if err := waitFD(fd, unix.POLLIN); err != nil {
					t.Errorf("process %s still runs: %v", pids[i], err)
					continue
				}
				_ = unix.Waitid(unix.P_PIDFD, fd, nil, unix.WEXITED, nil) // ECHILD unless orphaned to us
			}
			if mode == "hang" {
				removeStale(t)
			}
			if _, err := os.Stat(netnsDir + "/" + name); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("namespace %s still exists (%v)", name, err)
				_, _ = runIP("netns", "del", name)
			}
			var dirs []string
			for _, parent := range []string{os.TempDir(), "."} { // "." for a setuidDir fallback
				found, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf("%s%d-*", netnsPrefix, cmd.Process.Pid)))
				dirs = append(dirs, found...)
			}
			for _, d := range dirs {
				t.Errorf("directory %s still exists", d)
				os.RemoveAll(d)
			}
		})
	}
}
