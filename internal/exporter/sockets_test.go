package exporter

import (
	"fmt"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
)

// TestListenersBounded: beyond the bound, the listeners with the fewest
// connections are summed into one "other" listener, their connections
// and queues included.
func TestListenersBounded(t *testing.T) {
	var socks []sockets.Socket
	for i := range 5 {
		port := 8000 + i
		l := sock(sockets.Listen, fmt.Sprintf("0.0.0.0:%d", port), "0.0.0.0:0", proc(1, "srv"))
		l.RecvQ, l.SendQ = 1, 10
		socks = append(socks, l)
		// Listener i has i connections.
		for j := range i {
			socks = append(socks, sock(sockets.Established, fmt.Sprintf("10.0.0.1:%d", port), fmt.Sprintf("10.0.0.2:%d", 40000+j)))
		}
	}
	st := countSockets(socks, statsOptions{listeners: 2})
	if len(st.listeners) != 3 {
		t.Fatalf("%d listener series, want 2 and other", len(st.listeners))
	}
	for i, want := range []struct {
		addr, port string
		est        int
		queue      uint64
	}{{"0.0.0.0", "8003", 3, 1}, {"0.0.0.0", "8004", 4, 1}, {"other", "other", 0 + 1 + 2, 3}} {
		l := st.listeners[i]
		addr, port := l.labels()
		if addr != want.addr || port != want.port || l.conns[sockets.Established] != want.est || l.queue != want.queue || (l.other && l.backlog != 30) {
			t.Errorf("listener %d: %s:%s est %d queue %d backlog %d, want %+v", i, addr, port, l.conns[sockets.Established], l.queue, l.backlog, want)
		}
	}
}

// TestListenerMatch: a connection belongs to the listener on its own
// address first, then the wildcard of its family, then (IPv4) the IPv6
// wildcard; the same port in another namespace is another listener.
func TestListenerMatch(t *testing.T) {
	socks := []sockets.Socket{
		sock(sockets.Listen, "127.0.0.1:80", "0.0.0.0:0"),
		sock(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0"),
		sock(sockets.Listen, "[::]:443", "[::]:0"),
		sock(sockets.Established, "127.0.0.1:80", "127.0.0.1:5000"),
		sock(sockets.Established, "10.0.0.1:80", "10.0.0.2:5000"),
		sock(sockets.CloseWait, "10.0.0.1:443", "10.0.0.2:5001"),
		sock(sockets.Established, "[2001:db8::1]:443", "[2001:db8::2]:5002"),
		sock(sockets.Established, "10.0.0.1:5003", "10.0.0.2:80"), // a client: no listener
	}
	other := sock(sockets.Established, "10.0.0.1:80", "10.0.0.2:6000")
	other.NetNS = 7
	socks = append(socks, other)
	st := countSockets(socks, statsOptions{byNS: true, listeners: 100, ephemeral: summary.PortRange{Low: 5000, High: 6000}})
	got := map[string]string{}
	for _, l := range st.listeners {
		addr, port := l.labels()
		got[addr+":"+port] = fmt.Sprintf("est %d cw %d", l.conns[sockets.Established], l.conns[sockets.CloseWait])
	}
	want := map[string]string{"127.0.0.1:80": "est 1 cw 0", "0.0.0.0:80": "est 1 cw 0", ":::443": "est 1 cw 1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listeners %v, want %v", got, want)
	}
	if n := st.ephemeral[protoNS{0, sockets.TCP}]; n != 1 {
		t.Errorf("%d ephemeral ports in use, want 1 (5003; 5000 is a remote port)", n)
	}
}

// TestProgramsBounded: the top programs by sockets keep their series,
// the others are summed per namespace into "other"; a socket two
// processes of one program hold counts once.
func TestProgramsBounded(t *testing.T) {
	a1, a2, b, c := proc(1, "a"), proc(2, "a"), proc(3, "b"), proc(4, "c")
	socks := []sockets.Socket{
		sock(sockets.Established, "10.0.0.1:1", "10.0.0.2:1", a1, a2),
		sock(sockets.CloseWait, "10.0.0.1:2", "10.0.0.2:1", a1),
		sock(sockets.Established, "10.0.0.1:3", "10.0.0.2:1", b),
		sock(sockets.CloseWait, "10.0.0.1:4", "10.0.0.2:1", c),
		sock(sockets.TimeWait, "10.0.0.1:5", "10.0.0.2:1"),
	}
	st := countSockets(socks, statsOptions{top: 1})
	if len(st.programs) != 2 || st.programs[0].key.name != "a" || st.programs[1].key.name != OtherProgram {
		t.Fatalf("programs %v", st.programs)
	}
	if a := st.programs[0]; a.total != 2 || a.counts[protoState{sockets.TCP, sockets.Established}] != 1 {
		t.Errorf("a: %+v", a)
	}
	if o := st.programs[1]; o.total != 2 || o.counts[protoState{sockets.TCP, sockets.CloseWait}] != 1 {
		t.Errorf("other: %+v", o)
	}
}

// TestConnCounters: events are counted by program and direction, closes
// by program, failures by port; past the bound, new programs count as
// "other".
func TestConnCounters(t *testing.T) {
	c := NewConnCounters()
	c.Add("connect", "curl", 443)
	c.Add("connect", "curl", 443)
	c.Add("accept", "nginx", 50000)
	c.Add("close", "curl", 443)
	c.Add("fail", "curl", 8443)
	c.Add("state", "curl", 443)
	for i := range maxConnLabels + 5 {
		c.Add("connect", fmt.Sprintf("p%d", i), 1)
	}
	if c.opened[connKey{"curl", "outgoing"}] != 2 || c.opened[connKey{"nginx", "incoming"}] != 1 ||
		c.closed["curl"] != 1 || c.failed["8443"] != 1 {
		t.Errorf("counts: %+v %+v %+v", c.opened, c.closed, c.failed)
	}
	if n := c.opened[connKey{OtherProgram, "outgoing"}]; n != 7 { // 105 new programs, 98 of them kept
		t.Errorf("other: %d, want 7", n)
	}
	if len(c.programs) != maxConnLabels {
		t.Errorf("%d programs kept, want %d", len(c.programs), maxConnLabels)
	}
}
