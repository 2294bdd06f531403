package cli

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// procFacts are what the history stores of a process beyond its pid and
// name.
type procFacts struct {
	exe                    string
	uid                    int64 // -1 unknown
	container, containerID string
}

// ownerFacts returns what the history stores of a process, read once per
// process: its exe and uid (exe, nil for none) and its container
// (resolve, nil for none; for a process gone, from the cgroup r's exec
// programs saw it in, where r is not nil). A pid is keyed with its name,
// so that a pid reused by another program is read again.
func ownerFacts(exe func(int32, string) (string, int64, string), resolve *containers.Resolver, r *trace.Reader) func(pid int32, comm string) procFacts {
	type key struct {
		pid  int32
		comm string
	}
	cache := make(map[key]procFacts)
	return func(pid int32, comm string) procFacts {
		if pid == 0 {
			return procFacts{uid: -1}
		}
		k := key{pid, comm}
		if p, ok := cache[k]; ok {
			return p
		}
		if len(cache) >= 4096 {
			clear(cache)
		}
		p := procFacts{uid: -1}
		if exe != nil {
			p.exe, p.uid, _ = exe(pid, comm)
		}
		if resolve != nil {
			p.container, p.containerID = containerIn(resolve, r, pid)
		}
		cache[k] = p
		return p
	}
}

// pollRecorder is record without eBPF: it turns what changed between two
// snapshots of the TCP sockets into the rows trace's events would have
// made, as far as snapshots can tell. A connection first seen (not a
// listener) is a connect, or an accept when a listener in the same
// snapshot holds its local port; one seen closed (gone, or in TIME_WAIT or
// CLOSE) is a close, its duration from the snapshot that first saw it to
// the last that saw it open; one that never got past SYN_SENT is a
// failed connect. The owner is the snapshot's (an accepted connection not
// yet taken by accept(2): its listener's holder). A connection that
// opens and closes between two snapshots is never seen; the connections
// already there at the first snapshot get no connect, only their close
// (with no duration: their start is unknown).
type pollRecorder struct {
	conns map[collect.Key]*polledConn
	// prev is the previous snapshot's time, zero before the first.
	prev time.Time
	// facts returns what is stored of an owner; keep is the user's
	// filter, asked of each event as trace asks it (the socket in the
	// event's state, with its owner).
	facts func(pid int32, comm string) procFacts
	keep  func(*sockets.Socket) bool

	listeners map[uint16][]polledListener // this snapshot's, by port
	info      sockets.ProcessInfo         // keep's owner, reused
	// unseen counts the connections found only after they had closed
	// (first seen in TIME_WAIT): too short for the polls. It is a lower
	// bound: only the end that closed first waits in TIME_WAIT, and not
	// after a reset.
	unseen int
}

// polledConn is a connection the recorder follows.
type polledConn struct {
	// first is when a snapshot first saw it; zero when it was already
	// there at the first.
	first time.Time
	// row holds its ends, owner and direction, for its events.
	row history.Row
	// open is set once a connect or accept was stored (a connection
	// seen only in SYN_SENT is not yet connected); state is the state
	// it was last seen in.
	open  bool
	state sockets.State
}

// polledListener is a listener of one snapshot: its address and holder.
type polledListener struct {
	addr  netip.Addr
	owner *sockets.ProcessInfo
}

func newPollRecorder(facts func(int32, string) procFacts, keep func(*sockets.Socket) bool) *pollRecorder {
	return &pollRecorder{conns: make(map[collect.Key]*polledConn), facts: facts, keep: keep,
		listeners: make(map[uint16][]polledListener)}
}

// rows appends to out the rows of what changed at the snapshot taken at
// t: snap is its sockets, changes what Poller.Poll said changed since the
// previous one.
func (p *pollRecorder) rows(t time.Time, snap []sockets.Socket, changes []collect.Change, out []history.Row) []history.Row {
	clear(p.listeners)
	for i := range snap {
		if s := &snap[i]; s.State == sockets.Listen {
			p.listeners[s.Local.Port()] = append(p.listeners[s.Local.Port()], polledListener{s.Local.Addr().Unmap(), ownerOf(s)})
		}
	}
	initial := p.prev.IsZero()
	for _, c := range changes {
		s := c.Socket
		k := collect.KeyOf(s)
		pc := p.conns[k]
		switch {
		case c.Kind == collect.Gone:
			if pc != nil {
				out = p.closed(out, t, k, pc, s)
			}
		case pc == nil:
			if !connection(s.State) {
				// A TIME_WAIT socket keeps its connection's cookie: one
				// first seen so was never seen open.
				if s.State == sockets.TimeWait && !initial && s.Cookie != 0 && p.keptSocket(s) {
					p.unseen++
				}
				continue
			}
			pc = p.follow(s, t, initial)
			p.conns[k] = pc
			if !initial && s.State != sockets.SynSent {
				out = p.opened(out, t, pc)
			}
		case s.State == sockets.TimeWait || s.State == sockets.Close:
			out = p.closed(out, t, k, pc, s)
		default:
			if !pc.open && s.State != sockets.SynSent {
				out = p.opened(out, t, pc)
			}
			pc.state = s.State
		}
	}
	p.prev = t
	return out
}

// connection reports whether a socket first seen in state st is a
// connection to follow: not a listener, not one already closed (a
// TIME_WAIT socket has no owner left), not a request not yet accepted
// by the kernel (SYN_RECV: the connection is another socket once
// established).
func connection(st sockets.State) bool {
	switch st {
	case sockets.Listen, sockets.TimeWait, sockets.Close, sockets.SynRecv, sockets.BoundInactive:
		return false
	}
	return true
}

// follow starts following connection s, first seen at t (at the first
// snapshot if initial).
func (p *pollRecorder) follow(s *sockets.Socket, t time.Time, initial bool) *polledConn {
	// One already connected when record started is open: its close is
	// a close. One still connecting is not: it may yet fail.
	pc := &polledConn{state: s.State, open: initial && s.State != sockets.SynSent}
	if !initial {
		pc.first = t
	}
	r := &pc.row
	*r = history.Row{Family: s.Family.String(), Local: s.Local, Remote: s.Remote, UID: -1, Sent: -1, Received: -1,
		Source: history.SourcePoll, Proto: history.ProtoTCP}
	owner := ownerOf(s)
	for _, l := range p.listeners[s.Local.Port()] {
		if l.addr.IsUnspecified() || l.addr == s.Local.Addr().Unmap() {
			r.Passive = true
			if owner == nil {
				owner = l.owner
			}
			break
		}
	}
	p.own(r, owner)
	return pc
}

// own sets the owner of r.
func (p *pollRecorder) own(r *history.Row, owner *sockets.ProcessInfo) {
	if owner == nil || owner.PID == 0 {
		return
	}
	r.PID, r.Program = owner.PID, owner.Name
	if p.facts != nil {
		f := p.facts(owner.PID, owner.Name)
		r.Exe, r.UID, r.Container, r.ContainerID = f.exe, f.uid, f.container, f.containerID
	}
}

// opened appends the connect or accept of pc, seen at t.
func (p *pollRecorder) opened(out []history.Row, t time.Time, pc *polledConn) []history.Row {
	pc.open = true
	r := pc.row
	r.Time, r.Event, r.State = t, "connect", sockets.Established.String()
	if r.Passive {
		r.Event = "accept"
	}
	if !p.kept(&r) {
		return out
	}
	return append(out, r)
}

// closed appends the close of pc (a failed connect if it was never
// seen connected), found closed at t, and stops following it; s is its
// socket as last seen.
func (p *pollRecorder) closed(out []history.Row, t time.Time, k collect.Key, pc *polledConn, s *sockets.Socket) []history.Row {
	delete(p.conns, k)
	r := pc.row
	if r.PID == 0 {
		p.own(&r, ownerOf(s)) // an accepted connection taken since it was first seen
	}
	r.Time, r.Event, r.From, r.State = t, "close", pc.state.String(), sockets.Close.String()
	if !pc.open {
		r.Event = "fail"
	}
	if !pc.first.IsZero() && p.prev.After(pc.first) {
		r.Duration = p.prev.Sub(pc.first)
	}
	if !p.kept(&r) {
		return out
	}
	return append(out, r)
}

// kept asks the user's filter about row r as trace asks it of an event.
func (p *pollRecorder) kept(r *history.Row) bool {
	if p.keep == nil {
		return true
	}
	s := socketOfRow(r, &p.info)
	return p.keep(&s)
}

// keptSocket asks the user's filter about socket s, without its owner
// (a TIME_WAIT socket has none), as closed.
func (p *pollRecorder) keptSocket(s *sockets.Socket) bool {
	if p.keep == nil {
		return true
	}
	c := sockets.Socket{Proto: s.Proto, Family: s.Family, State: sockets.Close, Local: s.Local, Remote: s.Remote}
	return p.keep(&c)
}

// socketOfRow is the socket the filter language sees for a stored row:
// its protocol, its ends, its state, and its owner in info (reused).
func socketOfRow(r *history.Row, info *sockets.ProcessInfo) sockets.Socket {
	s := sockets.Socket{Proto: protoOfRow(r), Family: sockets.Inet, State: stateNamed(r.State), Local: r.Local, Remote: r.Remote}
	if r.Family == sockets.Inet6.String() {
		s.Family = sockets.Inet6
	}
	if r.PID != 0 {
		*info = sockets.ProcessInfo{PID: r.PID, Name: r.Program, Exe: r.Exe, Container: r.ContainerID}
		s.Processes = []sockets.Process{{Info: info}}
	}
	return s
}

// ownerOf returns the first holder of s, nil if none is known.
func ownerOf(s *sockets.Socket) *sockets.ProcessInfo {
	for _, pr := range s.Processes {
		if pr.Info != nil && pr.Info.PID != 0 {
			return pr.Info
		}
	}
	return nil
}

// recordPolled is record without eBPF: it polls the TCP sockets every
// interval until ctx ends and hands the rows of what changed to store.
// It says first, on stderr, what polling cannot see: UDP among it (a UDP
// socket has no state changes a poll could time), and asked for UDP
// alone it records nothing, and says so, rather than an empty history.
func recordPolled(ctx context.Context, f *Factory, req *listRequest, why string, facts func(int32, string) procFacts,
	store func([]history.Row)) error {
	if !req.Filter.Protos.Has(sockets.TCP) {
		return fmt.Errorf("recording UDP needs eBPF (%s): polling records TCP connections only", why)
	}
	src, err := f.Source(sockets.SourceOptions{Kind: req.Source})
	if err != nil {
		return err
	}
	lq := req.query()
	// Every TCP socket, whatever the filter: the listeners tell accepts
	// from connects, and the filter is asked of each event as trace asks
	// it, in the event's state.
	q := collect.Query{Kernel: sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP),
		States: sockets.AllStates &^ (1 << sockets.BoundInactive)}, Owners: true}
	poller := collect.NewPoller(f.collector(src), q)
	defer poller.Close()
	pr := newPollRecorder(facts, lq.Match)
	interval := req.History.Interval
	var rows []history.Row
	var failed string // the last poll's error, said once until another
	for n := 0; ; n++ {
		snap, changes, err := poller.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if n == 0 {
				return err
			}
			if err.Error() != failed {
				failed = err.Error()
				f.note(i18n.T(req.Render.Lang, "record.note.pollfail", failed))
			}
		} else {
			failed = ""
			if n == 0 {
				warn(f, snap.Warnings, req.Render.Lang)
				f.note(i18n.T(req.Render.Lang, "record.note.polling", interval, why, interval, interval))
				if req.Filter.Protos.Has(sockets.UDP) {
					f.note(i18n.T(req.Render.Lang, "record.note.noudp"))
				}
			}
			rows = pr.rows(snap.Time, snap.Sockets, changes, rows[:0])
			store(rows)
		}
		if !wait(ctx, interval) {
			break
		}
	}
	if pr.unseen > 0 {
		if pr.unseen == 1 {
			f.note(i18n.T(req.Render.Lang, "record.note.unseen1"))
		} else {
			f.note(i18n.T(req.Render.Lang, "record.note.unseen", pr.unseen))
		}
	}
	return nil
}
