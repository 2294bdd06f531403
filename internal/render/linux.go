package render

import (
	"bufio"
	"iter"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// The linux style is net-tools netstat 2.10, column for column (its
// netstat.c: tcp_do_one, udp_do_one, raw_do_one, unix_do_one,
// finish_this_one), trailing blanks included: inet rows are
// "%-4s  %6lu %6lu %-23s %-23s %-11s" (UDP "%-5s " for the protocol), an
// address wider than 23 pushes the row right, -e adds " %-10s %-10lu"
// (user, inode), -p adds " %-20s" (PID/Program name), -o (Timers) adds
// " %s" (the timer; unix rows have none). Unix rows are
// "%-5s %-6lu %-11s %-10s %-13s %-8lu" then -p's column and " %s" (path).
//
// Where net-tools reads /proc and we read sock_diag, the numbers are made
// to say what /proc says: a TCP listener's Send-Q is 0 (sock_diag gives
// its backlog). What net-tools reads and sock_diag does not report is
// approximated: RefCnt is 3 for a connected unix socket and 2 otherwise
// (what the kernel reports for a socket held by one process), Flags is
// "[ ACC ]" for a listener and "[ ]" otherwise (no W or N flags).

// progWidth is net-tools' PROGNAME_WIDTH: "PID/Program name" holds at most
// 19 bytes.
const progWidth = 20

func writeLinux(w *bufio.Writer, rows iter.Seq[*sockets.Socket], o *Options) {
	inet, unix := linuxSections(rows, o.Protos)
	suffix := "(w/o servers)"
	switch {
	case o.All:
		suffix = "(servers and established)"
	case o.ListeningOnly:
		suffix = "(only servers)"
	}
	prog := o.ShowProgram || o.ShowPID
	b := make([]byte, 0, rowBufSize)
	if inet {
		b = append(b[:0], "Active Internet connections "+suffix+"\n"...)
		b = append(b, "Proto Recv-Q Send-Q Local Address           Foreign Address         State      "...)
		if o.Extended {
			b = append(b, " User       Inode     "...)
		}
		if prog {
			b = append(b, " PID/Program name    "...)
		}
		if o.Timers {
			b = append(b, " Timer"...)
		}
		if o.ShowExe {
			b = append(b, " Executable"...)
		}
		b = append(b, '\n')
		if !o.NoHeader {
			w.Write(b)
		}
		for s := range rows {
			if s.Family != sockets.Local {
				b = appendLinuxInet(b[:0], s, o, prog)
				w.Write(b)
			}
		}
	}
	if unix {
		b = append(b[:0], "Active UNIX domain sockets "+suffix+"\n"...)
		b = append(b, "Proto RefCnt Flags       Type       State         I-Node  "...)
		if prog {
			b = append(b, " PID/Program name    "...)
		}
		b = append(b, " Path\n"...)
		if !o.NoHeader {
			w.Write(b)
		}
		for s := range rows {
			if s.Family == sockets.Local {
				b = appendLinuxUnix(b[:0], s, o, prog)
				w.Write(b)
			}
		}
	}
}

// linuxSections says which sections to print: those asked for, or, when
// nothing was said, those with sockets (inet for an empty listing).
func linuxSections(rows iter.Seq[*sockets.Socket], asked sockets.ProtoSet) (inet, unix bool) {
	if asked != 0 {
		return asked&^sockets.ProtoSet(0).With(sockets.Unix) != 0, asked.Has(sockets.Unix)
	}
	for s := range rows {
		if s.Family == sockets.Local {
			unix = true
		} else {
			inet = true
		}
		if inet && unix {
			break
		}
	}
	return inet || !unix, unix
}

// linuxProto returns net-tools' protocol names: tcp, udp, udpl (UDP-Lite),
// raw, and mptcp (which net-tools does not know), with "6" for IPv6.
func linuxProto(s *sockets.Socket) string {
	v6 := s.Family == sockets.Inet6
	switch s.Proto {
	case sockets.TCP:
		return pick(v6, "tcp6", "tcp")
	case sockets.UDP:
		return pick(v6, "udp6", "udp")
	case sockets.UDPLite:
		return pick(v6, "udpl6", "udpl")
	case sockets.Raw:
		return pick(v6, "raw6", "raw")
	case sockets.MPTCP:
		return pick(v6, "mptcp6", "mptcp")
	}
	return s.Proto.String()
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// appendLinuxInet appends one row of the inet section and its newline.
func appendLinuxInet(b []byte, s *sockets.Socket, o *Options, prog bool) []byte {
	proto := linuxProto(s)
	b = append(b, proto...)
	if s.Proto == sockets.UDP || s.Proto == sockets.UDPLite {
		b = appendPad(b, 5-len(proto))
		b = append(b, ' ')
	} else {
		b = appendPad(b, 4-len(proto))
		b = append(b, "  "...)
	}
	sendQ := uint64(s.SendQ)
	if s.State == sockets.Listen {
		// sock_diag reports a listener's backlog as its send queue (ss
		// prints it); /proc/net/tcp, which net-tools reads, says 0.
		sendQ = 0
	}
	b = appendRight(b, uint64(s.RecvQ), 6)
	b = append(b, ' ')
	b = appendRight(b, sendQ, 6)
	b = append(b, ' ')
	start := len(b)
	b = appendLinuxEndpoint(b, s, s.Local, o)
	b = appendPad(b, 23-textwidth.Bytes(b[start:]))
	b = append(b, ' ')
	start = len(b)
	b = appendLinuxEndpoint(b, s, s.Remote, o)
	b = appendPad(b, 23-textwidth.Bytes(b[start:]))
	b = append(b, ' ')

	var sbuf [16]byte
	state := sbuf[:0]
	switch s.Proto {
	case sockets.TCP, sockets.MPTCP:
		state = append(state, s.State.String()...)
	case sockets.Raw:
		// net-tools prints a raw socket's state as the kernel's number.
		state = strconv.AppendUint(state, uint64(s.State), 10)
	default:
		switch s.State {
		case sockets.Established:
			state = append(state, "ESTABLISHED"...)
		case sockets.Close:
		default:
			state = append(state, "UNKNOWN"...)
		}
	}
	color := ""
	if o.Color {
		color = stateColor(s)
	}
	b = appendColored(b, color, state, len(state), 11)

	if o.Extended {
		b = append(b, ' ')
		start = len(b)
		// net-tools names users unless -n (numeric hosts, ports and users).
		if name := userName(s, o); name != "" && (o.UserName != nil || o.Namer != nil) {
			b, _ = appendSafe(b, name)
		} else {
			b = appendUID(b, s.UID)
		}
		b = appendPad(b, 10-textwidth.Bytes(b[start:]))
		b = append(b, ' ')
		start = len(b)
		b = strconv.AppendUint(b, s.Inode, 10)
		b = appendPad(b, 10-(len(b)-start))
	}
	if prog {
		b = appendLinuxProg(b, s, o.Wide)
	}
	if o.Timers {
		b = append(b, ' ')
		b = appendTimer(b, s)
	}
	if o.ShowExe {
		b = append(b, ' ')
		b = appendExes(b, s)
	}
	return append(b, '\n')
}

// appendRight appends v right-aligned in width columns.
func appendRight(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	num := strconv.AppendUint(tmp[:0], v, 10)
	b = appendPad(b, width-len(num))
	return append(b, num...)
}

// appendLinuxProg appends net-tools' " %-20s" PID/Program name column:
// the first holder's PID and the first word of its command line (the base
// name when it is an absolute path), cut to 19 bytes unless wide, or "-".
func appendLinuxProg(b []byte, s *sockets.Socket, wide bool) []byte {
	b = append(b, ' ')
	start := len(b)
	if len(s.Processes) == 0 {
		b = append(b, '-')
	} else {
		p := &s.Processes[0]
		b = strconv.AppendInt(b, int64(p.Info.PID), 10)
		b = append(b, '/')
		name := p.Info.Name
		if len(p.Info.Cmdline) > 0 && p.Info.Cmdline[0] != "" {
			name = p.Info.Cmdline[0]
			if name[0] == '/' {
				name = baseName(name)
			}
		}
		b, _ = appendSafe(b, name)
		if !wide && len(b)-start > progWidth-1 {
			b = b[:start+runeCut(b[start:], progWidth-1)]
		}
	}
	return appendPad(b, progWidth-textwidth.Bytes(b[start:]))
}

// appendLinuxUnix appends one row of the unix section and its newline.
func appendLinuxUnix(b []byte, s *sockets.Socket, o *Options, prog bool) []byte {
	refcnt, flags, state := "2", "[ ]", ""
	switch s.State {
	case sockets.Listen:
		flags, state = "[ ACC ]", "LISTENING"
	case sockets.Established:
		refcnt, state = "3", "CONNECTED"
	case sockets.SynSent:
		state = "CONNECTING"
	case sockets.Close:
	default:
		state = "UNKNOWN"
	}
	b = append(b, "unix  "...)
	b = append(b, refcnt...)
	b = appendPad(b, 6-len(refcnt))
	b = append(b, ' ')
	b = append(b, flags...)
	b = appendPad(b, 11-len(flags))
	b = append(b, ' ')
	typ := "UNKNOWN"
	switch s.Type {
	case sockets.Stream:
		typ = "STREAM"
	case sockets.Dgram:
		typ = "DGRAM"
	case sockets.RawType:
		typ = "RAW"
	case sockets.SeqPacket:
		typ = "SEQPACKET"
	}
	b = append(b, typ...)
	b = appendPad(b, 10-len(typ))
	b = append(b, ' ')
	color := ""
	if o.Color {
		color = stateColor(s)
	}
	b = appendColored(b, color, []byte(state), len(state), 13)
	b = append(b, ' ')
	start := len(b)
	b = strconv.AppendUint(b, s.Inode, 10)
	b = appendPad(b, 8-(len(b)-start))
	if prog {
		b = appendLinuxProg(b, s, o.Wide)
	}
	b = append(b, ' ')
	b, _ = appendSafe(b, s.Path)
	return append(b, '\n')
}
