package tui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// colID names a column of the socket table.
type colID uint8

const (
	colNone  colID = iota // no sort: the order the source listed
	colMark               // + new, ~ changed, - closed, * marked (no colour)
	colNetNS              // the socket's network namespace, among several
	colProto
	colLocal
	colRemote
	colState
	colPID
	colProgram
	colUser
	colContainer
	colRTT
	colRecvQ
	colSendQ
	colCount
)

// colKeys are the columns' i18n keys of their headings.
var colKeys = [colCount]string{
	colMark: "tui.col.mark", colNetNS: "tui.col.netns", colProto: "tui.col.proto", colLocal: "tui.col.local",
	colRemote: "tui.col.remote", colState: "tui.col.state", colPID: "tui.col.pid",
	colProgram: "tui.col.program", colUser: "tui.col.user", colContainer: "tui.col.container",
	colRTT: "tui.col.rtt", colRecvQ: "tui.col.recvq", colSendQ: "tui.col.sendq",
}

// numeric columns are right-aligned.
func (c colID) numeric() bool {
	return c == colPID || c == colRTT || c == colRecvQ || c == colSendQ
}

// toggles are the optional columns the user turned on.
type toggles struct {
	user, container, rtt, queues bool
}

// columns returns the table's columns: the fixed ones, then those toggled
// on, with the marker column first when there is no colour, and the
// namespace's next when the sockets come from several (netns).
func columns(color bool, t toggles, netns bool) []colID {
	var cs []colID
	if !color {
		cs = append(cs, colMark)
	}
	if netns {
		cs = append(cs, colNetNS)
	}
	cs = append(cs, colProto, colLocal, colRemote, colState, colPID, colProgram)
	if t.user {
		cs = append(cs, colUser)
	}
	if t.container {
		cs = append(cs, colContainer)
	}
	if t.rtt {
		cs = append(cs, colRTT)
	}
	if t.queues {
		cs = append(cs, colRecvQ, colSendQ)
	}
	return cs
}

// cellEnv is what formatting a cell needs besides the row.
type cellEnv struct {
	namer    render.Namer
	userName func(uint32) string
	netns    func(inode uint64) *netns.Label // Options.Namespace
	picked   bool
	// addrMax and progMax are the widths addresses and names are cut
	// to, so that the six base columns fit the screen.
	addrMax, progMax int
}

// cellText returns the text of column c of r as shown: cut to the
// column's width, escaped for the terminal (control bytes in a name a
// process chose) and for tview (which reads "[...]" as a style tag).
func cellText(r *row, c colID, e *cellEnv) string {
	t := rawText(r, c, e)
	switch c {
	case colLocal, colRemote:
		// An address keeps its port, a path its file name.
		return safe(cutLeft(t, e.addrMax))
	case colProgram, colUser:
		return safe(cutRight(t, e.progMax))
	case colContainer, colNetNS:
		return safe(cutRight(t, 16))
	}
	return safe(t)
}

// rawText is the text of column c of r, neither cut nor escaped: what the
// search matches and the sort of text columns compares.
func rawText(r *row, c colID, e *cellEnv) string {
	s := &r.s
	switch c {
	case colMark:
		m := [...]string{markNone: " ", markNew: "+", markChanged: "~", markGone: "-"}[r.mark]
		if e.picked {
			return m + "*"
		}
		return m + " "
	case colNetNS:
		return netnsText(s.NetNS, e.netns)
	case colProto:
		return protoText(s)
	case colLocal:
		return endpointText(s, false, e.namer)
	case colRemote:
		return endpointText(s, true, e.namer)
	case colState:
		return s.StateName()
	case colPID:
		if pid := r.pid(); pid != 0 {
			t := strconv.Itoa(int(pid))
			if len(s.Processes) > 1 {
				t += "+"
			}
			return t
		}
		return ""
	case colProgram:
		if h := r.holder(); h != nil {
			return h.Name
		}
		return ""
	case colUser:
		return userText(r, e.userName)
	case colContainer:
		if h := r.holder(); h != nil && h.Container != "" {
			return h.Container
		}
		return ""
	case colRTT:
		if in := s.Internals; in != nil && in.Has&sockets.HasTCPInfo != 0 && in.TCP.RTT != 0 {
			return strconv.FormatFloat(float64(in.TCP.RTT)/1000, 'f', 1, 64) + "ms"
		}
		return ""
	case colRecvQ:
		return strconv.FormatUint(uint64(s.RecvQ), 10)
	case colSendQ:
		return strconv.FormatUint(uint64(s.SendQ), 10)
	}
	return ""
}

// netnsText names a namespace as the listing's NetNS column does: its
// name, else its container's, else its inode.
func netnsText(inode uint64, names func(uint64) *netns.Label) string {
	if names != nil {
		if l := names(inode); l != nil {
			switch {
			case l.Name != "":
				return l.Name
			case l.Container.Name != "":
				return l.Container.Name
			}
		}
	}
	if inode == 0 {
		return ""
	}
	return strconv.FormatUint(inode, 10)
}

// userText names the socket's user: its holder's, else the uid's.
func userText(r *row, userName func(uint32) string) string {
	if h := r.holder(); h != nil && h.User != "" {
		return h.User
	}
	if r.s.UID == sockets.NoUID {
		return ""
	}
	if userName != nil {
		if n := userName(r.s.UID); n != "" {
			return n
		}
	}
	return strconv.FormatUint(uint64(r.s.UID), 10)
}

// protoText is the protocol as ss's Netid column shows it, with a 6 for
// IPv6: tcp, tcp6, udp6, unix (u_str, u_dgr, u_seq for unix types).
func protoText(s *sockets.Socket) string {
	if s.Proto == sockets.Unix {
		switch s.Type {
		case sockets.Stream:
			return "u_str"
		case sockets.Dgram:
			return "u_dgr"
		case sockets.SeqPacket:
			return "u_seq"
		}
		return "unix"
	}
	if s.Family == sockets.Inet6 {
		return s.Proto.String() + "6"
	}
	return s.Proto.String()
}

// endpointText is the local or remote end of s as the modern listing
// prints it (host:port, IPv6 in brackets, names where the namer has them,
// "*" for a port 0, "*:*" for no peer); a unix socket's path, "*" if
// unbound.
func endpointText(s *sockets.Socket, remote bool, n render.Namer) string {
	if s.Proto == sockets.Unix {
		p := s.Path
		if remote {
			p = s.PeerPath
			if p == "" && s.Peer != 0 {
				return "*" + strconv.FormatUint(s.Peer, 10)
			}
		}
		if p == "" {
			return "*"
		}
		return p
	}
	return string(render.AppendModernEndpoint(nil, s, remote, n))
}

// safe returns s with control characters escaped and tview's style tags
// neutralised: a word joiner (zero width, dropped on screen) after each
// "[" keeps tview from reading a tag there. tview.Escape does not do for
// untrusted text: it leaves some tag-like strings ("[:::[]") to the
// parser, which then swallows them.
func safe(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= utf8.RuneSelf || c == '[' {
			t, _ := render.SafeText(s)
			return strings.ReplaceAll(t, "[", "[\u2060")
		}
	}
	return s
}

// cutLeft shortens s to max columns by dropping its start ("…" first),
// so that an address keeps its port; max <= 0 keeps s.
func cutLeft(s string, max int) string {
	if max <= 0 || textwidth.String(s) <= max {
		return s
	}
	rs := []rune(s)
	w := 1
	i := len(rs)
	for i > 0 && w+textwidth.Rune(rs[i-1]) <= max {
		i--
		w += textwidth.Rune(rs[i])
	}
	return "…" + string(rs[i:])
}

// cutRight shortens s to max columns by dropping its end ("…" last).
func cutRight(s string, max int) string {
	if max <= 0 || textwidth.String(s) <= max {
		return s
	}
	w := 1
	var b strings.Builder
	for _, r := range s {
		rw := textwidth.Rune(r)
		if w+rw > max {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	b.WriteString("…")
	return b.String()
}
