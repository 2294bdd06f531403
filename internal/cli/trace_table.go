package cli

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
	"github.com/sockscope/sockscope/internal/trace"
)

// traceHeadingWidths are the table's columns as pad takes them, and
// traceHeadingKeys their labels in the i18n catalog. appendRow writes
// each line in the same columns without fmt (at 40,000 events a second,
// fmt and the strings it was handed were most of a table trace's time);
// the tests hold both to the line fmt would write (traceTableFormat).
var (
	traceHeadingWidths = []int{-12, -7, -5, 7, -15, -22, -22, -24, 10, 10, -12}
	traceHeadingKeys   = []string{"trace.col.time", "trace.col.event", "trace.col.proto", "trace.col.pid", "trace.col.program",
		"trace.col.local", "trace.col.remote", "trace.col.state", "trace.col.sent", "trace.col.received", "trace.col.duration",
		"trace.col.error"}
)

// appendHeading appends a table's heading: each label in its column of
// widths (as pad takes them: negative, left-aligned; positive,
// right-aligned), padded to its width on the screen (a Chinese label's
// character takes two columns), a space between them; a label past
// widths as it is.
func appendHeading(b []byte, widths []int, labels ...string) []byte {
	for i, l := range labels {
		if i > 0 {
			b = append(b, ' ')
		}
		start := len(b)
		b = append(b, l...)
		if i < len(widths) {
			b = padTo(b, start, widths[i], textwidth.Bytes(b[start:]))
		}
	}
	return append(b, '\n')
}

// appendRow appends ev's line of the table: local time to the
// millisecond, kind, protocol, PID and program ("-" for none), ends,
// states (the change, for a state change, close or failure), bytes
// (close and failure), duration to the microsecond, error.
func (t *traceWriter) appendRow(b []byte, ev *trace.Event) []byte {
	if row, ok := t.appendRowFixed(b, ev); ok {
		return row
	}
	return t.appendRowPadded(b, ev)
}

// Where the table's columns begin, up to DURATION, as traceHeadingWidths
// place them when no field is wider than its column.
const (
	colEvent    = 13
	colProto    = 21
	colPID      = 27
	colProgram  = 35
	colLocal    = 51
	colRemote   = 74
	colState    = 97
	colSent     = 122
	colReceived = 133
	colDuration = 144
)

// appendRowFixed is appendRow for the common line, whose fields up to
// RECEIVED each fit their column (and whose program's name is ASCII):
// it writes them in place in a line of spaces, where appendRowPadded
// appends and pads each (at 40,000 events a second, that was most of a
// table trace's own time). It returns false, and b as it was, for any
// other line.
func (t *traceWriter) appendRowFixed(b []byte, ev *trace.Event) ([]byte, bool) {
	n := len(b)
	b = append(b, blankRow[:colDuration]...)
	row := b[n:]
	copy(row, t.clock.of(ev.Time, "15:04:05"))
	ms := ev.Time.Nanosecond() / 1e6
	row[8], row[9], row[10], row[11] = '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10)
	ok := put(row[colEvent:colProto-1], ev.Kind.String()) && put(row[colProto:colPID-1], protoName(ev.Proto))
	if ev.Owner.PID != 0 {
		ok = ok && putUint(row[colPID:colProgram-1], uint64(ev.Owner.PID)) && putASCII(row[colProgram:colLocal-1], ev.Owner.Comm)
	} else {
		row[colProgram-2], row[colProgram] = '-', '-'
	}
	ok = ok && t.putEnds(row[colLocal:colState], ev.Local, ev.Remote)
	state := row[colState : colSent-1]
	if showsChange(ev) {
		from := sockets.StateNameOf(ev.Proto, ev.From)
		ok = ok && put(state, from) && len(from) < len(state) && put(state[len(from)+1:], ev.To.String())
		if ok {
			state[len(from)] = '>'
		}
	} else {
		ok = ok && put(state, ev.To.String())
	}
	if ev.HasBytes() {
		ok = ok && putUint(row[colSent:colReceived-1], ev.Sent) && putUint(row[colReceived:colDuration-1], ev.Received)
	}
	if !ok {
		return b[:n], false
	}
	s := len(b)
	if ev.Duration > 0 {
		b = appendDuration(b, ev.Duration.Round(time.Microsecond))
	}
	b = pad(b, s, -12)
	b = append(append(b, ' '), ev.Reason()...)
	return append(b, '\n'), true
}

// showsChange says whether the table's STATE column shows ev's change
// (FROM>TO), not only where it went: a state change, close or failure.
func showsChange(ev *trace.Event) bool {
	return ev.From != 0 && (ev.Kind == trace.State || ev.Kind == trace.Close || ev.Kind == trace.Fail)
}

// put writes s at the start of dst, if it fits.
func put[S string | []byte](dst []byte, s S) bool {
	if len(s) > len(dst) {
		return false
	}
	copy(dst, s)
	return true
}

// putASCII is put for text that must also be ASCII (a character a
// byte), as a column is counted in characters.
func putASCII[S string | []byte](dst []byte, s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return put(dst, s)
}

// putUint writes v right-aligned in dst, if its digits fit.
func putUint(dst []byte, v uint64) bool {
	i := len(dst)
	for {
		if i == 0 {
			return false
		}
		i--
		dst[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			return true
		}
	}
}

// endsCache keeps the LOCAL and REMOTE columns of recent lines, by
// their two ends: a connection's close has the ends its connect or
// accept had, and at 40,000 events a second writing the two addresses
// and ports anew was a seventh of trace's own time. A slot is chosen by
// the two ports.
type endsCache struct {
	key  [endsSlots][2]netip.AddrPort
	text [endsSlots][colState - colLocal]byte
	full [endsSlots]bool
}

// endsSlots is how many lines' ends endsCache keeps: more than the
// connections whose events interleave.
const (
	endsBits  = 6
	endsSlots = 1 << endsBits
)

// putEnds writes the LOCAL and REMOTE columns of a line with the ends
// local and remote into dst (the line's columns LOCAL to STATE), as
// putAddrPort writes each, or as t.ends kept them, and says whether they
// fit (nothing is kept of ends that do not).
func (t *traceWriter) putEnds(dst []byte, local, remote netip.AddrPort) bool {
	c := &t.ends
	i := (uint32(local.Port())*0x9e3779b1 ^ uint32(remote.Port())*0x85ebca6b) >> (32 - endsBits)
	key := [2]netip.AddrPort{local, remote}
	if c.full[i] && c.key[i] == key {
		copy(dst, c.text[i][:])
		return true
	}
	if !t.putAddrPort(dst[:colRemote-colLocal-1], local, false) || !t.putAddrPort(dst[colRemote-colLocal:colState-colLocal-1], remote, true) {
		return false
	}
	c.key[i], c.full[i] = key, true
	copy(c.text[i][:], dst)
	return true
}

// putAddrPort writes ap as appendAddrPort (appendRemote for a remote
// end) writes it at the start of dst, if it fits and is ASCII (a column
// is counted in characters: a zone's name may not be). The address's
// text is the one kept in t.addrs: made anew for each event, the two
// addresses were a sixth of trace's own time.
func (t *traceWriter) putAddrPort(dst []byte, ap netip.AddrPort, remote bool) bool {
	if remote && noRemote(ap) {
		return put(dst, "*:*")
	}
	if !ap.Addr().IsValid() {
		return put(dst, invalidAddrPort)
	}
	a := ap.Addr().Unmap()
	text := t.addrs.text(a)
	v6 := !a.Is4()
	brackets := 0
	if v6 {
		brackets = len("[]")
	}
	p, digits := ap.Port(), 1
	for v := p; v >= 10; v /= 10 {
		digits++
	}
	if len(text)+brackets+len(":")+digits > len(dst) {
		return false
	}
	i := 0
	if v6 {
		dst[0], i = '[', 1
	}
	if !putASCII(dst[i:], text) {
		return false
	}
	i += len(text)
	if v6 {
		dst[i] = ']'
		i++
	}
	dst[i] = ':'
	return putUint(dst[i+1:i+1+digits], uint64(p))
}

// appendRowPadded is appendRow for any line: each field appended, then
// padded to its column's width as fmt pads it.
func (t *traceWriter) appendRowPadded(b []byte, ev *trace.Event) []byte {
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
	if showsChange(ev) {
		b = append(append(b, sockets.StateNameOf(ev.Proto, ev.From)...), '>')
	}
	b = padASCII(append(b, ev.To.String()...), s+1, -24)
	b = append(b, ' ')
	s = len(b)
	if ev.HasBytes() {
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

// spaces are the padding of the widest column; blankRow, the line up to
// DURATION before its fields are written in it.
const (
	spaces   = "                        "
	blankRow = spaces + spaces + spaces + spaces + spaces + spaces
)

// appendClock appends tm in local time as tm.Format("15:04:05.000")
// writes it, formatting the seconds only when they change.
func (t *traceWriter) appendClock(b []byte, tm time.Time) []byte {
	ms := tm.Nanosecond() / 1e6
	return append(append(b, t.clock.of(tm, "15:04:05")...), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// appendRemote appends an event's remote end as the table shows it:
// "*:*" for none (an unconnected UDP socket's), as the listing does.
func appendRemote(b []byte, ap netip.AddrPort) []byte {
	if noRemote(ap) {
		return append(b, "*:*"...)
	}
	return appendAddrPort(b, ap)
}

// noRemote says whether ap is no remote end: "*:*" in the table.
func noRemote(ap netip.AddrPort) bool {
	return ap.Port() == 0 && (!ap.Addr().IsValid() || ap.Addr().IsUnspecified())
}

// invalidAddrPort is what AddrPort.String writes for the zero one.
const invalidAddrPort = "invalid AddrPort"

// appendAddrPort appends ap, IPv4-mapped addresses as IPv4, as
// ap.String() writes it (invalidAddrPort for the zero one).
func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	if !ap.Addr().IsValid() {
		return append(b, invalidAddrPort...)
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
