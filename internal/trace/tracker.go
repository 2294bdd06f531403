package trace

import (
	"net/netip"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Kind is what happened to a connection.
type Kind uint8

// The kinds of events, as JSON names them.
const (
	Connect Kind = iota + 1 // an outgoing connection was established
	Accept                  // an incoming connection was established
	State                   // another change of state
	Close                   // the connection ended (its socket is gone)
	Fail                    // an outgoing connection failed before it was established
)

// String returns "connect", "accept", "state", "close" or "fail".
func (k Kind) String() string {
	switch k {
	case Connect:
		return "connect"
	case Accept:
		return "accept"
	case State:
		return "state"
	case Close:
		return "close"
	case Fail:
		return "fail"
	}
	return "unknown"
}

// Owner is the process a connection belongs to.
type Owner struct {
	PID  int32
	Comm string
}

// An Event is one thing that happened to a connection, with its owner
// where known.
type Event struct {
	Kind Kind
	Time time.Time
	// Owner is zero when it could not be known (a connection older than
	// the trace with no owner in the first snapshot).
	Owner         Owner
	Family        sockets.Family
	Local, Remote netip.AddrPort
	// From and To are the states of the change (To is CLOSE for close
	// and fail).
	From, To sockets.State
	// Duration is how long the connection lived (close, fail), from its
	// first state change the trace saw; 0 if it began before the trace.
	Duration time.Duration
	// Passive is true for a connection that was accepted.
	Passive bool
	// Sent and Received are the connection's bytes acknowledged by the
	// peer and received, at close (0 where the kernel's BTF could not
	// place them).
	Sent, Received uint64
	// NoBytes is true where the bytes are not known (the destroy
	// notifications trace falls back on).
	NoBytes bool
}

// conn is what the tracker knows of a live socket.
type conn struct {
	owner   Owner
	start   uint64 // monotonic ns of its first change seen; 0 unknown
	passive bool
}

type listenKey struct {
	family sockets.Family
	port   uint16
}

// A Tracker turns raw state changes into connection events, keeping what
// it learns of each socket (its owner, when it started) until it closes.
type Tracker struct {
	// Wall turns a monotonic time into wall-clock time.
	Wall func(mono uint64) time.Time
	// Known returns the owner a snapshot taken when the trace began found
	// for a connection (local, remote), or for a listener (remote
	// invalid); nil knows none.
	Known func(local, remote netip.AddrPort) (Owner, bool)

	socks     map[uint64]*conn
	listeners map[listenKey]Owner
}

// NewTracker returns a Tracker.
func NewTracker(wall func(uint64) time.Time, known func(local, remote netip.AddrPort) (Owner, bool)) *Tracker {
	return &Tracker{Wall: wall, Known: known, socks: make(map[uint64]*conn), listeners: make(map[listenKey]Owner)}
}

// Live returns how many sockets the tracker is following.
func (t *Tracker) Live() int { return len(t.socks) }

// Feed takes one raw state change and returns the event it makes, and
// whether it makes one (a listener's changes make none).
func (t *Tracker) Feed(r *Raw) (Event, bool) {
	ev := Event{Time: t.Wall(r.Mono), Family: r.Family, Local: r.Local, Remote: r.Remote, From: r.Old, To: r.New}
	lk := listenKey{r.Family, r.Local.Port()}
	switch {
	case r.Old == r.New || r.Old == 0 || r.New == 0:
		return ev, false
	case r.New == sockets.Listen:
		// listen() runs in its caller's context.
		t.listeners[lk] = Owner{PID: int32(r.PID), Comm: r.Comm}
		delete(t.socks, r.Sock)
		return ev, false
	case r.Old == sockets.Listen && r.New == sockets.Close:
		delete(t.listeners, lk)
		return ev, false
	case r.Old == sockets.Listen:
		// A connection's socket, made from its listener's, starts
		// (SYN_RECV): it belongs to the listener's holder.
		t.socks[r.Sock] = &conn{owner: t.listener(r), start: r.Mono, passive: true}
		return ev, false
	case r.Old == sockets.Close && r.New == sockets.SynSent:
		// connect() runs in its caller's context.
		t.socks[r.Sock] = &conn{owner: Owner{PID: int32(r.PID), Comm: r.Comm}, start: r.Mono}
		return ev, false
	}
	c := t.socks[r.Sock]
	if c == nil {
		c = &conn{}
		if r.Old == sockets.SynRecv && r.New == sockets.Established {
			c.passive, c.start = true, r.Mono
			c.owner = t.listener(r)
		} else if t.Known != nil {
			c.owner, _ = t.Known(r.Local, r.Remote)
		}
		t.socks[r.Sock] = c
	}
	ev.Owner, ev.Passive = c.owner, c.passive
	switch {
	case r.New == sockets.Close:
		ev.Kind = Close
		if r.Old == sockets.SynSent {
			ev.Kind = Fail
		}
		if c.start != 0 && r.Mono >= c.start {
			ev.Duration = time.Duration(r.Mono - c.start)
		}
		ev.Sent, ev.Received = r.Sent, r.Received
		delete(t.socks, r.Sock)
	case r.Old == sockets.SynSent && r.New == sockets.Established:
		ev.Kind = Connect
	case r.Old == sockets.SynRecv && r.New == sockets.Established:
		ev.Kind = Accept
	default:
		ev.Kind = State
	}
	return ev, true
}

// listener returns the owner of the listener an accepted connection came
// through: one whose listen() the trace saw, else the snapshot's.
func (t *Tracker) listener(r *Raw) Owner {
	if o, ok := t.listeners[listenKey{r.Family, r.Local.Port()}]; ok {
		return o
	}
	// An IPv4 connection to an IPv6 wildcard listener.
	if r.Family == sockets.Inet {
		if o, ok := t.listeners[listenKey{sockets.Inet6, r.Local.Port()}]; ok {
			return o
		}
	}
	if t.Known != nil {
		if o, ok := t.Known(r.Local, netip.AddrPort{}); ok {
			return o
		}
	}
	return Owner{}
}
