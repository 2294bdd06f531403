package cli

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/sockets"
)

// polled is a made-up TCP socket of a snapshot.
func polled(cookie uint64, st sockets.State, local, remote string, pid int32, comm string) sockets.Socket {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: st, Cookie: cookie,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
	if pid != 0 {
		s.Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: pid, Name: comm}}}
	}
	return s
}

// diff is what a Poller reports between two made-up snapshots, matched by
// cookie.
func diff(prev, cur []sockets.Socket) []collect.Change {
	var out []collect.Change
	old := map[uint64]*sockets.Socket{}
	for i := range prev {
		old[prev[i].Cookie] = &prev[i]
	}
	for i := range cur {
		s := &cur[i]
		switch o := old[s.Cookie]; {
		case o == nil:
			out = append(out, collect.Change{Kind: collect.New, Socket: s})
		case o.State != s.State:
			out = append(out, collect.Change{Kind: collect.StateChanged, Socket: s, From: o.State})
		}
		delete(old, s.Cookie)
	}
	for i := range prev {
		if old[prev[i].Cookie] != nil {
			out = append(out, collect.Change{Kind: collect.Gone, Socket: &prev[i]})
		}
	}
	return out
}

// rowText is the fields of a row a test compares, in one line.
func rowText(r history.Row) string {
	return fmt.Sprintf("%s %s %d %s %s %s>%s passive=%t %s>%s %v exe=%s container=%s bytes=%d/%d", r.Time.Format("05"), r.Event, r.PID,
		r.Program, r.Source, r.Local, r.Remote, r.Passive, r.From, r.State, r.Duration, r.Exe, r.Container, r.Sent, r.Received)
}

// TestPollRows: what polling record stores from four made-up snapshots. The
// connections already there at the first get no connect, only their
// close, without a duration; a new connection to a local listener is a
// connect and, its other end, an accept carrying the listener's holder
// (accept(2) has not taken it yet); one in SYN_SENT is connected once it
// is seen established, and one that never is is a failed connect; a
// close comes when the connection is gone or seen in TIME_WAIT, its
// duration from first to last seen; a socket first seen in TIME_WAIT (a
// connection too short for the polls) is not there; every row says it
// comes from polling, is TCP, and carries its owner's exe and container.
func TestPollRows(t *testing.T) {
	facts := func(pid int32, comm string) procFacts {
		f := procFacts{exe: "/usr/bin/" + comm, uid: 1000}
		if comm == "curl" {
			f.container, f.containerID = "web", "0123456789ab"
		}
		return f
	}
	p := newPollRecorder(facts, nil)
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	listener := polled(1, sockets.Listen, "0.0.0.0:8080", "0.0.0.0:0", 10, "srv")
	old := polled(2, sockets.Established, "10.0.0.1:5000", "10.0.0.2:443", 20, "old")
	snaps := [][]sockets.Socket{
		{listener, old},
		{listener, old,
			polled(3, sockets.Established, "127.0.0.1:40000", "127.0.0.1:8080", 30, "curl"),
			polled(4, sockets.Established, "127.0.0.1:8080", "127.0.0.1:40000", 0, ""),
			polled(5, sockets.SynSent, "10.0.0.1:40001", "10.0.0.3:80", 31, "wget"),
			polled(6, sockets.TimeWait, "10.0.0.1:40002", "10.0.0.3:80", 0, ""),
			polled(7, sockets.SynSent, "10.0.0.1:40003", "10.0.0.4:80", 32, "nc")},
		{listener, old,
			polled(3, sockets.Established, "127.0.0.1:40000", "127.0.0.1:8080", 30, "curl"),
			polled(4, sockets.Established, "127.0.0.1:8080", "127.0.0.1:40000", 10, "srv"),
			polled(5, sockets.Established, "10.0.0.1:40001", "10.0.0.3:80", 31, "wget"),
			polled(7, sockets.SynSent, "10.0.0.1:40003", "10.0.0.4:80", 32, "nc")},
		{listener,
			polled(3, sockets.TimeWait, "127.0.0.1:40000", "127.0.0.1:8080", 0, ""),
			polled(5, sockets.Established, "10.0.0.1:40001", "10.0.0.3:80", 31, "wget")},
	}
	want := [][]string{
		nil,
		{
			"01 connect 30 curl poll 127.0.0.1:40000>127.0.0.1:8080 passive=false >ESTABLISHED 0s exe=/usr/bin/curl container=web bytes=-1/-1",
			"01 accept 10 srv poll 127.0.0.1:8080>127.0.0.1:40000 passive=true >ESTABLISHED 0s exe=/usr/bin/srv container= bytes=-1/-1",
		},
		{
			"02 connect 31 wget poll 10.0.0.1:40001>10.0.0.3:80 passive=false >ESTABLISHED 0s exe=/usr/bin/wget container= bytes=-1/-1",
		},
		{
			"03 close 30 curl poll 127.0.0.1:40000>127.0.0.1:8080 passive=false ESTABLISHED>CLOSE 1s exe=/usr/bin/curl container=web bytes=-1/-1",
			"03 close 20 old poll 10.0.0.1:5000>10.0.0.2:443 passive=false ESTABLISHED>CLOSE 0s exe=/usr/bin/old container= bytes=-1/-1",
			"03 close 10 srv poll 127.0.0.1:8080>127.0.0.1:40000 passive=true ESTABLISHED>CLOSE 1s exe=/usr/bin/srv container= bytes=-1/-1",
			"03 fail 32 nc poll 10.0.0.1:40003>10.0.0.4:80 passive=false SYN_SENT>CLOSE 1s exe=/usr/bin/nc container= bytes=-1/-1",
		},
	}
	var prev []sockets.Socket
	for i, snap := range snaps {
		rows := p.rows(at(i), snap, diff(prev, snap), nil)
		var got []string
		for _, r := range rows {
			got = append(got, rowText(r))
			if r.Proto != history.ProtoTCP {
				t.Errorf("poll %d: a polled row's protocol %q, want tcp", i, r.Proto)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want[i], "\n") {
			t.Errorf("poll %d:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want[i], "\n"))
		}
		prev = snap
	}
	if len(p.conns) != 1 {
		t.Errorf("%d connections still followed, want 1 (wget's)", len(p.conns))
	}
	if p.unseen != 1 {
		t.Errorf("%d connections counted unseen, want 1 (the one first seen in TIME_WAIT)", p.unseen)
	}
}

// TestPollRowsFilter: the user's filter is asked of each event as trace
// asks it, in the event's state with its owner: a filter on the program
// keeps its connect and close and nothing else.
func TestPollRowsFilter(t *testing.T) {
	p := newPollRecorder(nil, func(s *sockets.Socket) bool {
		return len(s.Processes) > 0 && s.Processes[0].Info.Name == "curl"
	})
	t0 := time.Now()
	a := []sockets.Socket{}
	b := []sockets.Socket{
		polled(3, sockets.Established, "127.0.0.1:40000", "127.0.0.1:8080", 30, "curl"),
		polled(4, sockets.Established, "127.0.0.1:40001", "127.0.0.1:8080", 31, "wget"),
	}
	var rows []history.Row
	rows = p.rows(t0, a, diff(nil, a), rows)
	rows = p.rows(t0.Add(time.Second), b, diff(a, b), rows)
	rows = p.rows(t0.Add(2*time.Second), a, diff(b, a), rows)
	if len(rows) != 2 || rows[0].Event != "connect" || rows[1].Event != "close" || rows[0].Program != "curl" || rows[1].Program != "curl" {
		var got []string
		for _, r := range rows {
			got = append(got, rowText(r))
		}
		t.Errorf("rows:\n%s\nwant curl's connect and close", strings.Join(got, "\n"))
	}
}

// TestPollRecordUDP: record without eBPF polls TCP only: asked for UDP
// too it says that UDP is not recorded, asked for UDP alone it fails
// rather than record nothing.
func TestPollRecordUDP(t *testing.T) {
	var socks sockList
	run := func(protos sockets.ProtoSet) (string, error) {
		ios, _, _, errOut := iostreams.Test()
		f := &Factory{IO: ios, Source: func(sockets.SourceOptions) (sockets.Source, error) { return socks, nil }}
		req := &listRequest{Filter: sockets.Filter{Protos: protos}}
		err := recordPolled(context.Background(), f, req, "--no-bpf", nil, func([]history.Row) {})
		return errOut.String(), err
	}
	notes, err := run(sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP))
	if err != nil || !strings.Contains(notes, "UDP sockets are not recorded") {
		t.Errorf("TCP and UDP without eBPF: %v, notes:\n%s", err, notes)
	}
	if notes, err = run(sockets.ProtoSet(0).With(sockets.TCP)); err != nil || strings.Contains(notes, "UDP") {
		t.Errorf("TCP without eBPF: %v, notes:\n%s", err, notes)
	}
	if _, err = run(sockets.ProtoSet(0).With(sockets.UDP)); err == nil || !strings.Contains(err.Error(), "needs eBPF") {
		t.Errorf("UDP alone without eBPF: %v, want an error", err)
	}
}
