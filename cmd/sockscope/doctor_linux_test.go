package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/testutil"
)

// doctorReport is the part of doctor's JSON the scenarios check.
type doctorReport struct {
	Schema  int `json:"schema"`
	Checked struct {
		Sockets   int  `json:"sockets"`
		Processes int  `json:"processes"`
		Counters  bool `json:"counters"`
	} `json:"checked"`
	Worst    string          `json:"worst"`
	Findings []doctorFinding `json:"findings"`
}

type doctorFinding struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Subject   string `json:"subject"`
	Processes []struct {
		PID  int    `json:"pid"`
		Name string `json:"name"`
		Exe  string `json:"exe"`
	} `json:"processes"`
}

// doctorIn runs doctor over a two-second window inside ns, with extra
// arguments, and returns its report, its output and its exit status.
func doctorIn(t *testing.T, bin string, ns *testutil.NetNS, extra ...string) (*doctorReport, []byte, int) {
	t.Helper()
	args := append([]string{"doctor", "--window", "2s", "--format", "json"}, extra...)
	stdout, stderr, code := run(t, ns.Command(bin, args...))
	if len(stderr) > 0 {
		t.Logf("stderr:\n%s", stderr)
	}
	var rep doctorReport
	if err := json.Unmarshal(stdout, &rep); err != nil {
		t.Fatalf("doctor's JSON: %v (exit status %d)\noutput:\n%s\nstderr:\n%s", err, code, stdout, stderr)
	}
	if rep.Schema != 1 {
		t.Errorf("schema %d, want 1", rep.Schema)
	}
	return &rep, stdout, code
}

// checkDoctor checks a scenario's report: the exit status, a finding of
// rule (with severity, when not "") naming pid as its first process, and
// no finding of a rule outside rule and allowed (a false positive). An
// empty rule expects no finding at all.
func checkDoctor(t *testing.T, rep *doctorReport, out []byte, code, wantCode int, rule, severity string, pid int, allowed ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit status %d, want %d", code, wantCode)
	}
	found := false
	for _, f := range rep.Findings {
		var pids []int
		for _, p := range f.Processes {
			pids = append(pids, p.PID)
		}
		t.Logf("finding %s (%s): %s, pids %v", f.Rule, f.Severity, f.Subject, pids)
		if f.Rule == rule {
			if severity != "" && f.Severity != severity {
				t.Errorf("%s is %s, want %s", rule, f.Severity, severity)
			}
			if len(f.Processes) > 0 && f.Processes[0].PID == pid {
				found = true
			}
			continue
		}
		if !slices.Contains(allowed, f.Rule) {
			t.Errorf("unexpected finding %s (%s): %s", f.Rule, f.Severity, f.Subject)
		}
	}
	if rule != "" && !found {
		t.Errorf("no %s finding naming pid %d", rule, pid)
	}
	if t.Failed() {
		t.Logf("doctor's output:\n%s", out)
	}
}

// connectRaw starts n non-blocking connections to addr:port from inside
// ns and returns their descriptors (closed when the test ends): they stay
// in SYN_SENT as long as nothing answers.
func connectRaw(t *testing.T, ns *testutil.NetNS, addr [4]byte, port, n int) []int {
	t.Helper()
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	err := ns.Do(func() error {
		for range n {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			fds = append(fds, fd)
			if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: addr, Port: port}); err != nil && !errors.Is(err, unix.EINPROGRESS) {
				return fmt.Errorf("connect: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fds
}

// listenAllIn listens on 0.0.0.0:port inside ns, held by this process.
func listenAllIn(t *testing.T, ns *testutil.NetNS, port int) net.Listener {
	t.Helper()
	return listenAt(t, ns, fmt.Sprintf("0.0.0.0:%d", port))
}

// listenAt listens on addr (IPv4) inside ns, held by this process, until
// the test ends.
func listenAt(t *testing.T, ns *testutil.NetNS, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp4", addr)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// busyboxCopy copies busybox into a new directory under parent and returns
// its path; the directory is removed when the test ends. Without busybox
// the test is skipped (failed when SOCKSCOPE_PODMAN=require, as in CI,
// which installs busybox-static).
func busyboxCopy(t *testing.T, parent string) string {
	t.Helper()
	var src string
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			src = p
			break
		}
	}
	if src == "" {
		if os.Getenv("SOCKSCOPE_PODMAN") == "require" {
			t.Fatal("needs busybox (Debian package busybox-static) and SOCKSCOPE_PODMAN=require")
		}
		t.Skip("needs busybox (Debian package busybox-static); SOCKSCOPE_PODMAN=require makes this a failure")
	}
	dir, err := os.MkdirTemp(parent, "sockscope-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "busybox")
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// startNC runs "busybox nc -l -p port" from the copy exe inside ns, waits
// until it listens and returns it; it is killed when the test ends.
func startNC(t *testing.T, ns *testutil.NetNS, exe string, port int) *exec.Cmd {
	t.Helper()
	cmd := ns.Command(exe, "nc", "-l", "-p", fmt.Sprint(port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if !listensOn(cmd.Process.Pid, port) {
		t.Fatalf("busybox nc (pid %d) does not listen on port %d; stderr:\n%s", cmd.Process.Pid, port, stderr.Bytes())
	}
	return cmd
}

// listensOn waits up to ten seconds for a TCP listener on port, on any
// address, in the network namespace of pid (/proc/PID/net/tcp and tcp6).
func listensOn(pid, port int) bool {
	suffix := fmt.Sprintf(":%04X", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, file := range []string{"tcp", "tcp6"} {
			f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, file))
			if err != nil {
				return false
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				fields := strings.Fields(sc.Text())
				// sl local_address rem_address st ...; 0A is LISTEN.
				if len(fields) > 3 && strings.HasSuffix(fields[1], suffix) && fields[3] == "0A" {
					f.Close()
					return true
				}
			}
			f.Close()
		}
	}
	return false
}

// rawListener listens on 127.0.0.1 inside ns with the given backlog,
// which the net package would not let a test choose, and returns the
// descriptor (closed when the test ends) and the port.
func rawListener(t *testing.T, ns *testutil.NetNS, backlog int) (fd, port int) {
	t.Helper()
	fd = -1
	err := ns.Do(func() error {
		var err error
		if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if err := unix.Listen(fd, backlog); err != nil {
			return err
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			return err
		}
		port = sa.(*unix.SockaddrInet4).Port
		return nil
	})
	if fd >= 0 {
		t.Cleanup(func() { unix.Close(fd) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return fd, port
}

// waitQueued waits up to five seconds for n connections in the accept
// queue of listener fd (a listener's tcpi_unacked is its queue).
func waitQueued(t *testing.T, fd int, n uint32) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			t.Fatal(err)
		}
		if info.Unacked >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("accept queue holds %d connections after 5s, want %d", info.Unacked, n)
		}
	}
}

// knownDefect fails the test when the report shows a defect doctor's
// rules once had (what: the fix), with the output to see why; a report
// without it is checked as usual.
func knownDefect(t *testing.T, rep *doctorReport, out []byte, what string, shows func(*doctorReport) bool) {
	t.Helper()
	if shows(rep) {
		t.Fatalf("doctor lacks %s again; its output:\n%s", what, out)
	}
}

// hasRule reports whether rep has a finding of rule.
func hasRule(rep *doctorReport, rule string) bool {
	return slices.ContainsFunc(rep.Findings, func(f doctorFinding) bool { return f.Rule == rule })
}

// waitComm waits up to ten seconds for process pid to be named name: ip
// netns exec has then become the program it runs.
func waitComm(t *testing.T, pid int, name string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(comm)) == name {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d is %q after 10s, want %s", pid, comm, name)
		}
	}
}

// TestIntegrationDoctor sets up, each in a namespace of its own, what each
// of doctor's rules is about (a CLOSE_WAIT leak, a full accept queue, an
// exhausted ephemeral range, a shell on a socket, a deleted or temporary
// executable, an exposed database port, unanswered SYNs) and checks that
// doctor names that rule, the process behind it and the exit status, and
// nothing else; and that a namespace with ordinary traffic gives no
// finding at all.
func TestIntegrationDoctor(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	self := os.Getpid()

	t.Run("close-wait-leak", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		ln, err := listenIn(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		for range 5 {
			client, server := connectIn(t, ns.Path, ln)
			defer server.Close()
			client.Close()
			// The client's FIN has arrived once the server reads EOF:
			// the server's side is then in CLOSE_WAIT.
			server.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := server.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("reading the closed connection: %v, want EOF", err)
			}
		}
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 3, "close-wait-leak", "warning", self)
	})

	t.Run("accept-queue-full", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		lfd, port := rawListener(t, ns, 1)
		connectRaw(t, ns, [4]byte{127, 0, 0, 1}, port, 4)
		// A backlog of 1 queues two connections (the kernel refuses
		// beyond backlog+1).
		waitQueued(t, lfd, 2)
		// The SYNs dropped for the full queue are sent again within
		// the window (ListenOverflows rises): critical.
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 4, "accept-queue-full", "critical", self, "syn-sent-stuck")
	})

	t.Run("ephemeral-ports", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// The net sysctls are the namespace's of the thread that
		// opens them.
		err := ns.Do(func() error {
			return os.WriteFile("/proc/sys/net/ipv4/ip_local_port_range", []byte("40000 40009"), 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		ln := listenAt(t, ns, "127.0.0.1:8080")
		for range 10 {
			client, server := connectIn(t, ns.Path, ln)
			defer client.Close()
			defer server.Close()
		}
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 4, "ephemeral-ports", "critical", self)
	})

	t.Run("shell-socket", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		ln, err := listenIn(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		client, server := connectIn(t, ns.Path, ln)
		defer client.Close()
		defer server.Close()
		f, err := server.File()
		if err != nil {
			t.Fatal(err)
		}
		cmd := ns.Command("sh", "-c", "read x; sleep 60")
		cmd.Stdin = f
		err = cmd.Start()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		pid := cmd.Process.Pid
		waitComm(t, pid, "sh")
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 4, "shell-socket", "critical", pid)
	})

	t.Run("deleted-exe", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// Not a temporary directory: that is temp-exe's finding.
		exe := busyboxCopy(t, "/var/cache")
		cmd := startNC(t, ns, exe, 7777)
		if err := os.Remove(exe); err != nil {
			t.Fatal(err)
		}
		// unpackaged-listener is information only (no effect on the
		// exit status), and depends on the package database.
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 3, "deleted-exe", "warning", cmd.Process.Pid, "unpackaged-listener")
	})

	t.Run("temp-exe", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		exe := busyboxCopy(t, "/dev/shm")
		cmd := ns.Command(exe, "true")
		if out, err := cmd.CombinedOutput(); err != nil {
			if errors.Is(err, os.ErrPermission) || bytes.Contains(out, []byte("ermission denied")) {
				t.Skipf("cannot run programs from /dev/shm here (mounted noexec?): %v %s", err, out)
			}
			t.Fatalf("running %s: %v\n%s", exe, err, out)
		}
		cmd = startNC(t, ns, exe, 7778)
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 4, "temp-exe", "critical", cmd.Process.Pid, "unpackaged-listener")
	})

	t.Run("exposed-service", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		listenAllIn(t, ns, 5432)
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 3, "exposed-service", "warning", self)

		// A monitoring plugin's status for a warning is 1.
		stdout, _, code := run(t, ns.Command(bin, "doctor", "--window", "0s", "--nagios"))
		if code != 1 || !strings.HasPrefix(string(stdout), "SOCKSCOPE WARNING - ") {
			t.Errorf("--nagios: exit status %d, want 1, and output starting %q:\n%s", code, "SOCKSCOPE WARNING - ", stdout)
		}
	})

	t.Run("syn-sent-stuck", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// A dummy interface takes the SYNs and drops them: no answer,
		// no error (it does no ARP), as a filtered peer. Where the
		// kernel has no dummy driver, an ifb (which drops what it is not
		// redirected) or a tun no program reads do the same.
		ip := func(args ...string) error {
			out, err := exec.Command("ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return nil
		}
		var errs []error
		for _, add := range [][]string{
			{"link", "add", "d0", "type", "dummy"},
			{"link", "add", "d0", "type", "ifb"},
			{"tuntap", "add", "dev", "d0", "mode", "tun"},
		} {
			err := ip(add...)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err)
		}
		if errs != nil {
			t.Fatal(errors.Join(errs...))
		}
		if err := ip("addr", "add", "10.99.0.1/24", "dev", "d0"); err != nil {
			t.Fatal(err)
		}
		if err := ip("link", "set", "d0", "up"); err != nil {
			t.Fatal(err)
		}
		connectRaw(t, ns, [4]byte{10, 99, 0, 2}, 80, 3)
		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 3, "syn-sent-stuck", "warning", self)
	})

	// The scenarios below showed defects of the rules, since mended:
	// each fails, naming the defect, if doctor shows it again, and
	// checks the right answer.

	t.Run("accept-queue-backlog-0", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// listen(fd, 0) queues one connection: the kernel's queue is
		// full when it holds more than the backlog.
		lfd, port := rawListener(t, ns, 0)
		connectRaw(t, ns, [4]byte{127, 0, 0, 1}, port, 3)
		waitQueued(t, lfd, 1)
		rep, out, code := doctorIn(t, bin, ns)
		knownDefect(t, rep, out, "accept-queue-full to find a full queue of backlog 0 (Send-Q 0, Recv-Q 1: full is Recv-Q > backlog)",
			func(r *doctorReport) bool { return !hasRule(r, "accept-queue-full") && hasRule(r, "listen-drops") })
		checkDoctor(t, rep, out, code, 4, "accept-queue-full", "critical", self, "syn-sent-stuck")
	})

	t.Run("listener-on-shell-stdin", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// inetd's "wait" services and systemd's StandardInput=socket
		// get their listening socket as standard input; nobody can
		// send a shell commands through a listener.
		ln, err := listenIn(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		f, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		sh := ns.Command("sh", "-c", "sleep 60; true")
		sh.Stdin = f
		err = sh.Start()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sh.Process.Kill()
			sh.Wait()
		}()
		waitComm(t, sh.Process.Pid, "sh")
		rep, out, code := doctorIn(t, bin, ns)
		knownDefect(t, rep, out, "shell-socket to look only at connected sockets (a listener on a shell's fd 0 is inetd's way)",
			func(r *doctorReport) bool { return hasRule(r, "shell-socket") })
		checkDoctor(t, rep, out, code, 0, "", "", 0)
	})

	t.Run("journal-on-shell-stdout", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// systemd connects every service's standard output and error
		// to journald through a Unix stream socket: a shell script
		// or interpreter run as a service has a socket on fd 1 and 2.
		var pair [2]int
		err := ns.Do(func() error {
			var err error
			pair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		journal := os.NewFile(uintptr(pair[0]), "journal")
		defer journal.Close()
		stdout := os.NewFile(uintptr(pair[1]), "stdout")
		sh := ns.Command("sh", "-c", "sleep 60; true")
		sh.Stdout, sh.Stderr = stdout, stdout
		err = sh.Start()
		stdout.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sh.Process.Kill()
			sh.Wait()
		}()
		waitComm(t, sh.Process.Pid, "sh")
		// -x: the Unix sockets too.
		rep, out, code := doctorIn(t, bin, ns, "-x")
		knownDefect(t, rep, out, "shell-socket to leave Unix sockets alone (systemd's journal stream on a service's stdout)",
			func(r *doctorReport) bool { return hasRule(r, "shell-socket") })
		checkDoctor(t, rep, out, code, 0, "", "", 0)
		if rep.Checked.Sockets < 2 {
			t.Errorf("checked %d sockets, want the socket pair", rep.Checked.Sockets)
		}
	})

	t.Run("ephemeral-time-wait-reusable", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// tcp_tw_reuse 2 (the kernel's default) lets connect() take
		// the port of a TIME_WAIT connection to a loopback address
		// (a second after it): a range full of those is not used up.
		err := ns.Do(func() error {
			if err := os.WriteFile("/proc/sys/net/ipv4/ip_local_port_range", []byte("40000 40009"), 0o644); err != nil {
				return err
			}
			return os.WriteFile("/proc/sys/net/ipv4/tcp_tw_reuse", []byte("2"), 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		ln := listenAt(t, ns, "127.0.0.1:8080")
		// The client closes first: its side, in the range, waits.
		for range 10 {
			client, server := connectIn(t, ns.Path, ln)
			client.Close()
			server.Close()
		}
		rep, out, code := doctorIn(t, bin, ns)
		// The range is not used up: ten more connections get a port.
		for i := range 10 {
			err := ns.Do(func() error {
				c, err := net.Dial("tcp4", "127.0.0.1:8080")
				if err != nil {
					return err
				}
				defer c.Close()
				s, err := ln.Accept()
				if err != nil {
					return err
				}
				return s.Close()
			})
			if err != nil {
				t.Skipf("connection %d with the range in TIME_WAIT: %v; this kernel does not reuse them, and the finding is right", i+1, err)
			}
		}
		knownDefect(t, rep, out, "ephemeral-ports to leave out the TIME_WAIT connections connect() may reuse (tcp_tw_reuse 1, or 2 to a loopback address)",
			func(r *doctorReport) bool { return hasRule(r, "ephemeral-ports") })
		checkDoctor(t, rep, out, code, 0, "", "", 0)
	})

	t.Run("healthy", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		ln, err := listenIn(ns.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		defer wg.Wait()
		defer close(stop)
		// Connections that talk back and forth through the window.
		for range 3 {
			client, server := connectIn(t, ns.Path, ln)
			defer client.Close()
			defer server.Close()
			wg.Add(2)
			go func() {
				defer wg.Done()
				buf := make([]byte, 64)
				for {
					n, err := server.Read(buf)
					if err != nil {
						return
					}
					if _, err := server.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
			go func() {
				defer wg.Done()
				buf := make([]byte, 4)
				for {
					select {
					case <-stop:
						client.CloseWrite()
						return
					case <-time.After(100 * time.Millisecond):
					}
					if _, err := client.Write([]byte("ping")); err != nil {
						return
					}
					if _, err := io.ReadFull(client, buf); err != nil {
						return
					}
				}
			}()
		}
		// Connections opened and closed cleanly, before and during the
		// window.
		for range 3 {
			client, server := connectIn(t, ns.Path, ln)
			client.Close()
			server.Close()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(300 * time.Millisecond):
				}
				ns.Do(func() error {
					c, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						return err
					}
					defer c.Close()
					s, err := ln.Accept()
					if err != nil {
						return err
					}
					return s.Close()
				})
			}
		}()
		// Datagrams back and forth, a connection over IPv6, a service
		// on every address of an ordinary port.
		var udpSrv, udpCli *net.UDPConn
		var ln6 net.Listener
		err = ns.Do(func() error {
			var err error
			if udpSrv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
				return err
			}
			if udpCli, err = net.DialUDP("udp4", nil, udpSrv.LocalAddr().(*net.UDPAddr)); err != nil {
				return err
			}
			ln6, err = net.Listen("tcp6", "[::1]:0")
			return err
		})
		if udpSrv != nil {
			defer udpSrv.Close()
		}
		if udpCli != nil {
			defer udpCli.Close()
		}
		if ln6 != nil {
			defer ln6.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		client6, server6 := connectIn(t, ns.Path, ln6)
		defer client6.Close()
		defer server6.Close()
		listenAllIn(t, ns, 8080)
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for {
				n, from, err := udpSrv.ReadFromUDP(buf)
				if err != nil {
					return
				}
				udpSrv.WriteToUDP(buf[:n], from)
			}
		}()
		go func() {
			defer wg.Done()
			defer udpSrv.Close()
			buf := make([]byte, 64)
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				udpCli.Write([]byte("ping"))
				udpCli.SetReadDeadline(time.Now().Add(time.Second))
				udpCli.Read(buf)
			}
		}()
		// A shell handed a listening socket as fd 3, as socket
		// activation does: not on its standard input or output.
		lnFile, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		sh := ns.Command("sh", "-c", "read x")
		sh.ExtraFiles = []*os.File{lnFile}
		shIn, err := sh.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		err = sh.Start()
		lnFile.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sh.Process.Kill()
			sh.Wait()
		}()
		defer shIn.Close()
		waitComm(t, sh.Process.Pid, "sh")

		rep, out, code := doctorIn(t, bin, ns)
		checkDoctor(t, rep, out, code, 0, "", "", 0)
		// Nothing found must be for having looked: at the sockets
		// above, this process's and the shell's, and the counters.
		if c := rep.Checked; c.Sockets < 12 || c.Processes < 2 || !c.Counters {
			t.Errorf("checked %d sockets of %d processes, counters %v; want at least 12 of 2, with counters", c.Sockets, c.Processes, c.Counters)
		}
	})

	t.Run("nagios-critical", func(t *testing.T) {
		ns := testutil.NewNetNS(t)
		// Redis takes commands without a password by default: on every
		// address it is critical.
		listenAllIn(t, ns, 6379)
		stdout, stderr, code := run(t, ns.Command(bin, "doctor", "--window", "2s", "--nagios"))
		first, _, _ := strings.Cut(string(stdout), "\n")
		if code != 2 {
			t.Errorf("exit status %d, want 2", code)
		}
		if !strings.HasPrefix(first, "SOCKSCOPE CRITICAL - ") {
			t.Errorf("first line %q, want it to start %q", first, "SOCKSCOPE CRITICAL - ")
		}
		if t.Failed() {
			t.Logf("output:\n%s\nstderr:\n%s", stdout, stderr)
		}
	})
}
