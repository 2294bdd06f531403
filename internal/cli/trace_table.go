package cli

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// traceTableFormat is the table's line, as fmt writes the header;
// appendRow writes each event's line in the same columns without fmt (at
// 40,000 events a second, fmt and the strings it was handed were most of
// a table trace's time).
const traceTableFormat = "%-12s %-7s %-5s %7s %-15s %-22s %-22s %-24s %10s %10s %-12s %s\n"

// appendRow appends ev's line of the table: local time to the
// millisecond, kind, protocol, PID and program ("-" for none), ends,
// states (the change, for a state change, close or failure), bytes
// (close and failure), duration to the microsecond, error.
func (t *traceWriter) appendRow(b []byte, ev *trace.Event) []byte {
	s := len(b)
	b = padASCII(t.appendClock(b, ev.Time), s, -12)
	s = len(b)
	b = padASCII(append(append(b, ' '), ev.Kind.String()...), s+1, -7)
	s = len(b)
	b = padASCII(append(append(b, ' '), protoName(ev.Proto)...), s+1, -5)
	b = append(b, ' ')
	if s = len(b); ev.Owner.PID != 0 {
		b = padASCII(strconv.AppendInt(b, int64(ev.Owner.PID), 10), s, 7)
		s = len(b)
		b = pad(append(append(b, ' '), ev.Owner.Comm...), s+1, -15)
	} else {
		b = padASCII(append(b, '-'), s, 7)
		s = len(b)
		b = padASCII(append(b, " -"...), s+1, -15)
	}
	s = len(b)
	b = pad(appendAddrPort(append(b, ' '), ev.Local), s+1, -22)
	s = len(b)
	b = pad(appendRemote(append(b, ' '), ev.Remote), s+1, -22)
	s = len(b)
	b = append(b, ' ')
	if ev.From != 0 && (ev.Kind == trace.State || ev.Kind == trace.Close || ev.Kind == trace.Fail) {
		b = append(append(b, sockets.StateNameOf(ev.Proto, ev.From)...), '>')
	}
	b = padASCII(append(b, ev.To.String()...), s+1, -24)
	b = append(b, ' ')
	s = len(b)
	if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
		b = padASCII(strconv.AppendUint(b, ev.Sent, 10), s, 10)
		s = len(b)
		b = padASCII(strconv.AppendUint(append(b, ' '), ev.Received, 10), s+1, 10)
	} else {
		b = append(b, spaces[:10+1+10]...)
	}
	s = len(b)
	b = append(b, ' ')
	if ev.Duration > 0 {
		b = appendDuration(b, ev.Duration.Round(time.Microsecond))
	}
	b = pad(b, s+1, -12)
	b = append(append(b, ' '), ev.Reason()...)
	return append(b, '\n')
}

// pad pads the field b[start:] to width characters (runes, as fmt
// counts them) with spaces: after it for a negative width ("%-12s"),
// before it for a positive one ("%7s"). A width is at most
// len(spaces).
func pad(b []byte, start, width int) []byte {
	return padTo(b, start, width, utf8.RuneCount(b[start:]))
}

// padASCII is pad for a field of ASCII characters: its length is its
// width.
func padASCII(b []byte, start, width int) []byte {
	return padTo(b, start, width, len(b)-start)
}

// padTo is pad for a field of n characters.
func padTo(b []byte, start, width, n int) []byte {
	right := width > 0
	width = max(width, -width)
	if n >= width {
		return b
	}
	b = append(b, spaces[:width-n]...)
	if right {
		copy(b[start+width-n:], b[start:len(b)-(width-n)])
		copy(b[start:], spaces[:width-n])
	}
	return b
}

// spaces are the padding of the widest column.
const spaces = "                        "

// appendClock appends tm in local time as tm.Format("15:04:05.000")
// writes it, formatting the seconds only when they change.
func (t *traceWriter) appendClock(b []byte, tm time.Time) []byte {
	ms := tm.Nanosecond() / 1e6
	return append(append(b, t.clock.of(tm, "15:04:05")...), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// appendRemote appends an event's remote end as the table shows it:
// "*:*" for none (an unconnected UDP socket's), as the listing does.
func appendRemote(b []byte, ap netip.AddrPort) []byte {
	if ap.Port() == 0 && (!ap.Addr().IsValid() || ap.Addr().IsUnspecified()) {
		return append(b, "*:*"...)
	}
	return appendAddrPort(b, ap)
}

// appendAddrPort appends ap, IPv4-mapped addresses as IPv4, as
// ap.String() writes it ("invalid AddrPort" for the zero one).
func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	if !ap.Addr().IsValid() {
		return append(b, "invalid AddrPort"...)
	}
	return unmap(ap).AppendTo(b)
}

// appendDuration appends d (not negative) as d.String() writes it: the
// largest unit of ns, µs and ms under a second, else hours, minutes and
// seconds ("1h2m3.5s", "2m0s"), decimals without trailing zeros.
func appendDuration(b []byte, d time.Duration) []byte {
	u := uint64(d)
	switch {
	case u == 0:
		return append(b, "0s"...)
	case u < uint64(time.Microsecond):
		return append(strconv.AppendUint(b, u, 10), "ns"...)
	case u < uint64(time.Millisecond):
		return append(appendFraction(strconv.AppendUint(b, u/1e3, 10), int64(u%1e3), 3), "µs"...)
	case u < uint64(time.Second):
		return append(appendFraction(strconv.AppendUint(b, u/1e6, 10), int64(u%1e6), 6), "ms"...)
	}
	sec := u / 1e9
	if h := sec / 3600; h > 0 {
		b = append(strconv.AppendUint(b, h, 10), 'h')
		b = append(strconv.AppendUint(b, sec/60%60, 10), 'm')
	} else if m := sec / 60; m > 0 {
		b = append(strconv.AppendUint(b, m, 10), 'm')
	}
	return append(appendFraction(strconv.AppendUint(b, sec%60, 10), int64(u%1e9), 9), 's')
}
