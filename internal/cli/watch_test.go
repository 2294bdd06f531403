package cli

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestWatchFilterLine checks the filter line's predicate: what the
// expression says, state clauses and family prefixes included, and a
// malformed expression's one-line error naming the token.
func TestWatchFilterLine(t *testing.T) {
	w := &watcher{f: &Factory{}, req: &listRequest{}}
	w.base.Filter.Protos = sockets.AllProtos
	sock := func(st sockets.State, local, remote string) *sockets.Socket {
		return &sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: st,
			Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
	}
	estab := sock(sockets.Established, "10.0.0.1:40000", "10.0.0.2:443")
	tw := sock(sockets.TimeWait, "10.0.0.1:40001", "10.0.0.2:443")
	listen := sock(sockets.Listen, "0.0.0.0:80", "0.0.0.0:0")
	for _, c := range []struct {
		expr string
		want [3]bool // estab, tw, listen
	}{
		{"", [3]bool{true, true, true}},
		{"dport = :443", [3]bool{true, true, false}},
		{"state time-wait", [3]bool{false, true, false}},
		{"exclude time-wait dport = :443", [3]bool{true, false, false}},
		{"state listening", [3]bool{false, false, true}},
		{"dst inet6:[::/0]", [3]bool{false, false, false}},
	} {
		pred, err := w.compile(c.expr)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		got := [3]bool{pred(estab), pred(tw), pred(listen)}
		if got != c.want {
			t.Errorf("%q: passes (estab, time-wait, listen) %v, want %v", c.expr, got, c.want)
		}
		if w.pending == nil {
			t.Errorf("%q: the next poll's query was not changed", c.expr)
		}
		w.pending = nil
	}
	if _, err := w.compile("dport = = 1"); err == nil {
		t.Error("a malformed expression compiled")
	} else if msg := err.Error(); msg == "" || len(msg) > 200 {
		t.Errorf("error %q", msg)
	}
}

// TestWatchRequest checks watch's own flags: the colour as a modern table
// at a terminal decides it, the interval's floor, the formats, and that
// kill needs something that chooses.
func TestWatchRequest(t *testing.T) {
	if r := mustParse(t, "watch"); !r.Watch.Color || r.Watch.Interval != time.Second {
		t.Errorf("watch: color %v interval %v, want colour and 1s", r.Watch.Color, r.Watch.Interval)
	}
	if r := mustParse(t, "watch", "--color=never"); r.Watch.Color {
		t.Error("--color=never coloured")
	}
	if r := mustParse(t, "watch", "-t", "--interval", "2s", "dport = :443"); r.Watch.Expr != "dport = :443" || r.Watch.Interval != 2*time.Second {
		t.Errorf("expression %q interval %v", r.Watch.Expr, r.Watch.Interval)
	}
	for _, args := range [][]string{
		{"watch", "--color=sometimes"},
		{"watch", "--interval", "10ms"},
		{"watch", "--format", "csv"},
		{"watch", "-b"},
		{"kill"},
		{"kill", "-t"},
		{"kill", "--format", "csv", "dport = :1"},
	} {
		if _, err := parse(t, false, args...); !IsUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
