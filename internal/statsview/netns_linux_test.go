package statsview

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestCountersMoveInNetNS makes loopback traffic in a network namespace
// of its own, where nothing else runs, and checks that Tcp ActiveOpens and
// Udp NoPorts move by exactly what it did. Needs root (skips otherwise).
func TestCountersMoveInNetNS(t *testing.T) {
	ns := testutil.NewNetNS(t)
	const conns, datagrams = 5, 3
	err := ns.Do(func() error {
		before, err := netstats.Read("")
		if err != nil {
			return fmt.Errorf("reading counters: %w", err)
		}
		if err := dialLoopback(conns); err != nil {
			return err
		}
		if err := sendToClosedPort(datagrams); err != nil {
			return err
		}
		want := map[string]int64{"Tcp ActiveOpens": conns, "Udp NoPorts": datagrams}
		// Loopback delivery may finish in a softirq just after the send
		// returns: wait a little for the counters, then demand exact moves.
		var moved map[string]int64
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			after, err := netstats.Read("")
			if err != nil {
				return fmt.Errorf("reading counters: %w", err)
			}
			r := netstats.Delta(before, after)
			moved = map[string]int64{}
			done := true
			for k, w := range want {
				g, n := splitRef(k)
				rt, ok := r.Get(g, n)
				if !ok {
					return fmt.Errorf("no counter %s", k)
				}
				moved[k] = rt.Delta
				done = done && rt.Delta >= w
			}
			if done || time.Now().After(deadline) {
				break
			}
		}
		for k, w := range want {
			if moved[k] != w {
				return fmt.Errorf("%s moved by %d, want exactly %d", k, moved[k], w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func splitRef(ref string) (group, name string) {
	for i := range ref {
		if ref[i] == ' ' {
			return ref[:i], ref[i+1:]
		}
	}
	return ref, ""
}

// dialLoopback opens n TCP connections to a listener on 127.0.0.1 and
// closes them: n active opens.
func dialLoopback(n int) error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		for range n {
			c, err := ln.Accept()
			if err != nil {
				accepted <- err
				return
			}
			c.Close()
		}
		accepted <- nil
	}()
	for range n {
		c, err := net.DialTimeout("tcp4", ln.Addr().String(), 5*time.Second)
		if err != nil {
			return err
		}
		c.Close()
	}
	select {
	case err := <-accepted:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("accepting %d connections timed out", n)
	}
}

// sendToClosedPort sends n datagrams to a port of 127.0.0.1 that nothing
// listens on, from an unconnected socket (a connected one would see the
// ICMP port unreachable as an error and stop).
func sendToClosedPort(n int) error {
	// Find a free port: bind, note it, close.
	probe, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	dst := probe.LocalAddr().(*net.UDPAddr)
	probe.Close()
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer src.Close()
	for range n {
		if _, err := src.WriteToUDP([]byte("sockscope"), dst); err != nil {
			return err
		}
	}
	return nil
}
