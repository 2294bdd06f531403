package ssmode

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/sockscope/sockscope/internal/names"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// The columns of ss's table, in order.
const (
	colNetid = iota
	colState
	colRecvQ
	colSendQ
	colAddr
	colServ
	colRAddr
	colRServ
	colExt
	colProc
	numCols
)

// Names says how to name what a row shows; every field is optional.
type Names struct {
	// Services names ports (getservbyport); nil names none.
	Services *names.Services
	// EphemeralLo and EphemeralHi are the local port range, whose ports
	// ss never names; zero means ss's fallback, 1024 to 4999.
	EphemeralLo, EphemeralHi int
	// Interface returns the name of an interface index ("" if unknown:
	// ss then writes "if" and the index).
	Interface func(index uint32) string
	// Protocol returns the name of an IP protocol number from
	// protocols(5), "" if it has none.
	Protocol func(p uint8) string
	// CgroupPath returns the path of a cgroup v2 id, as ss -e shows it.
	CgroupPath func(id uint64) string
	// Host returns the name of an address for -r, "" for none.
	Host func(a netip.Addr) string
	// RawDiag says whether the kernel answers raw sockets over sock_diag
	// (raw_diag). Without it ss reads /proc/net/raw, where a raw socket
	// is named "raw" and has no timer or -e details; with it ss names one
	// by its protocol.
	RawDiag bool

	// NetlinkNames names netlink protocols (/etc/iproute2/nl_protos
	// read by ParseNetlinkNames); nil uses iproute2's built-in names.
	NetlinkNames map[uint8]string
	// Comm returns the command name of a process (/proc/PID/stat's), ""
	// if there is none, for the owners of netlink sockets.
	Comm func(pid int32) string

	// v6only holds the cookies of the sockets known to be IPV6_V6ONLY
	// beyond their internals.
	v6only map[uint64]bool
}

// netid returns ss's Netid of s; rawDiag as in Names.
func netid(s *sockets.Socket, rawDiag bool) string {
	switch s.Proto {
	case sockets.TCP:
		return "tcp"
	case sockets.UDP:
		return "udp"
	case sockets.MPTCP:
		return "mptcp"
	case sockets.Raw:
		if !rawDiag {
			return "raw"
		}
		// ss names a raw socket by its protocol (INET_DIAG_PROTOCOL).
		return protoName(s.Local.Port())
	case sockets.Unix:
		switch s.Type {
		case sockets.Stream:
			return "u_str"
		case sockets.SeqPacket:
			return "u_seq"
		}
		return "u_dgr"
	}
	return "unknown"
}

// protoName is ss's proto_name.
func protoName(p uint16) string {
	switch p {
	case 0:
		return "raw"
	case 17:
		return "udp"
	case 6:
		return "tcp"
	case 262:
		return "mptcp"
	case 132:
		return "sctp"
	case 33:
		return "dccp"
	case 58:
		return "icmp6"
	}
	return "???"
}

// stateNames are ss's names of the kernel's states.
var stateNames = [...]string{
	0:                     "UNKNOWN",
	sockets.Established:   "ESTAB",
	sockets.SynSent:       "SYN-SENT",
	sockets.SynRecv:       "SYN-RECV",
	sockets.FinWait1:      "FIN-WAIT-1",
	sockets.FinWait2:      "FIN-WAIT-2",
	sockets.TimeWait:      "TIME-WAIT",
	sockets.Close:         "UNCONN",
	sockets.CloseWait:     "CLOSE-WAIT",
	sockets.LastAck:       "LAST-ACK",
	sockets.Listen:        "LISTEN",
	sockets.Closing:       "CLOSING",
	sockets.NewSynRecv:    "SYN-RECV", // the kernel reports request sockets so
	sockets.BoundInactive: "UNCONN",   // and bound-inactive ones so
}

func stateName(st sockets.State) string {
	if int(st) < len(stateNames) {
		return stateNames[st]
	}
	return "UNKNOWN"
}

// appendQueue appends v as ss's "%-6d" of an int.
func appendQueue(b []byte, v uint32) []byte {
	n := len(b)
	b = strconv.AppendInt(b, int64(int32(v)), 10)
	for len(b)-n < 6 {
		b = append(b, ' ')
	}
	return b
}

// v6Only reports IPV6_V6ONLY of s where the source reported it.
func v6Only(s *sockets.Socket) bool {
	in := s.Internals
	return in != nil && in.Has&sockets.HasV6Only != 0 && in.V6Only
}

// appendHost is appendHost with -r's names.
func (w *rowWriter) appendHost(b []byte, a netip.Addr, v6only bool) []byte {
	if w.o.Resolve && w.names.Host != nil && !a.IsUnspecified() {
		if name := w.names.Host(a); name != "" {
			return append(b, name...)
		}
	}
	return appendHost(b, a, v6only)
}

// appendHost appends ss's form of an address: IPv4 dotted, IPv6 in
// brackets as inet_ntop writes it, "*" for the IPv6 wildcard of a socket
// that also takes IPv4.
func appendHost(b []byte, a netip.Addr, v6only bool) []byte {
	if a.Is4() {
		return a.AppendTo(b)
	}
	raw := a.As16()
	if !v6only && raw == [16]byte{} {
		return append(b, '*')
	}
	b = append(b, '[')
	b = appendNtop6(b, raw)
	return append(b, ']')
}

// appendNtop6 appends an IPv6 address as glibc's inet_ntop writes it:
// the longest run of two or more zero groups (the first of equal ones)
// as "::", lower-case hex, and the last 32 bits dotted for IPv4-mapped
// addresses and for the old IPv4-compatible ones (::a.b.c.d).
func appendNtop6(b []byte, a [16]byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	bestBase, bestLen := -1, 0
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestBase, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				b = append(b, ':')
			}
			continue
		}
		if i != 0 {
			b = append(b, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			b = strconv.AppendUint(b, uint64(a[12]), 10)
			for _, x := range a[13:] {
				b = append(b, '.')
				b = strconv.AppendUint(b, uint64(x), 10)
			}
			return b
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		b = append(b, ':')
	}
	return b
}

// rowWriter formats the fields of one row into buf; field i is
// buf[at[i]:at[i+1]].
type rowWriter struct {
	o     *Options
	names *Names
	buf   []byte
	at    [numCols + 1]int
	// services caches port names (ss's cache), one per protocol.
	services [2]map[uint16]string
	ifnames  map[uint32]string
	cgroups  map[uint64]string
}

func (w *rowWriter) field(i int) []byte { return w.buf[w.at[i]:w.at[i+1]] }

// format fills the fields of s.
func (w *rowWriter) format(s *sockets.Socket) {
	if s.Proto == protoNetlink {
		w.formatNetlink(s)
		return
	}
	b := w.buf[:0]
	w.at[colNetid] = 0
	b = append(b, netid(s, w.names.RawDiag)...)
	w.at[colState] = len(b)
	b = append(b, stateName(s.State)...)
	w.at[colRecvQ] = len(b)
	b = appendQueue(b, s.RecvQ)
	w.at[colSendQ] = len(b)
	b = appendQueue(b, s.SendQ)
	w.at[colAddr] = len(b)
	if s.Family == sockets.Local {
		b = appendUnixName(b, s.Path)
		b = append(b, ' ')
		w.at[colServ] = len(b)
		b = strconv.AppendUint(b, s.Inode&0xffffffff, 10)
		w.at[colRAddr] = len(b)
		b = append(b, "* "...)
		w.at[colRServ] = len(b)
		b = strconv.AppendUint(b, s.Peer&0xffffffff, 10)
	} else {
		only := s.Family == sockets.Inet6 && (v6Only(s) || w.names.v6only[s.Cookie])
		b = w.appendHost(b, s.Local.Addr(), only)
		if s.Zone != 0 {
			b = append(b, '%')
			b = w.appendIfName(b, s.Zone)
		}
		b = append(b, ':')
		w.at[colServ] = len(b)
		b = w.appendService(b, s, s.Local.Port())
		w.at[colRAddr] = len(b)
		b = w.appendHost(b, s.Remote.Addr(), only)
		b = append(b, ':')
		w.at[colRServ] = len(b)
		b = w.appendService(b, s, s.Remote.Port())
	}
	w.at[colExt] = len(b)
	b = w.appendExt(b, s)
	w.at[colProc] = len(b)
	w.at[numCols] = len(b)
	w.buf = b
}

// appendUnixName appends a unix socket's name as ss shows it: "*" for
// none, every NUL of an abstract name as "@".
func appendUnixName(b []byte, path string) []byte {
	if path == "" {
		return append(b, '*')
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == 0 {
			c = '@'
		}
		b = append(b, c)
	}
	return b
}

func (w *rowWriter) appendIfName(b []byte, index uint32) []byte {
	name, ok := w.ifnames[index]
	if !ok {
		if w.names.Interface != nil {
			name = w.names.Interface(index)
		}
		if w.ifnames == nil {
			w.ifnames = make(map[uint32]string)
		}
		w.ifnames[index] = name
	}
	if name == "" {
		b = append(b, "if"...)
		return strconv.AppendUint(b, uint64(index), 10)
	}
	return append(b, name...)
}

// appendService is ss's resolve_service: "*" for port 0, the number with
// -n, the protocol's name for a raw socket, the service name of a port
// outside the ephemeral range where services(5) has one.
func (w *rowWriter) appendService(b []byte, s *sockets.Socket, port uint16) []byte {
	if port == 0 {
		return append(b, '*')
	}
	if w.o.Numeric {
		return strconv.AppendUint(b, uint64(port), 10)
	}
	if s.Proto == sockets.Raw {
		if w.names.Protocol != nil {
			if n := w.names.Protocol(uint8(port)); n != "" && port < 256 {
				return append(b, n...)
			}
		}
		b = append(b, "ipproto-"...)
		return strconv.AppendUint(b, uint64(port), 10)
	}
	proto, k := "tcp", 0
	if s.Proto == sockets.UDP {
		proto, k = "udp", 1
	}
	if w.services[k] == nil {
		w.services[k] = make(map[uint16]string)
	}
	name, ok := w.services[k][port]
	if !ok {
		lo, hi := w.names.EphemeralLo, w.names.EphemeralHi
		if lo == 0 && hi == 0 {
			lo, hi = 1024, 4999
		}
		if int(port) < lo || int(port) > hi {
			name, _ = w.names.Services.Lookup(port, proto)
		}
		w.services[k][port] = name
	}
	if name != "" {
		return append(b, name...)
	}
	return strconv.AppendUint(b, uint64(port), 10)
}

// appendExt appends what ss writes after the peer: users, timer,
// details, in ss's order.
func (w *rowWriter) appendExt(b []byte, s *sockets.Socket) []byte {
	if w.o.Processes {
		b = appendUsers(b, s.Processes, s.Inode)
	}
	inet := s.Family != sockets.Local
	if s.Proto == sockets.Raw && !w.names.RawDiag {
		return b // ss's /proc/net/raw reader prints nothing more
	}
	if inet && w.o.Timers {
		b = render.AppendSSTimer(b, s)
	}
	if !inet {
		// ss's unix_show_sock: the memory, then the details.
		if in := s.Internals; in != nil {
			if w.o.Memory {
				b = render.AppendSSMemory(b, in)
			}
			if w.o.Details > 0 {
				b = appendUnixDetails(b, in)
			}
		}
		return b
	}
	if w.o.Details > 0 {
		b = w.appendDetails(b, s)
	}
	if in := s.Internals; in != nil {
		if w.o.TOS {
			b = appendHexItem(b, " tos:", in.Has&sockets.HasTOS != 0, uint64(in.TOS))
			b = appendHexItem(b, " tclass:", in.Has&sockets.HasTClass != 0, uint64(in.TClass))
			b = appendHexItem(b, " class_id:", in.Has&sockets.HasClassID != 0, uint64(in.ClassID))
		}
		if w.o.Cgroup && in.Has&sockets.HasCgroupID != 0 {
			b = append(b, " cgroup:"...)
			b = append(b, w.cgroupPath(in.CgroupID)...)
		}
	}
	io := render.SSInfoOptions{Info: w.o.Info, Memory: w.o.Memory, Options: w.o.Timers, Numeric: w.o.Numeric}
	if render.SSInfoLine(s, io) {
		if !w.o.OneLine {
			b = append(b, "\n\t"...)
		}
		b = render.AppendSSInfo(b, s, io)
	}
	return b
}

// appendUsers appends ss's " users:((...),(...))": every holder, the
// highest PID first (ss reads /proc in PID order and prepends).
func appendUsers(b []byte, ps []sockets.Process, inode uint64) []byte {
	n := 0
	for i := range ps {
		if ps[i].Info != nil {
			n++
		}
	}
	if n == 0 {
		return b
	}
	order := ps
	if !slices.IsSortedFunc(ps, byPIDDesc) {
		order = slices.Clone(ps)
		slices.SortStableFunc(order, byPIDDesc)
	}
	b = append(b, " users:("...)
	first := true
	for i := range order {
		p := &order[i]
		if p.Info == nil {
			continue
		}
		// Every fd the process holds the socket on, highest first: ss
		// prepends each as it reads /proc/PID/fd in ascending order.
		more := p.Info.MoreFDs[inode] // above p.FD, ascending
		for k := len(more) - 1; k >= -1; k-- {
			fd := p.FD
			if k >= 0 {
				fd = more[k]
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, "(\""...)
			b = append(b, commName(p.Info.Name)...)
			b = append(b, "\",pid="...)
			b = strconv.AppendInt(b, int64(p.Info.PID), 10)
			b = append(b, ",fd="...)
			b = strconv.AppendInt(b, int64(fd), 10)
			b = append(b, ')')
		}
	}
	return append(b, ')')
}

func byPIDDesc(a, b sockets.Process) int {
	ap, bp := int32(-1), int32(-1)
	if a.Info != nil {
		ap = a.Info.PID
	}
	if b.Info != nil {
		bp = b.Info.PID
	}
	switch {
	case ap > bp:
		return -1
	case ap < bp:
		return 1
	}
	return int(b.FD) - int(a.FD)
}

// commName is the name as ss reads it from /proc/PID/stat, up to the
// first ')'.
func commName(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] == ')' {
			return name[:i]
		}
	}
	return name
}

// appendDetails appends ss -e's fields of an inet socket: uid, inode,
// cookie, mark, cgroup, v6only and the shutdown state, each where known.
func (w *rowWriter) appendDetails(b []byte, s *sockets.Socket) []byte {
	in := s.Internals
	if s.UID != 0 && s.UID != sockets.NoUID {
		b = append(b, " uid:"...)
		b = strconv.AppendUint(b, uint64(s.UID), 10)
	}
	b = append(b, " ino:"...)
	b = strconv.AppendUint(b, s.Inode&0xffffffff, 10)
	b = append(b, " sk:"...)
	b = strconv.AppendUint(b, s.Cookie, 16)
	if in == nil {
		return b
	}
	if in.Has&sockets.HasMark != 0 && in.Mark != 0 {
		b = append(b, " fwmark:0x"...)
		b = strconv.AppendUint(b, uint64(in.Mark), 16)
	}
	if in.Has&sockets.HasCgroupID != 0 && in.CgroupID != 0 {
		b = append(b, " cgroup:"...)
		b = append(b, w.cgroupPath(in.CgroupID)...)
	}
	if s.Family == sockets.Inet6 && in.Has&sockets.HasV6Only != 0 {
		b = append(b, " v6only:"...)
		if in.V6Only {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	if in.Has&sockets.HasShutdown != 0 {
		b = appendShutdown(b, in.Shutdown)
	}
	return b
}

// appendUnixDetails appends ss -e's fields of a unix socket: the
// shutdown state, the bound file's inode and device, and a listener's
// pending connections, each where the kernel sent it.
func appendUnixDetails(b []byte, in *sockets.Internals) []byte {
	if in.Has&sockets.HasShutdown != 0 {
		b = appendShutdown(b, in.Shutdown)
	}
	if in.Has&sockets.HasVFS != 0 {
		b = append(b, " ino:"...)
		b = strconv.AppendUint(b, uint64(in.VFSIno), 10)
		b = append(b, " dev:"...)
		// ss splits the kernel's major<<20|minor with the C library's
		// major() and minor(), made for the user-space encoding: a
		// device whose major is not 0 shows as ss shows it, not as ls
		// -l would.
		d := in.VFSDev
		b = strconv.AppendUint(b, uint64(d>>8&0xfff), 10)
		b = append(b, '/')
		b = strconv.AppendUint(b, uint64(d&0xff|d>>12&^0xff), 10)
	}
	if in.Has&sockets.HasPeers != 0 {
		b = append(b, " peers:"...)
		for _, p := range in.Peers {
			b = append(b, ' ')
			b = strconv.AppendUint(b, uint64(p), 10)
		}
	}
	return b
}

// appendHexItem appends name and v as C's "%#x" where has says the
// kernel sent it.
func appendHexItem(b []byte, name string, has bool, v uint64) []byte {
	if !has {
		return b
	}
	b = append(b, name...)
	if v != 0 {
		b = append(b, "0x"...)
	}
	return strconv.AppendUint(b, v, 16)
}

// cgroupPath is ss's cg_id_to_path: the path, or "unreachable:ID" in hex.
func (w *rowWriter) cgroupPath(id uint64) string {
	p, ok := w.cgroups[id]
	if !ok {
		if w.names.CgroupPath != nil {
			p = w.names.CgroupPath(id)
		}
		if p == "" {
			p = "unreachable:" + strconv.FormatUint(id, 16)
		}
		if w.cgroups == nil {
			w.cgroups = make(map[uint64]string)
		}
		w.cgroups[id] = p
	}
	return p
}

// appendShutdown appends ss's " <->" with '-' for a side shut down.
func appendShutdown(b []byte, mask uint8) []byte {
	l, r := byte('<'), byte('>')
	if mask&1 != 0 {
		l = '-'
	}
	if mask&2 != 0 {
		r = '-'
	}
	return append(b, ' ', l, '-', r)
}
