package summary

import (
	"cmp"
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// DefaultTop is how many processes, remote endpoints and local ports a
// summary lists when Options.Top is 0.
const DefaultTop = 10

// Options says what to summarise and how to write it.
type Options struct {
	// Lang chooses the language of the table: "" or "en" English, any
	// "zh" tag Simplified Chinese. JSON is the same in every language.
	Lang string
	// Format is render.Table (the default), render.JSON, or
	// render.NDJSON (the JSON document on one line). CSV has no summary
	// form: Validate rejects it.
	Format render.Format
	// Top is how many processes, remote endpoints and local ports to
	// list; 0 means DefaultTop. Negative is invalid.
	Top int
	// Ephemeral is the range of local ports the kernel picks for
	// outgoing connections (Linux: net.ipv4.ip_local_port_range, read
	// with ParsePortRange; Windows: the dynamic port range, 49152-65535
	// unless changed). The zero value means unknown: the share of the
	// range in use is then left out.
	Ephemeral PortRange
}

// ErrOption is matched (errors.Is) by the errors Validate returns.
var ErrOption = errors.New("invalid summary option")

// OptionError is an Options value Validate refuses. It prints as one
// line naming the value and what is valid.
type OptionError struct {
	Field string // "format" or "top"
	Value string
	Valid string
}

func (e *OptionError) Error() string {
	return "summary: " + e.Field + " " + strconv.Quote(e.Value) + " is not valid (" + e.Valid + ")"
}

// Is makes errors.Is(err, ErrOption) true.
func (e *OptionError) Is(target error) bool { return target == ErrOption }

// Validate reports an *OptionError for options Write cannot honour: a
// format other than table, json and ndjson, or a negative Top. The
// caller checks it before reading any socket and reports it as a usage
// error.
func (o Options) Validate() error {
	switch o.Format {
	case render.Table, render.JSON, render.NDJSON:
	default:
		return &OptionError{Field: "format", Value: o.Format.String(), Valid: "valid: table, json, ndjson"}
	}
	if o.Top < 0 {
		return &OptionError{Field: "top", Value: strconv.Itoa(o.Top), Valid: "0 or more; 0 means " + strconv.Itoa(DefaultTop)}
	}
	return nil
}

func (o Options) top() int {
	if o.Top <= 0 {
		return DefaultTop
	}
	return o.Top
}

// PortRange is a range of ports, both ends included. The zero value is
// the unknown range.
type PortRange struct{ Low, High uint16 }

// Known reports whether r is a range (Low > 0 and Low <= High).
func (r PortRange) Known() bool { return r.Low > 0 && r.Low <= r.High }

// Size returns how many ports r holds, 0 if it is not Known.
func (r PortRange) Size() int {
	if !r.Known() {
		return 0
	}
	return int(r.High) - int(r.Low) + 1
}

// Contains reports whether port is in r.
func (r PortRange) Contains(port uint16) bool { return r.Known() && port >= r.Low && port <= r.High }

// ParsePortRange parses the two ports of Linux's
// /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n"): two decimal
// ports 1-65535, separated by white space, the first not above the
// second. It returns an error quoting the text otherwise.
func ParsePortRange(text string) (PortRange, error) {
	f := strings.Fields(text)
	if len(f) == 2 {
		lo, err1 := strconv.ParseUint(f[0], 10, 16)
		hi, err2 := strconv.ParseUint(f[1], 10, 16)
		if err1 == nil && err2 == nil && lo > 0 && lo <= hi {
			return PortRange{Low: uint16(lo), High: uint16(hi)}, nil
		}
	}
	return PortRange{}, fmt.Errorf("port range %q: want two ports, low then high", text)
}

// A Summary is what Compute counts in a listing.
type Summary struct {
	// Total is the number of sockets.
	Total int
	// Protocols are the protocols with at least one socket, in the order
	// tcp, tcp6, udp, udp6, udplite, udplite6, mptcp, mptcp6, raw, raw6,
	// unix (a name ending in 6 is IPv6).
	Protocols []Protocol
	// States counts the sockets of every protocol by state, in the
	// order of a connection's life, states with none left out.
	States []StateCount
	// Processes says who holds the sockets.
	Processes Processes
	// TimeWait says where the TCP TIME_WAIT sockets go.
	TimeWait TimeWait
}

// Protocol is the count of one protocol's sockets.
type Protocol struct {
	Name   string         // "tcp", "tcp6", "udp", ..., "unix"
	Proto  sockets.Proto  // 0 for a protocol this package does not know
	Family sockets.Family // Inet, Inet6 or Local; 0 with Proto 0
	Total  int            // its sockets
	States []StateCount   // by state, in life order, none zero
}

// StateCount is how many sockets are in one state. State is the kernel's
// name as listings print it: TCP's states, and UNCONN for unconnected
// datagram, raw and unix sockets.
type StateCount struct {
	State string
	Count int
}

// Processes counts the sockets by the processes that hold them.
type Processes struct {
	// Count is how many processes hold at least one socket.
	Count int
	// Held is how many sockets at least one process holds; NoProcess how
	// many none does (TIME_WAIT, orphans, request sockets, or holders
	// this user cannot see).
	Held, NoProcess int
	// Top are the processes holding the most sockets, most first (then
	// most CLOSE_WAIT, then lowest PID), at most Options.Top of them.
	Top []ProcessCount
}

// ProcessCount is what one process holds. A socket shared by several
// processes (after fork) counts for each.
type ProcessCount struct {
	PID  int32
	Name string // the process name (comm, or the image name on Windows)
	User string // "" when not known
	// Total counts every socket the process holds, of any protocol; TCP
	// its TCP sockets (MPTCP included), and Established, CloseWait and
	// Listen those TCP sockets in that state.
	Total, TCP, Established, CloseWait, Listen int
}

// TimeWait describes the TCP sockets in TIME_WAIT, which no process
// holds, and the local ports outgoing connections use.
type TimeWait struct {
	// Total is the number of TCP sockets in TIME_WAIT.
	Total int
	// Ephemeral is the range given in Options (zero when unknown), and
	// EphemeralInUse how many distinct local ports in it the TCP sockets
	// that are not listening use (0 when the range is unknown).
	Ephemeral      PortRange
	EphemeralInUse int
	// Remotes are the remote endpoints with the most TIME_WAIT sockets,
	// most first, at most Options.Top.
	Remotes []RemoteCount
	// LocalPorts are the local ports with the most TIME_WAIT sockets
	// (at least 2: a port that closed connections first, as a server
	// that closes does), most first, at most Options.Top.
	LocalPorts []PortCount
}

// RemoteCount is one remote endpoint's TCP sockets.
type RemoteCount struct {
	Remote netip.AddrPort
	// TimeWait is its sockets in TIME_WAIT; Sockets all its TCP sockets;
	// Ephemeral those whose local port is in the ephemeral range (0 when
	// the range is unknown). A connection is told apart by its four
	// addresses, so Ephemeral out of the range's size is how close
	// connections from one local address to this endpoint are to running
	// out of ports.
	TimeWait, Sockets, Ephemeral int
}

// PortCount is the number of TIME_WAIT sockets on one local port.
type PortCount struct {
	Port     uint16
	TimeWait int
}

// Rows of the state table, in the order of a connection's life
// (explain's order), then UNCONN for unconnected non-TCP sockets, then
// any state the kernel added later.
var rowStates = [...]sockets.State{
	sockets.Listen, sockets.SynSent, sockets.SynRecv, sockets.Established,
	sockets.FinWait1, sockets.FinWait2, sockets.CloseWait, sockets.Closing,
	sockets.LastAck, sockets.TimeWait, sockets.Close,
}

const (
	rowUnconn = len(rowStates)
	rowOther  = rowUnconn + 1
	numRows   = rowOther + 1
)

var rowOf = func() (m [256]int8) {
	for i := range m {
		m[i] = int8(rowOther)
	}
	for i, st := range rowStates {
		m[st] = int8(i)
	}
	m[sockets.NewSynRecv] = m[sockets.SynRecv]
	m[sockets.BoundInactive] = m[sockets.Close]
	return m
}()

func rowName(r int) string {
	switch r {
	case rowUnconn:
		return "UNCONN"
	case rowOther:
		return "OTHER"
	}
	return rowStates[r].String()
}

func isTCP(p sockets.Proto) bool { return p == sockets.TCP || p == sockets.MPTCP }

// stateRow returns the row of the state table s counts in.
func stateRow(s *sockets.Socket) int {
	r := int(rowOf[s.State])
	if r == int(rowOf[sockets.Close]) && !isTCP(s.Proto) {
		return rowUnconn
	}
	return r
}

// Columns of the protocol table: two per IP protocol (IPv4, IPv6), then
// unix, then any protocol added later.
var colProtos = [...]sockets.Proto{sockets.TCP, sockets.UDP, sockets.UDPLite, sockets.MPTCP, sockets.Raw}

const (
	colUnix  = 2 * len(colProtos)
	colOther = colUnix + 1
	numCols  = colOther + 1
)

var colOf = func() (m [256]int8) {
	for i := range m {
		m[i] = int8(colOther)
	}
	for i, p := range colProtos {
		m[p] = int8(2 * i)
	}
	m[sockets.Unix] = int8(colUnix)
	return m
}()

func protoCol(s *sockets.Socket) int {
	c := int(colOf[s.Proto])
	if c < colUnix && s.Family == sockets.Inet6 {
		c++
	}
	return c
}

func colName(c int) string {
	switch {
	case c == colUnix:
		return "unix"
	case c == colOther:
		return "other"
	case c%2 == 1:
		return colProtos[c/2].String() + "6"
	}
	return colProtos[c/2].String()
}

// Compute counts socks (a listing after attribution, for the process
// counts) as opts says: Top and Ephemeral. It does not modify socks and
// ignores holders with a nil ProcessInfo (invalid).
func Compute(socks []sockets.Socket, opts Options) *Summary {
	top := opts.top()
	var counts [numCols][numRows]int
	sum := &Summary{Total: len(socks)}
	procs := make(map[int32]*ProcessCount)
	remotes := make(map[netip.AddrPort]*RemoteCount)
	twPorts := make(map[uint16]int)
	eph := opts.Ephemeral
	var used *[65536 / 64]uint64
	if eph.Known() {
		used = new([65536 / 64]uint64)
	}
	for i := range socks {
		s := &socks[i]
		row := stateRow(s)
		counts[protoCol(s)][row]++
		tcp := isTCP(s.Proto)
		held := false
		for j, p := range s.Processes {
			if p.Info == nil || dupPID(s.Processes[:j], p.Info.PID) {
				continue
			}
			pc := procs[p.Info.PID]
			if pc == nil {
				pc = &ProcessCount{PID: p.Info.PID, Name: p.Info.Name, User: p.Info.User}
				procs[p.Info.PID] = pc
			}
			held = true
			pc.Total++
			if tcp {
				pc.TCP++
				switch row {
				case int(rowOf[sockets.Established]):
					pc.Established++
				case int(rowOf[sockets.CloseWait]):
					pc.CloseWait++
				case int(rowOf[sockets.Listen]):
					pc.Listen++
				}
			}
		}
		if held {
			sum.Processes.Held++
		} else {
			sum.Processes.NoProcess++
		}
		if s.Proto != sockets.TCP || s.Family == sockets.Local || row == int(rowOf[sockets.Listen]) {
			continue
		}
		lport := s.Local.Port()
		inEph := eph.Contains(lport)
		if inEph {
			used[lport/64] |= 1 << (lport % 64)
		}
		rc := remotes[s.Remote]
		if rc == nil {
			rc = &RemoteCount{Remote: s.Remote}
			remotes[s.Remote] = rc
		}
		rc.Sockets++
		if inEph {
			rc.Ephemeral++
		}
		if s.State == sockets.TimeWait {
			rc.TimeWait++
			twPorts[lport]++
			sum.TimeWait.Total++
		}
	}

	for c := range numCols {
		p := Protocol{Name: colName(c)}
		switch {
		case c == colUnix:
			p.Proto, p.Family = sockets.Unix, sockets.Local
		case c < colUnix:
			p.Proto, p.Family = colProtos[c/2], sockets.Inet+sockets.Family(c%2)
		}
		for r := range numRows {
			if n := counts[c][r]; n > 0 {
				p.Total += n
				p.States = append(p.States, StateCount{rowName(r), n})
			}
		}
		if p.Total > 0 {
			sum.Protocols = append(sum.Protocols, p)
		}
	}
	for r := range numRows {
		n := 0
		for c := range numCols {
			n += counts[c][r]
		}
		if n > 0 {
			sum.States = append(sum.States, StateCount{rowName(r), n})
		}
	}

	sum.Processes.Count = len(procs)
	all := make([]*ProcessCount, 0, len(procs))
	for _, pc := range procs {
		all = append(all, pc)
	}
	slices.SortFunc(all, func(a, b *ProcessCount) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(b.CloseWait, a.CloseWait), cmp.Compare(a.PID, b.PID))
	})
	for _, pc := range all[:min(top, len(all))] {
		sum.Processes.Top = append(sum.Processes.Top, *pc)
	}

	tw := &sum.TimeWait
	tw.Ephemeral = eph
	if used != nil {
		for _, w := range used {
			tw.EphemeralInUse += bits.OnesCount64(w)
		}
	}
	rs := make([]*RemoteCount, 0, len(remotes))
	for _, rc := range remotes {
		if rc.TimeWait > 0 {
			rs = append(rs, rc)
		}
	}
	slices.SortFunc(rs, func(a, b *RemoteCount) int {
		return cmp.Or(cmp.Compare(b.TimeWait, a.TimeWait), cmp.Compare(b.Sockets, a.Sockets), a.Remote.Compare(b.Remote))
	})
	for _, rc := range rs[:min(top, len(rs))] {
		tw.Remotes = append(tw.Remotes, *rc)
	}
	for port, n := range twPorts {
		if n >= 2 {
			tw.LocalPorts = append(tw.LocalPorts, PortCount{port, n})
		}
	}
	slices.SortFunc(tw.LocalPorts, func(a, b PortCount) int {
		return cmp.Or(cmp.Compare(b.TimeWait, a.TimeWait), cmp.Compare(a.Port, b.Port))
	})
	tw.LocalPorts = tw.LocalPorts[:min(top, len(tw.LocalPorts))]
	return sum
}

// dupPID reports whether one of earlier, the holders listed before
// another, is process pid too (Windows gives a process one holder per
// service), so that the socket counts once for it.
func dupPID(earlier []sockets.Process, pid int32) bool {
	for _, q := range earlier {
		if q.Info != nil && q.Info.PID == pid {
			return true
		}
	}
	return false
}
