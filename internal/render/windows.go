package render

import (
	"bufio"
	"iter"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// The windows style is Windows netstat's layout (-a, -n, -o, -b, -f),
// column for column: each row is printed as "  %-5s  %-22s %-22s %-15s %s"
// would print it (protocol, local, foreign, state, PID), so an address
// longer than 22 columns pushes the rest of its row right by what it
// overflows, exactly as on Windows. Without -o the row ends after the
// state, with no trailing blanks.

// winStateNames are Windows netstat's names of the TCP states.
var winStateNames = [...]string{
	sockets.Established:   "ESTABLISHED",
	sockets.SynSent:       "SYN_SENT",
	sockets.SynRecv:       "SYN_RECEIVED",
	sockets.FinWait1:      "FIN_WAIT_1",
	sockets.FinWait2:      "FIN_WAIT_2",
	sockets.TimeWait:      "TIME_WAIT",
	sockets.Close:         "CLOSED",
	sockets.CloseWait:     "CLOSE_WAIT",
	sockets.LastAck:       "LAST_ACK",
	sockets.Listen:        "LISTENING",
	sockets.Closing:       "CLOSING",
	sockets.NewSynRecv:    "SYN_RECEIVED",
	sockets.BoundInactive: "BOUND",
}

// winState returns the state as Windows netstat prints it: TCP states by
// Windows' names, nothing for datagram and raw sockets (whose state
// Windows does not show), and LISTENING, ESTABLISHED or nothing for unix
// sockets.
func winState(s *sockets.Socket) string {
	switch s.Proto {
	case sockets.TCP, sockets.MPTCP:
		if int(s.State) < len(winStateNames) && winStateNames[s.State] != "" {
			return winStateNames[s.State]
		}
		return s.State.String()
	case sockets.Unix:
		switch s.State {
		case sockets.Listen:
			return "LISTENING"
		case sockets.Established:
			return "ESTABLISHED"
		}
	}
	return ""
}

// winProto returns the protocol column: TCP (MPTCP too), UDP (UDP-Lite
// too), RAW, UNIX.
func winProto(p sockets.Proto) string {
	switch p {
	case sockets.TCP, sockets.MPTCP:
		return "TCP"
	case sockets.UDP, sockets.UDPLite:
		return "UDP"
	case sockets.Raw:
		return "RAW"
	case sockets.Unix:
		return "UNIX"
	}
	return strings.ToUpper(p.String())
}

func writeWindows(w *bufio.Writer, rows iter.Seq[*sockets.Socket], o *Options) {
	lab := labelsFor(o.Lang)
	head := lab.winHead
	if o.ShowPID {
		head = lab.winHeadPID
	}
	if !o.NoHeader {
		w.WriteString("\n" + lab.winTitle + "\n\n" + head + "\n")
	}
	showUnix := windowsShowsUnix(rows, o.Protos)
	line := make([]byte, 0, rowBufSize)
	for s := range rows {
		if s.Family == sockets.Local && !showUnix {
			continue
		}
		line = appendWindowsRow(line[:0], s, o)
		if o.ShowExe {
			line = appendWindowsOwner(line, s)
		}
		w.Write(line)
	}
}

// windowsShowsUnix reports whether the windows style prints unix sockets:
// only when nothing but unix sockets was asked for (Windows netstat has
// none to show).
func windowsShowsUnix(rows iter.Seq[*sockets.Socket], asked sockets.ProtoSet) bool {
	if asked != 0 {
		// Asked for: -x alone, or with other protocols (-x -p tcp).
		return asked.Has(sockets.Unix)
	}
	some := false
	for s := range rows {
		if s.Family != sockets.Local {
			return false
		}
		some = true
	}
	return some
}

// appendWindowsRow appends one row and its newline.
func appendWindowsRow(b []byte, s *sockets.Socket, o *Options) []byte {
	b = append(b, "  "...)
	proto := winProto(s.Proto)
	b = append(b, proto...)
	b = appendPad(b, 5-len(proto))
	b = append(b, "  "...)

	start := len(b)
	if s.Family == sockets.Local {
		b, _ = appendUnixName(b, s.Path)
	} else {
		b = appendWindowsEndpoint(b, s, s.Local, o)
	}
	b = appendPad(b, 22-textwidth.Bytes(b[start:]))
	b = append(b, ' ')

	start = len(b)
	switch {
	case s.Family == sockets.Local:
		b, _ = appendUnixName(b, s.PeerPath)
	case s.Proto != sockets.TCP && s.Proto != sockets.MPTCP && s.State != sockets.Established:
		b = append(b, "*:*"...)
	default:
		b = appendWindowsEndpoint(b, s, s.Remote, o)
	}
	b = appendPad(b, 22-textwidth.Bytes(b[start:]))
	b = append(b, ' ')

	state := winState(s)
	color := ""
	if o.Color {
		color = stateColor(s)
	}
	b = appendColored(b, color, []byte(state), len(state), 15)
	if o.ShowPID {
		b = append(b, ' ')
		var pid int32
		if len(s.Processes) > 0 {
			pid = s.Processes[0].Info.PID
		}
		b = strconv.AppendInt(b, int64(pid), 10)
	} else {
		b = trimRight(b)
	}
	return append(b, '\n')
}

// appendWindowsOwner appends what netstat -b prints under a row: the
// service (the holder's unit — a Windows service name, or a systemd unit
// other than a scope or slice) indented by two, then the base name of the
// executable in brackets indented by one, as Windows prints the service
// hosted in svchost.exe. A socket no process holds and the kernel owns
// (inode 0: TIME_WAIT, orphans, request sockets; PID 0 on Windows) gets
// nothing; one whose holder or executable cannot be seen gets netstat's
// "Can not obtain ownership information".
func appendWindowsOwner(b []byte, s *sockets.Socket) []byte {
	if len(s.Processes) == 0 {
		if s.Inode == 0 {
			return b
		}
		return append(b, " Can not obtain ownership information\n"...)
	}
	p := &s.Processes[0]
	if p.Info.Exe == "" {
		return append(b, " Can not obtain ownership information\n"...)
	}
	if p.Info.Unit != "" && !strings.HasSuffix(p.Info.Unit, ".scope") && !strings.HasSuffix(p.Info.Unit, ".slice") {
		b = append(b, "  "...)
		b, _ = appendSafe(b, p.Info.Unit)
		b = append(b, '\n')
	}
	b = append(b, " ["...)
	b, _ = appendSafe(b, baseName(p.Info.Exe))
	if p.Info.ExeDeleted {
		b = append(b, " (deleted)"...)
	}
	return append(b, "]\n"...)
}
