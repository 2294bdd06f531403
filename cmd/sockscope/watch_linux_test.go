package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/testutil"
)

// watchEvent is what the test reads of an NDJSON event.
type watchEvent struct {
	Event   string `json:"event"`
	Initial bool   `json:"initial"`
	Seq     int    `json:"seq"`
	From    string `json:"from"`
	Socket  struct {
		State string `json:"state"`
		Local struct {
			Port int `json:"port"`
		} `json:"local"`
		Remote struct {
			Port int `json:"port"`
		} `json:"remote"`
		Processes []struct {
			PID int `json:"pid"`
		} `json:"processes"`
	} `json:"socket"`
}

// key describes an event for comparison: kind, ports, state (from>to).
func (e watchEvent) key() string {
	k := fmt.Sprintf("%s %d>%d %s", e.Event, e.Socket.Local.Port, e.Socket.Remote.Port, e.Socket.State)
	if e.From != "" {
		k = fmt.Sprintf("%s %d>%d %s>%s", e.Event, e.Socket.Local.Port, e.Socket.Remote.Port, e.From, e.Socket.State)
	}
	return k
}

// TestIntegrationWatchEvents opens and closes connections at known times
// in a namespace of its own while watch --format ndjson runs there, and
// reads exactly their events: the listener as an initial open, each new
// connection's two sockets as opens held by this process, a half-close as
// two state changes, and a reset as two closes.
func TestIntegrationWatchEvents(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	cmd := ns.Command(bin, "watch", "--format", "ndjson", "--interval", "200ms", "-t",
		"sport = :"+strconv.Itoa(port)+" or dport = :"+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	events := make(chan watchEvent, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e watchEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("not an event: %v\n%s", err, sc.Bytes())
				continue
			}
			events <- e
		}
	}()
	me := os.Getpid()
	// expect reads events until it has want (in any order), then for
	// half a second more, and fails on any other.
	expect := func(step string, want ...string) {
		t.Helper()
		var got []string
		deadline := time.After(10 * time.Second)
		quiet := time.After(time.Hour)
		for {
			select {
			case e, ok := <-events:
				if !ok {
					t.Fatalf("%s: watch ended; events so far %q", step, got)
				}
				got = append(got, e.key())
				if e.Event == "open" && (len(e.Socket.Processes) != 1 || e.Socket.Processes[0].PID != me) {
					t.Errorf("%s: %s held by %v, want this process (%d)", step, e.key(), e.Socket.Processes, me)
				}
				if e.Initial != (step == "start") {
					t.Errorf("%s: %s has initial=%v", step, e.key(), e.Initial)
				}
				if len(got) == len(want) {
					quiet = time.After(500 * time.Millisecond)
				}
				continue
			case <-deadline:
			case <-quiet:
			}
			break
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: events\n%q\nwant\n%q", step, got, want)
		}
	}
	expect("start", fmt.Sprintf("open %d>0 LISTEN", port))

	client, server := connectIn(t, ns.Path, ln)
	cport := client.LocalAddr().(*net.TCPAddr).Port
	expect("connect",
		fmt.Sprintf("open %d>%d ESTABLISHED", cport, port),
		fmt.Sprintf("open %d>%d ESTABLISHED", port, cport))

	client.CloseWrite()
	expect("half-close",
		fmt.Sprintf("state %d>%d ESTABLISHED>FIN_WAIT2", cport, port),
		fmt.Sprintf("state %d>%d ESTABLISHED>CLOSE_WAIT", port, cport))

	// A reset takes both sockets out of the tables at once.
	client.SetLinger(0)
	client.Close()
	server.Close()
	expect("reset",
		fmt.Sprintf("close %d>%d FIN_WAIT2", cport, port),
		fmt.Sprintf("close %d>%d CLOSE_WAIT", port, cport))
}

// connectIn connects to ln from inside the namespace at path and accepts
// the connection.
func connectIn(t *testing.T, path string, ln net.Listener) (client, server *net.TCPConn) {
	t.Helper()
	err := netns.DoPath(path, func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		client = c.(*net.TCPConn)
		s, err := ln.Accept()
		server, _ = s.(*net.TCPConn)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}

// TestIntegrationWatchScreen runs the full-screen view in a real terminal
// (tmux) on a namespace of the test's own: a new connection's row turns
// up in green with this process's PID, turns red once it is closed and
// then disappears; a filter typed in the filter line narrows the table,
// and a malformed one is refused in the status line, keeping the last.
func TestIntegrationWatchScreen(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, p := listenerIn(t, ns.Path)
	port := strconv.Itoa(p)
	s := newTmux(t, 200, 50, "ip netns exec "+ns.Name+" "+bin+" watch -t --interval 300ms; echo exit status $?; sleep 600")
	me := strconv.Itoa(os.Getpid())
	listener := func(screen string) string {
		for _, l := range strings.Split(plain(screen), "\n") {
			if strings.Contains(l, "127.0.0.1:"+port+" ") && strings.Contains(l, "LISTEN") {
				return l
			}
		}
		return ""
	}
	s.waitFor("the listener with this process's PID", 10*time.Second, func(screen string) bool {
		return strings.Contains(listener(screen), " "+me+" ")
	})

	client, server := connectIn(t, ns.Path, ln)
	cport := client.LocalAddr().String() + " "
	s.waitFor("the new connection, green, with this process's PID", 5*time.Second, func(screen string) bool {
		l := line(screen, cport)
		return hasColour(colourAt(l, cport), colourGreen) && strings.Contains(plain(l), " "+me+" ")
	})
	client.SetLinger(0)
	client.Close()
	server.Close()
	s.waitFor("the closed connection in red", 5*time.Second, func(screen string) bool {
		return hasColour(colourAt(line(screen, cport), cport), colourRed)
	})
	s.waitFor("the closed connection gone", 5*time.Second, func(screen string) bool {
		return line(screen, cport) == ""
	})

	client, server = connectIn(t, ns.Path, ln)
	defer client.Close()
	defer server.Close()
	cport = client.LocalAddr().String() + " "
	s.waitFor("the second connection", 5*time.Second, func(screen string) bool { return line(screen, cport) != "" })
	s.keys("/")
	s.keys("C-u")
	s.keys("-l", "dport = :"+port)
	s.keys("Enter")
	s.waitFor("the filter: no listener, the client", 5*time.Second, func(screen string) bool {
		return listener(screen) == "" && line(screen, cport) != ""
	})
	s.keys("/")
	s.keys("C-u")
	s.keys("-l", "dport = = 1")
	s.keys("Enter")
	s.waitFor("the malformed filter's error", 5*time.Second, func(screen string) bool {
		return strings.Contains(plain(screen), "(position 8)") // at the second '='
	})
	time.Sleep(700 * time.Millisecond)
	screen := s.capture()
	if listener(screen) != "" || line(screen, cport) == "" {
		t.Errorf("the malformed filter did not keep the last one:\n%s", plain(screen))
	}

	// Close the client from the view (the filter shows only it): the
	// server sees the reset.
	s.keys("k")
	s.waitFor("the close dialog", 5*time.Second, func(screen string) bool {
		return strings.Contains(plain(screen), "Close 1 connection(s)?")
	})
	s.keys("Left") // from Cancel, the default, to Close
	s.keys("Enter")
	s.waitFor("the close result", 5*time.Second, func(screen string) bool {
		return strings.Contains(plain(screen), "1 of 1 connection(s) closed")
	})
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := server.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the peer of the connection closed from the view read %v, want a reset", err)
	}
	s.keys("Enter")
	s.keys("q")
	s.waitFor("the terminal restored after q, exit status 0", 5*time.Second, func(screen string) bool {
		return strings.Contains(plain(screen), "exit status 0") && !strings.Contains(plain(screen), "ESTABLISHED")
	})
}
