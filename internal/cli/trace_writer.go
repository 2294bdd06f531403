package cli

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// traceWriter writes trace events as a table, NDJSON or one JSON
// document.
type traceWriter struct {
	w      io.Writer
	format render.Format
	lang   string // the table's heading's
	n      int
	// buf is the line being made; with flushAt not 0, the lines that
	// wait: they are written in one go when flushAt bytes wait or at
	// flush (trace flushes when it has read every event waiting), where
	// with 0 each line is written as it is made.
	buf     []byte
	flushAt int
	// exe returns a process's executable, uid (-1 unknown) and user name,
	// for JSON; nil leaves them out.
	exe func(pid int32, comm string) (exe string, uid int64, user string)
	// container returns the container a process runs in, as a table
	// names it, "" for none; nil leaves it out.
	container func(pid int32) string
	// owners are the JSON fields of each owner seen, encoded once (at
	// 10,000 connections a second, encoding them each time was most of
	// trace's work).
	owners map[trace.Owner]string
	// recent are the last two owners written and their fields, the
	// last first: a connection's two ends often belong to two programs
	// (a client and a server), whose events alternate.
	recent [2]ownerFields
	// utc and clock are the text of the second of the last time written,
	// which the events of a second share: JSON's (UTC, the date too),
	// the table's (local time of day).
	utc, clock secondText
	// addrs are the texts of the addresses last written; ends, the
	// table's columns of the ends of recent lines.
	addrs addrTexts
	ends  endsCache
}

// ownerFields are an owner and its JSON fields.
type ownerFields struct {
	owner  trace.Owner
	fields string
}

// addrTexts keeps the text of the last two addresses written: the
// events of a trace come from few addresses (a connection's two ends
// are often the same), and each event writes two.
type addrTexts struct {
	addr  [2]netip.Addr
	texts [2][]byte
	next  int
}

// append appends a's text to b.
func (c *addrTexts) append(b []byte, a netip.Addr) []byte {
	return append(b, c.text(a)...)
}

// text returns a's text, valid until the text of another address is
// made.
func (c *addrTexts) text(a netip.Addr) []byte {
	for i := range c.addr {
		if c.texts[i] != nil && c.addr[i] == a {
			return c.texts[i]
		}
	}
	i := c.next
	c.next ^= 1
	c.addr[i], c.texts[i] = a, a.AppendTo(c.texts[i][:0])
	return c.texts[i]
}

// appendTime appends t in UTC as time.RFC3339Nano writes it, formatting
// only the fraction of each second anew.
func (t *traceWriter) appendTime(b []byte, tm time.Time) []byte {
	tm = tm.UTC()
	b = append(b, t.utc.of(tm, "2006-01-02T15:04:05")...)
	b = appendFraction(b, int64(tm.Nanosecond()), 9)
	return append(b, 'Z')
}

// secondText keeps the text of one second in one layout.
type secondText struct {
	sec  int64
	text []byte
}

// of returns tm's second in layout (the same each call), formatting it
// only when the second changes.
func (c *secondText) of(tm time.Time, layout string) []byte {
	if sec := tm.Unix(); sec != c.sec || c.text == nil {
		c.sec, c.text = sec, tm.AppendFormat(c.text[:0], layout)
	}
	return c.text
}

// protoName is an event's protocol as JSON and the table name it: "tcp"
// where an event does not say (one stored before events did).
func protoName(p sockets.Proto) string {
	if p == sockets.UDP {
		return "udp"
	}
	return "tcp"
}

// appendName appends a name of sockscope's own (an event's kind, a
// family, a state) as a JSON string: they are letters, digits,
// underscores and parentheses, which need no escaping.
func appendName(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFraction appends frac, a fraction of 10^digits (digits at most
// 18), as a decimal point and its digits without trailing zeros; nothing
// for 0. The digits are made in an array and appended once: this runs
// for every event.
func appendFraction(b []byte, frac int64, digits int) []byte {
	if frac <= 0 {
		return b
	}
	var d [18]byte
	digits = min(digits, len(d))
	for i := digits - 1; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := digits
	for n > 0 && d[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, d[:n]...)
}

// appendMillis appends d in milliseconds, as strconv.FormatFloat(ms,
// 'f', -1, 64) writes them for any duration shorter than eleven days
// (decimals of at most 15 digits), without floating point.
func appendMillis(b []byte, d time.Duration) []byte {
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	b = strconv.AppendInt(b, int64(d/time.Millisecond), 10)
	return appendFraction(b, int64(d%time.Millisecond), 6)
}

// appendOwner appends an owner's JSON fields: pid, program, and where
// known exe, uid, user and container.
func (t *traceWriter) appendOwner(b []byte, o trace.Owner) []byte {
	// Events come in runs of one or two owners (a program's
	// connections, the client and the server of each): those are checked
	// before hashing the name.
	for i, r := range t.recent {
		if r.fields != "" && r.owner == o {
			if i == 1 {
				t.recent[0], t.recent[1] = r, t.recent[0]
			}
			return append(b, r.fields...)
		}
	}
	if f, ok := t.owners[o]; ok {
		t.recent[0], t.recent[1] = ownerFields{o, f}, t.recent[0]
		return append(b, f...)
	}
	start := len(b)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(o.PID), 10)
	b = append(b, `,"program":`...)
	b = render.AppendJSONString(b, o.Comm)
	if t.exe != nil && o.PID != 0 {
		exe, uid, user := t.exe(o.PID, o.Comm)
		b = append(b, `,"exe":`...)
		b = render.AppendJSONString(b, exe)
		if uid >= 0 {
			b = append(b, `,"uid":`...)
			b = strconv.AppendInt(b, uid, 10)
			b = append(b, `,"user":`...)
			b = render.AppendJSONString(b, user)
		}
	}
	if t.container != nil && o.PID != 0 {
		if c := t.container(o.PID); c != "" {
			b = append(b, `,"container":`...)
			b = render.AppendJSONString(b, c)
		}
	}
	if t.owners == nil || len(t.owners) >= 4096 {
		t.owners = make(map[trace.Owner]string)
	}
	t.owners[o] = string(b[start:])
	t.recent[0], t.recent[1] = ownerFields{o, t.owners[o]}, t.recent[0]
	return b
}

// forgetOwners drops the owners' fields encoded so far: history's rows
// each carry their own exe and container.
func (t *traceWriter) forgetOwners() {
	t.owners, t.recent = nil, [2]ownerFields{}
}

func (t *traceWriter) begin() {
	t.flush()
	switch t.format {
	case render.Table:
		labels := make([]string, len(traceHeadingKeys))
		for i, k := range traceHeadingKeys {
			labels[i] = i18n.T(t.lang, k)
		}
		t.w.Write(appendHeading(nil, traceHeadingWidths, labels...))
	case render.JSON:
		io.WriteString(t.w, `{"schema":1,"events":[`)
	}
}

func (t *traceWriter) event(ev *trace.Event) {
	b := t.buf[:0]
	if t.flushAt > 0 {
		b = t.buf
	}
	if t.format == render.Table {
		t.write(t.appendRow(b, ev))
		return
	}
	if t.format == render.JSON && t.n > 0 {
		b = append(b, ',')
	}
	t.n++
	b = append(b, `{"time":`...)
	b = append(b, '"')
	b = t.appendTime(b, ev.Time)
	b = append(b, '"')
	b = append(b, `,"event":`...)
	b = appendName(b, ev.Kind.String())
	b = append(b, `,"proto":`...)
	b = appendName(b, protoName(ev.Proto))
	b = t.appendOwner(b, ev.Owner)
	b = append(b, `,"family":`...)
	b = appendName(b, ev.Family.String())
	b = append(b, `,"local":{"ip":"`...)
	b = t.addrs.append(b, ev.Local.Addr().Unmap())
	b = append(b, '"')
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(ev.Local.Port()), 10)
	b = append(b, `},"remote":{"ip":"`...)
	b = t.addrs.append(b, ev.Remote.Addr().Unmap())
	b = append(b, '"')
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(ev.Remote.Port()), 10)
	b = append(b, `}`...)
	if ev.From != 0 {
		b = append(b, `,"from":`...)
		b = appendName(b, sockets.StateNameOf(ev.Proto, ev.From))
	}
	b = append(b, `,"state":`...)
	b = appendName(b, ev.To.String())
	b = append(b, `,"passive":`...)
	b = strconv.AppendBool(b, ev.Passive)
	if ev.HasBytes() {
		b = append(b, `,"bytes_sent":`...)
		b = strconv.AppendUint(b, ev.Sent, 10)
		b = append(b, `,"bytes_received":`...)
		b = strconv.AppendUint(b, ev.Received, 10)
	}
	if reason := ev.Reason(); reason != "" {
		b = append(b, `,"error":`...)
		b = render.AppendJSONString(b, reason)
		if ev.Errno != 0 {
			b = append(b, `,"errno":`...)
			b = strconv.AppendUint(b, uint64(ev.Errno), 10)
		}
	}
	if ev.Duration > 0 {
		b = append(b, `,"duration_ms":`...)
		b = appendMillis(b, ev.Duration)
	}
	b = append(b, '}')
	if t.format == render.NDJSON {
		b = append(b, '\n')
	}
	t.write(b)
}

// write takes b, t.buf with the event's line appended: written now, or
// kept until flushAt bytes wait.
func (t *traceWriter) write(b []byte) {
	t.buf = b
	if len(b) >= t.flushAt {
		t.flush()
	}
}

// flush writes what events wait.
func (t *traceWriter) flush() {
	if len(t.buf) > 0 {
		t.w.Write(t.buf)
		t.buf = t.buf[:0]
	}
}

func (t *traceWriter) end(lost uint64) {
	t.flush()
	if t.format == render.JSON {
		fmt.Fprintf(t.w, `],"lost":%d}`+"\n", lost)
	}
}
