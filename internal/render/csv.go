package render

import (
	"bufio"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// csvHeader names the CSV columns (docs/json.md). Inet sockets leave the
// path columns empty, unix sockets the ip and port columns; the holder
// columns (pids, programs, exes, users) list one entry per process in the
// same order, separated by ';'.
const csvHeader = "proto,family,state,local_ip,local_port,local_path,remote_ip,remote_port,remote_path," +
	"recv_q,send_q,inode,uid,netns,type,pids,programs,exes,users\n"

// writeCSV writes an RFC 4180 table with a header row and one row per
// socket, lines ending in "\n". Like encoding/csv it quotes a field that
// holds a comma, a quote, CR or LF, or starts with a space or tab; unlike
// it, it does not allocate per field, and it replaces invalid UTF-8 with
// U+FFFD.
func writeCSV(w *bufio.Writer, socks []sockets.Socket) {
	w.WriteString(csvHeader)
	line := make([]byte, 0, rowBufSize)
	for i := range socks {
		line = appendCSVRow(line[:0], &socks[i])
		w.Write(line)
	}
}

func appendCSVRow(b []byte, s *sockets.Socket) []byte {
	b = append(b, s.Proto.String()...)
	b = append(b, ',')
	b = append(b, s.Family.String()...)
	b = append(b, ',')
	b = append(b, s.StateName()...)
	if s.Family == sockets.Local {
		b = append(b, ",,,"...)
		b = appendCSVField(b, s.Path)
		b = append(b, ",,,"...)
		b = appendCSVField(b, s.PeerPath)
	} else {
		b = appendCSVEndpoint(b, s.Local)
		b = appendCSVEndpoint(b, s.Remote)
	}
	for i, v := range [...]uint64{uint64(s.RecvQ), uint64(s.SendQ), s.Inode, uint64(s.UID), s.NetNS} {
		b = append(b, ',')
		if i == 3 && s.UID == sockets.NoUID {
			continue // unknown: empty
		}
		b = strconv.AppendUint(b, v, 10)
	}
	b = append(b, ',')
	if s.Family == sockets.Local {
		b = append(b, s.Type.String()...)
	}
	b = append(b, ',')
	for i := range s.Processes {
		if i > 0 {
			b = append(b, ';')
		}
		b = strconv.AppendInt(b, int64(s.Processes[i].PID), 10)
	}
	for field := range 3 {
		b = append(b, ',')
		start := len(b)
		for i := range s.Processes {
			p := &s.Processes[i]
			if i > 0 {
				b = append(b, ';')
			}
			switch field {
			case 0:
				b = appendUTF8(b, p.Name)
			case 1:
				b = appendUTF8(b, p.Exe)
				if p.ExeDeleted {
					b = append(b, " (deleted)"...)
				}
			case 2:
				b = appendUTF8(b, p.User)
			}
		}
		if csvNeedsQuotes(b[start:]) {
			b = quoteCSV(b, start)
		}
	}
	return append(b, '\n')
}

// appendCSVEndpoint appends ",ip,port," for an inet endpoint: the empty
// field is its path.
func appendCSVEndpoint(b []byte, ap netip.AddrPort) []byte {
	b = append(b, ',')
	if a := ap.Addr(); a.Is4() {
		b = appendIPv4(b, a.As4())
	} else if a.Zone() == "" {
		b = appendIPv6Zone(b, a)
	} else {
		b = appendCSVField(b, a.String()) // a zone can hold anything
	}
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(ap.Port()), 10)
	return append(b, ',')
}

// appendCSVField appends one field, quoted if it needs to be.
func appendCSVField(b []byte, s string) []byte {
	start := len(b)
	b = appendUTF8(b, s)
	if csvNeedsQuotes(b[start:]) {
		b = quoteCSV(b, start)
	}
	return b
}

// appendUTF8 appends s with each byte of invalid UTF-8 replaced by U+FFFD.
func appendUTF8(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		return append(b, s...)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

func csvNeedsQuotes(f []byte) bool {
	if len(f) == 0 {
		return false
	}
	if f[0] == ' ' || f[0] == '\t' {
		return true
	}
	for _, c := range f {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}

// quoteCSV rewrites b[start:] as a quoted field, doubling its quotes.
func quoteCSV(b []byte, start int) []byte {
	field := string(b[start:])
	b = append(b[:start], '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, field[i])
	}
	return append(b, '"')
}
