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
	Owner Owner
	// Proto is TCP, or UDP for the end of a UDP socket (a flow: its
	// remote end where it was connected, how long it lived, no bytes).
	Proto         sockets.Proto
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
	// Sent and Received are the connection's data bytes sent and
	// received, at close: what its programs wrote and read, neither the
	// SYN nor a FIN (0, and NoBytes set, where they are not known).
	Sent, Received uint64
	// NoBytes is true where the bytes are not known: a UDP socket's end,
	// the destroy notifications trace falls back on, a kernel whose BTF
	// does not place them.
	NoBytes bool
	// Errno is why a connect failed (fail: the socket's error, as
	// connect() returned it to its caller) or a connection was reset
	// (close), as a Linux errno number; 0 for none (see Reason).
	Errno uint32
	// ErrnoKnown is true where the socket's error was read (eBPF, where
	// the kernel's BTF placed it); false where it is not known (the
	// destroy notifications, an event stored without it), and then a
	// failure has no Reason.
	ErrnoKnown bool
}

// HasBytes says whether e has bytes to show: a close or a failure
// whose bytes are known.
func (e *Event) HasBytes() bool {
	return (e.Kind == Close || e.Kind == Fail) && !e.NoBytes
}

// Reason returns what the event's Errno says, by its errno name
// ("ECONNREFUSED"); for a failed connect without one, "cancelled" (its
// caller closed the socket before an answer came: a connect timeout of
// its own) where ErrnoKnown; "" for none.
func (e *Event) Reason() string {
	if e.Errno != 0 {
		return ErrnoName(e.Errno)
	}
	if e.Kind == Fail && e.ErrnoKnown {
		return Cancelled
	}
	return ""
}

// Cancelled is the Reason of a failed connect whose socket had no error:
// its caller closed it while it was connecting.
const Cancelled = "cancelled"

// openConn is what the tracker keeps of a connection it saw connected
// or accepted, until its close.
type openConn struct {
	owner   Owner
	start   uint64 // monotonic ns of its connect() or its accept
	passive bool
	// simultaneous is a connect gone from SYN_SENT to SYN_RECV (a
	// simultaneous open, or a connect to its own port): its change to
	// ESTABLISHED is its connect, not an accept.
	simultaneous bool
}

// listenKey is a listener as the tracker knows it: its network
// namespace (0 where the program could not read it), family and port.
type listenKey struct {
	netns  uint32
	family sockets.Family
	port   uint16
}

// KnownFunc returns the owner a snapshot found for a connection (local,
// remote) or a listener (remote invalid) in the network namespace netns
// (0: one not known), and whether it found one.
type KnownFunc func(netns uint32, local, remote netip.AddrPort) (Owner, bool)

// A Tracker turns raw state changes into connection events. The BPF
// program keeps each connect's start and the task that called connect()
// through the handshake, and sends them with the change out of SYN_SENT;
// the tracker keeps them from there, and the owners of listeners (from
// their listen()) and of the connections accepted through them, until
// they close.
type Tracker struct {
	// Wall turns a monotonic time into wall-clock time.
	Wall func(mono uint64) time.Time
	// Known returns the owner a snapshot taken when the trace began found
	// (see KnownFunc); nil knows none.
	Known KnownFunc
	// AllStates makes an event of every change the program sends (it
	// sends a simultaneous open's change to SYN_RECV either way).
	AllStates bool

	open      connTable // by the socket's address
	listeners map[listenKey]Owner
}

// NewTracker returns a Tracker.
func NewTracker(wall func(uint64) time.Time, known KnownFunc) *Tracker {
	return &Tracker{Wall: wall, Known: known, listeners: make(map[listenKey]Owner)}
}

// Live returns how many connections the tracker is following.
func (t *Tracker) Live() int { return t.open.len() }

// Feed takes one raw state change and returns the event it makes, and
// whether it makes one (a listener's changes, and the starts of
// connections, make none).
func (t *Tracker) Feed(r *Raw) (Event, bool) {
	var ev Event
	ok := t.FeedInto(&ev, r)
	return ev, ok
}

// FeedInto is Feed writing the event into ev (so that a loop reuses
// one).
func (t *Tracker) FeedInto(ev *Event, r *Raw) bool {
	if r.Protocol == ipprotoUDP {
		return t.udp(ev, r)
	}
	*ev = Event{Proto: sockets.TCP, Family: r.Family, Local: r.Local, Remote: r.Remote, From: r.Old, To: r.New}
	lk := listenKey{r.NetNS, r.Family, r.Local.Port()}
	switch {
	case r.Old == r.New || r.Old == 0 || r.New == 0:
		return false
	case r.New == sockets.Listen:
		// listen() runs in its caller's context.
		t.listeners[lk] = Owner{PID: int32(r.PID), Comm: r.Comm}
		t.open.del(r.Sock) // an address reused: what it held is over
		return false
	case r.Old == sockets.Listen && r.New == sockets.Close:
		delete(t.listeners, lk)
		return false
	case r.Old == sockets.Close && r.New == sockets.SynSent:
		// A start: the programs keep it rather than send it, and a
		// connection whose close was lost is replaced when its address's
		// next one is kept (see fresh below).
		return false
	case r.Old == sockets.Listen:
		return false
	case r.Old == sockets.SynSent && r.New == sockets.SynRecv:
		// A simultaneous open, or a connect to its own port: it goes on
		// through SYN_RECV, where an accepted connection's socket starts.
		// It is kept, with connect()'s task, for its change to
		// ESTABLISHED, which is its connect.
		c := openConn{start: r.Start, simultaneous: true}
		if r.Start != 0 {
			c.owner = Owner{PID: int32(r.PID), Comm: r.Comm}
		} else if t.Known != nil {
			c.owner, _ = t.Known(r.NetNS, r.Local, r.Remote)
		}
		t.keep(r.Sock, c)
		if !t.AllStates {
			return false
		}
		*ev = Event{Kind: State, Time: t.Wall(r.Mono), Owner: c.owner, Proto: sockets.TCP, Family: r.Family,
			Local: r.Local, Remote: r.Remote, From: r.Old, To: r.New}
		return true
	}
	ev.Time = t.Wall(r.Mono)
	start := r.Start
	tracked := false
	// A change out of SYN_SENT or SYN_RECV is a new connection's: what
	// its socket's address held before (a connection whose close was
	// lost) is not asked, and is replaced as the connection is kept; but
	// for a simultaneous open's, kept at its change to SYN_RECV.
	var c openConn
	ok := false
	if r.Old != sockets.SynSent { // out of SYN_SENT nothing of its own is kept yet
		c, ok = t.open.get(r.Sock)
	}
	simultaneous := ok && c.simultaneous && r.Old == sockets.SynRecv
	if r.Old == sockets.SynRecv && !simultaneous {
		ok = false
	}
	switch {
	case simultaneous:
		ev.Owner, start, tracked = c.owner, c.start, true
		if r.New != sockets.Close {
			t.keep(r.Sock, openConn{owner: c.owner, start: c.start})
			tracked = false
		}
	case r.Start != 0:
		// Out of SYN_SENT: the task that called connect(), kept by the
		// program.
		ev.Owner = Owner{PID: int32(r.PID), Comm: r.Comm}
	case ok:
		ev.Owner, ev.Passive, start, tracked = c.owner, c.passive, c.start, true
	case r.Old == sockets.SynRecv:
		// A connection's socket made from its listener's, established
		// (accepted) as it was made: it belongs to the listener's
		// holder, and starts here.
		ev.Owner, ev.Passive, start = t.listener(r), true, r.Mono
		if r.New != sockets.Close {
			t.keep(r.Sock, openConn{owner: ev.Owner, start: start, passive: true})
		}
	case t.Known != nil:
		ev.Owner, _ = t.Known(r.NetNS, r.Local, r.Remote)
	}
	switch {
	case r.New == sockets.Close:
		ev.Kind = Close
		if r.Old == sockets.SynSent {
			ev.Kind = Fail
		}
		// The error that ended it; for a failed connect whose last error
		// was only a soft one (an ICMP error while its caller held the
		// socket, then a timeout), that one.
		switch ev.ErrnoKnown = r.Err != errUnknown; {
		case !ev.ErrnoKnown:
		case r.Err != 0 || ev.Kind == Close:
			ev.Errno = r.Err
		default:
			ev.Errno = r.ErrSoft
		}
		if start != 0 && r.Mono >= start {
			ev.Duration = time.Duration(r.Mono - start)
		}
		if r.Sent == bytesUnknown || r.Received == bytesUnknown {
			ev.NoBytes = true // the kernel's BTF did not place them
		} else {
			ev.Sent, ev.Received = r.Sent, r.Received
		}
		if tracked {
			t.open.del(r.Sock)
		}
	case r.Old == sockets.SynSent && r.New == sockets.Established:
		ev.Kind = Connect
		t.keep(r.Sock, openConn{owner: ev.Owner, start: start})
	case simultaneous && r.New == sockets.Established:
		ev.Kind = Connect
	case r.Old == sockets.SynRecv && r.New == sockets.Established:
		ev.Kind = Accept
	default:
		ev.Kind = State
	}
	return true
}

// ipprotoUDP is the IP protocol of a UDP socket's event.
const ipprotoUDP = 17

// udp makes the event of a UDP socket's end, where it was bound. The
// program sends every UDP socket's end, with the task that made it and
// when (or, for a socket older than the trace, the task that closes it),
// its ends, and whether it was connected (Old: ESTABLISHED, else CLOSE);
// one never bound is dropped here.
func (t *Tracker) udp(ev *Event, r *Raw) bool {
	if r.Local.Port() == 0 {
		// Never bound: a socket made for an ioctl (every ip, ifconfig
		// and network manager makes them), not a flow.
		return false
	}
	*ev = Event{Kind: Close, Time: t.Wall(r.Mono), Proto: sockets.UDP, Family: r.Family, Local: r.Local, Remote: r.Remote,
		From: r.Old, To: sockets.Close, NoBytes: true}
	if r.PID != 0 {
		ev.Owner = Owner{PID: int32(r.PID), Comm: r.Comm}
	}
	if r.Start != 0 && r.Mono >= r.Start {
		ev.Duration = time.Duration(r.Mono - r.Start)
	}
	return true
}

// keep keeps c, the connection of the socket at sock, until its close.
func (t *Tracker) keep(sock uint64, c openConn) {
	if t.open.len() >= maxOpen {
		t.open.clear() // closes lost by the thousand: start again
	}
	t.open.put(sock, c)
}

// maxOpen bounds the connections the tracker keeps (their closes, if
// lost when the kernel's buffer was full, never remove them): 2^21
// slots of 48 bytes, some 100 MB, at most (and half as much again for
// the moment of its last growth).
const maxOpen = 1 << 20

// listener returns the owner of the listener an accepted connection came
// through: one whose listen() the trace saw, else the snapshot's.
func (t *Tracker) listener(r *Raw) Owner {
	if o, ok := t.listeners[listenKey{r.NetNS, r.Family, r.Local.Port()}]; ok {
		return o
	}
	// An IPv4 connection to an IPv6 wildcard listener.
	if r.Family == sockets.Inet {
		if o, ok := t.listeners[listenKey{r.NetNS, sockets.Inet6, r.Local.Port()}]; ok {
			return o
		}
	}
	if t.Known != nil {
		if o, ok := t.Known(r.NetNS, r.Local, netip.AddrPort{}); ok {
			return o
		}
	}
	return Owner{}
}
