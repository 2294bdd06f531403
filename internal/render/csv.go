package render

import (
	"bufio"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// csvHeader names the CSV columns (docs/json.md). Inet sockets leave the
// path columns empty, unix sockets the ip and port columns; the holder
// columns (pids, programs, exes, users) list one entry per process in the
// same order, separated by ';'. Options.Timers adds csvTimerColumns, a
// repeated listing csvRoundColumns, in that order, at the end.
const (
	csvHeader = "proto,family,state,local_ip,local_port,local_path,remote_ip,remote_port,remote_path," +
		"recv_q,send_q,inode,uid,netns,type,pids,programs,exes,users"
	csvTimerColumns = ",timer,timer_expires_ms,timer_retrans,timer_probes"
	csvRoundColumns = ",seq,time"
)

// writeCSV writes an RFC 4180 table with a header row and one row per
// socket, lines ending in "\n". Like encoding/csv it quotes a field that
// holds a comma, a quote, CR or LF, or starts with a space or tab; unlike
// it, it does not allocate per field, and it replaces invalid UTF-8 with
// U+FFFD and escapes control characters (appendCSVText). The rounds of a
// repeated listing form one table: the header comes only with round 1,
// and each row ends with its round's seq and time.
func writeCSV(w *bufio.Writer, socks []sockets.Socket, meta *Meta, o *Options) {
	if meta.Round <= 1 && !o.NoHeader {
		w.WriteString(csvHeader)
		if o.Timers {
			w.WriteString(csvTimerColumns)
		}
		if meta.Round > 0 {
			w.WriteString(csvRoundColumns)
		}
		w.WriteByte('\n')
	}
	var round []byte // ",seq,time" of every row of the round
	if meta.Round > 0 {
		round = append(round, ',')
		round = strconv.AppendInt(round, int64(meta.Round), 10)
		round = append(round, ',')
		round = meta.Time.AppendFormat(round, time.RFC3339Nano)
	}
	line := make([]byte, 0, rowBufSize)
	for i := range socks {
		s := &socks[i]
		line = appendCSVRow(line[:0], s)
		if o.Timers {
			line = appendCSVTimer(line, &s.Timer)
		}
		line = append(line, round...)
		w.Write(append(line, '\n'))
	}
}

// appendCSVTimer appends the timer columns: the kind as JSON names it,
// the time left in milliseconds, the retransmissions and the probes; all
// four empty when the source reports no timer.
func appendCSVTimer(b []byte, t *sockets.Timer) []byte {
	if t.Kind == sockets.NoTimerData {
		return append(b, ",,,,"...)
	}
	b = append(b, ',')
	b = append(b, t.Kind.String()...)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(t.Expires), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(t.Retrans), 10)
	b = append(b, ',')
	return strconv.AppendUint(b, uint64(t.Probes), 10)
}

// appendCSVRow appends the columns of csvHeader, without a line end.
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
		b = strconv.AppendInt(b, int64(s.Processes[i].Info.PID), 10)
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
				b = appendCSVText(b, p.Info.Name)
			case 1:
				b = appendCSVText(b, p.Info.Exe)
				if p.Info.ExeDeleted {
					b = append(b, " (deleted)"...)
				}
			case 2:
				b = appendCSVText(b, p.Info.User)
			}
		}
		if csvNeedsQuotes(b[start:]) {
			b = quoteCSV(b, start)
		}
	}
	return b
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
	b = appendCSVText(b, s)
	if csvNeedsQuotes(b[start:]) {
		b = quoteCSV(b, start)
	}
	return b
}

// appendCSVText appends s as CSV text: each byte of invalid UTF-8
// replaced by U+FFFD and each C0 control character but tab, LF and CR
// (which a quoted field holds) written as \u00XX, as JSON writes it, so
// that the NUL of an abstract unix name does not reach the file. A
// backslash is left as it is (Windows paths are full of them), so the
// text "\u0000" and a NUL print the same; JSON tells them apart.
func appendCSVText(b []byte, s string) []byte {
	i := 0
	for i < len(s) && (s[i] >= 0x20 && s[i] < utf8.RuneSelf) {
		i++
	}
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c < utf8.RuneSelf, c == '\t', c == '\n', c == '\r':
			b = append(b, c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
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
