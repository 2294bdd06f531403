package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// openTrace attaches the tracing program; tests replace it.
var openTrace = trace.Open

// traceRequest validates trace's own flags: TCP and UDP, or the one of
// -t or -u; in a table, NDJSON or one JSON document.
func traceRequest(in requestInput, req *listRequest, lang string) error {
	switch req.Render.Format {
	case render.Table, render.NDJSON, render.JSON:
	default:
		return flagErrorf(lang, "cli.err.trace.format", req.Render.Format)
	}
	req.Filter.Protos = traceProtos(in.flags)
	req.Details = false
	req.NoBPF = in.flags.noBPF
	req.AllStates = in.flags.allStates
	return nil
}

// traceProtos are the protocols trace, record and history follow: those
// of -t and -u, both where neither is given.
func traceProtos(f *listFlags) sockets.ProtoSet {
	var p sockets.ProtoSet
	if f.tcp {
		p = p.With(sockets.TCP)
	}
	if f.udp {
		p = p.With(sockets.UDP)
	}
	if p == 0 {
		p = p.With(sockets.TCP).With(sockets.UDP)
	}
	return p
}

// traceRun prints every TCP connection event and UDP socket's end req
// chooses until ctx ends, then how many the kernel's buffer lost.
func traceRun(ctx context.Context, f *Factory, req *listRequest) error {
	// A large buffer: at 10,000 connections a second a write per 4 KiB
	// was a tenth of trace's time.
	out := bufio.NewWriterSize(f.stdout(req.Render.Format), 64<<10)
	defer out.Flush()
	w := traceWriter{w: out, format: req.Render.Format, exe: f.processOf(), container: f.containerOf()}
	started := false
	r, why := openTracer(req)
	lost, err := f.traceEvents(ctx, req, r, why, traceSink{
		start: func() { w.begin(); started = true },
		event: func(ev *trace.Event) { w.event(ev) },
		idle:  func() { out.Flush() },
	})
	if started {
		w.end(lost)
	}
	return err
}

// traceSink is what the events of traceEvents go to: start once they
// begin to come, event for each (the event is reused after the call:
// keep a copy, not the pointer), idle when none came for a while.
type traceSink struct {
	start, idle func()
	event       func(*trace.Event)
}

// openTracer attaches the tracing program unless req.NoBPF; where it
// cannot (or may not), it returns nil and why, as the notes say it.
func openTracer(req *listRequest) (*trace.Reader, string) {
	if req.NoBPF {
		return nil, "--no-bpf"
	}
	r, err := openTrace(0, req.AllStates)
	if err != nil {
		// One line: the errors of both programs are joined by newlines.
		return nil, "no eBPF: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return r, ""
}

// traceEvents follows the TCP connections req chooses until ctx ends,
// handing each event to sink, with eBPF (r, from openTracer, which it
// closes) or, without it (r nil, for the reason why), sock_diag's destroy
// notifications; it says on stderr which, and what the second cannot see.
// It returns how many events the kernel's buffer lost.
func (f *Factory) traceEvents(ctx context.Context, req *listRequest, r *trace.Reader, why string, sink traceSink) (uint64, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	known := f.knownOwners(ctx, req)
	q := req.query()
	keep := q.Match
	if r == nil {
		return 0, traceDestroyed(ctx, f, sink, req.Filter.Protos, known, keep, why)
	}
	tr := trace.NewTracker(r.Wall, known)
	tr.AllStates = req.AllStates
	what := "TCP connections"
	if req.Filter.Protos.Has(sockets.UDP) {
		if err := r.TraceUDP(); err != nil && !req.Filter.Protos.Has(sockets.TCP) {
			r.Close()
			return 0, fmt.Errorf("tracing UDP: %w", err)
		} else if err != nil {
			f.note("sockscope: UDP sockets are not traced: " + err.Error())
		} else if req.Filter.Protos.Has(sockets.TCP) {
			what = "TCP connections and UDP sockets' ends"
		} else {
			what = "UDP sockets' ends"
		}
	}
	sink.start()
	f.note("sockscope: tracing " + what + " (eBPF: " + r.Program() + "); Ctrl-C ends")
	if !inInitialPIDNamespace() {
		f.note("sockscope: this is not the host's PID namespace: trace's PIDs are the host's, and a process's exe, user and container are looked up by them here")
	}
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	// One of each, reused: the loop runs for every event.
	var (
		raw  trace.Raw
		ev   trace.Event
		sock sockets.Socket
		info sockets.ProcessInfo
		proc = []sockets.Process{{Info: &info}}
	)
	for {
		err := r.ReadInto(&raw)
		if errors.Is(err, trace.ErrClosed) {
			break
		}
		if errors.Is(err, trace.ErrIdle) {
			sink.idle()
			continue
		}
		if errors.Is(err, errs.ErrMalformed) {
			continue // a malformed event is skipped, never fatal
		}
		if err != nil {
			r.Close()
			return r.Lost(), fmt.Errorf("reading the trace's events: %w", err)
		}
		if !tr.FeedInto(&ev, &raw) {
			continue
		}
		// Only what an event sets is set: the rest of sock stays zero
		// (a whole Socket made anew for each was a tenth of the loop).
		sock.Proto, sock.Family, sock.State, sock.Local, sock.Remote, sock.Processes = ev.Proto, ev.Family, ev.To, ev.Local, ev.Remote, nil
		if ev.Owner.PID != 0 {
			info = sockets.ProcessInfo{PID: ev.Owner.PID, Name: ev.Owner.Comm}
			sock.Processes = proc
		}
		if !keep(&sock) {
			continue
		}
		sink.event(&ev)
	}
	lost := r.Lost()
	sink.idle()
	if lost > 0 {
		f.note(fmt.Sprintf("sockscope: %d state changes were lost: the kernel's buffer was full (the reader fell behind)", lost))
	}
	if n := r.StartsLost(); n > 0 {
		f.note(fmt.Sprintf("sockscope: %d connects were not followed from their start (pushed out of the kernel's %d slots by other connects while they waited for an answer): their connections have no process or duration", n, trace.Starts))
	}
	r.Close()
	return lost, nil
}

// openDestroyed joins sock_diag's destroy notifications; tests replace
// it.
var openDestroyed = trace.OpenDestroyed

// traceDestroyed is trace without eBPF: the closes sock_diag notifies,
// without the process that held the socket (a connection older than the
// trace gets the owner the first snapshot found). It says so first.
func traceDestroyed(ctx context.Context, f *Factory, sink traceSink, protos sockets.ProtoSet,
	known func(local, remote netip.AddrPort) (trace.Owner, bool), keep func(*sockets.Socket) bool, why string) error {
	d, err := openDestroyed(protos)
	if err != nil {
		return fmt.Errorf("trace needs eBPF (Linux; root, or CAP_BPF and CAP_PERFMON) or, for closes only, CAP_NET_ADMIN (%s): %w", why, err)
	}
	sink.start()
	f.note("sockscope: tracing closes only (" + why + "): from sock_diag's destroy notifications, as ss -E, without connects, accepts, durations, bytes or the processes; Ctrl-C ends")
	stop := context.AfterFunc(ctx, func() { d.Close() })
	defer stop()
	for {
		s, err := d.Read()
		if errors.Is(err, trace.ErrClosed) {
			break
		}
		if err != nil {
			continue
		}
		from := sockets.Established
		switch {
		case s.Proto == sockets.TCP && s.Remote.Port() == 0:
			continue // a listener's end, not a connection's
		case s.Proto == sockets.UDP && s.Local.Port() == 0:
			continue // never bound: no flow (see trace.Tracker)
		case s.Proto == sockets.UDP && s.Remote.Port() == 0:
			from = sockets.Close
		}
		ev := trace.Event{Kind: trace.Close, Time: time.Now(), Proto: s.Proto, Family: s.Family, Local: s.Local, Remote: s.Remote,
			To: sockets.Close, NoBytes: true}
		if s.Proto == sockets.UDP {
			ev.From = from
		}
		if known != nil {
			ev.Owner, _ = known(s.Local, s.Remote)
		}
		s.State = sockets.Close
		if ev.Owner.PID != 0 {
			s.Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: ev.Owner.PID, Name: ev.Owner.Comm}}}
		}
		if !keep(&s) {
			continue
		}
		sink.event(&ev)
		sink.idle()
	}
	return nil
}

// knownOwners takes one snapshot of the TCP sockets with their owners,
// for the connections and listeners older than the trace.
func (f *Factory) knownOwners(ctx context.Context, req *listRequest) func(local, remote netip.AddrPort) (trace.Owner, bool) {
	src, err := f.Source(sockets.SourceOptions{Kind: req.Source})
	if err != nil {
		return nil
	}
	q := collect.Query{Kernel: sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP)}, Owners: true}
	snap, err := f.collector(src).Collect(ctx, &q, nil)
	if err != nil {
		return nil
	}
	type pair struct{ l, r netip.AddrPort }
	conns := make(map[pair]trace.Owner)
	listeners := make(map[uint16]trace.Owner)
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		if len(s.Processes) == 0 || s.Processes[0].Info == nil {
			continue
		}
		o := trace.Owner{PID: s.Processes[0].Info.PID, Comm: s.Processes[0].Info.Name}
		if s.State == sockets.Listen {
			listeners[s.Local.Port()] = o
		} else {
			conns[pair{unmap(s.Local), unmap(s.Remote)}] = o
		}
	}
	return func(local, remote netip.AddrPort) (trace.Owner, bool) {
		if !remote.IsValid() {
			o, ok := listeners[local.Port()]
			return o, ok
		}
		o, ok := conns[pair{unmap(local), unmap(remote)}]
		return o, ok
	}
}

// containerOf returns a lookup of the container a process runs in, as a
// table names it (its name, else its short id), "" for none; nil where no
// containers are named. It keeps nothing: the writer encodes each owner
// (PID and name) once.
func (f *Factory) containerOf() func(pid int32) string {
	if f.Containers == nil {
		return nil
	}
	resolve := f.Containers()
	if resolve == nil {
		return nil
	}
	return func(pid int32) string {
		name, _ := containerIn(resolve, pid)
		return name
	}
}

// containerIn returns the container process pid runs in, as a table
// names it (its name, else its short id), and its runtime's id; none for
// a process in no container, and for a runtime's monitor (conmon, a
// shim), which runs beside the container rather than in it.
func containerIn(resolve *containers.Resolver, pid int32) (label, id string) {
	if c, ok := resolve.Process(int(pid)); ok && !c.Monitor {
		return c.Label(), c.ID
	}
	return "", ""
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// traceWriter writes trace events as a table, NDJSON or one JSON
// document.
type traceWriter struct {
	w      io.Writer
	format render.Format
	n      int
	buf    []byte
	// exe returns a process's executable, uid (-1 unknown) and user name,
	// for JSON; nil leaves them out.
	exe func(pid int32) (exe string, uid int64, user string)
	// container returns the container a process runs in, as a table
	// names it, "" for none; nil leaves it out.
	container func(pid int32) string
	// owners are the JSON fields of each owner seen, encoded once (at
	// 10,000 connections a second, encoding them each time was most of
	// trace's work).
	owners map[trace.Owner]string
	// lastOwner and lastFields are the owner of the last event and its
	// fields.
	lastOwner  trace.Owner
	lastFields string
	// sec and secText are the last second a time was written in, and
	// its text up to the seconds: the events of a second share it.
	sec     int64
	secText []byte
	// addrs are the texts of the addresses last written.
	addrs addrTexts
}

// addrTexts keeps the text of the last two addresses written: the
// events of a trace come from few addresses (a connection's two ends
// are often the same), and each event writes two.
type addrTexts struct {
	addr [2]netip.Addr
	text [2][]byte
	next int
}

// append appends a's text to b.
func (c *addrTexts) append(b []byte, a netip.Addr) []byte {
	for i := range c.addr {
		if c.text[i] != nil && c.addr[i] == a {
			return append(b, c.text[i]...)
		}
	}
	i := c.next
	c.next ^= 1
	c.addr[i], c.text[i] = a, a.AppendTo(c.text[i][:0])
	return append(b, c.text[i]...)
}

// appendTime appends t in UTC as time.RFC3339Nano writes it, formatting
// only the fraction of each second anew.
func (t *traceWriter) appendTime(b []byte, tm time.Time) []byte {
	tm = tm.UTC()
	if sec := tm.Unix(); sec != t.sec || t.secText == nil {
		t.sec, t.secText = sec, tm.AppendFormat(t.secText[:0], "2006-01-02T15:04:05")
	}
	b = append(b, t.secText...)
	b = appendFraction(b, int64(tm.Nanosecond()), 9)
	return append(b, 'Z')
}

// remoteText is an event's remote end as the table shows it: "*:*" for
// none (an unconnected UDP socket's), as the listing does.
func remoteText(ap netip.AddrPort) string {
	if ap.Port() == 0 && (!ap.Addr().IsValid() || ap.Addr().IsUnspecified()) {
		return "*:*"
	}
	return unmap(ap).String()
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
	// Events come in runs of one owner (a program's connections, both
	// ends of one): the last owner is checked before hashing its name.
	if o == t.lastOwner && t.lastFields != "" {
		return append(b, t.lastFields...)
	}
	if f, ok := t.owners[o]; ok {
		t.lastOwner, t.lastFields = o, f
		return append(b, f...)
	}
	start := len(b)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(o.PID), 10)
	b = append(b, `,"program":`...)
	b = render.AppendJSONString(b, o.Comm)
	if t.exe != nil && o.PID != 0 {
		exe, uid, user := t.exe(o.PID)
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
	t.lastOwner, t.lastFields = o, t.owners[o]
	return b
}

// forgetOwners drops the owners' fields encoded so far: history's rows
// each carry their own exe and container.
func (t *traceWriter) forgetOwners() {
	t.owners, t.lastFields = nil, ""
}

func (t *traceWriter) begin() {
	switch t.format {
	case render.Table:
		fmt.Fprintf(t.w, "%-12s %-7s %-5s %7s %-15s %-22s %-22s %-24s %10s %10s %-12s %s\n", "TIME", "EVENT", "PROTO", "PID", "PROGRAM", "LOCAL", "REMOTE", "STATE", "SENT", "RECEIVED", "DURATION", "ERROR")
	case render.JSON:
		io.WriteString(t.w, `{"schema":1,"events":[`)
	}
}

func (t *traceWriter) event(ev *trace.Event) {
	if t.format == render.Table {
		pid, prog := "-", "-"
		if ev.Owner.PID != 0 {
			pid, prog = strconv.Itoa(int(ev.Owner.PID)), ev.Owner.Comm
		}
		states := ev.To.String()
		if ev.From != 0 && (ev.Kind == trace.State || ev.Kind == trace.Close || ev.Kind == trace.Fail) {
			states = sockets.StateNameOf(ev.Proto, ev.From) + ">" + ev.To.String()
		}
		dur, sent, recv := "", "", ""
		if ev.Duration > 0 {
			dur = ev.Duration.Round(time.Microsecond).String()
		}
		if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
			sent, recv = strconv.FormatUint(ev.Sent, 10), strconv.FormatUint(ev.Received, 10)
		}
		fmt.Fprintf(t.w, "%-12s %-7s %-5s %7s %-15s %-22s %-22s %-24s %10s %10s %-12s %s\n", ev.Time.Format("15:04:05.000"), ev.Kind, protoName(ev.Proto), pid, prog,
			unmap(ev.Local).String(), remoteText(ev.Remote), states, sent, recv, dur, ev.Reason())
		return
	}
	// Straight into a bufio.Writer's own buffer where it has room: a copy
	// less for each event.
	b := t.buf[:0]
	bw, buffered := t.w.(*bufio.Writer)
	if buffered = buffered && bw.Available() >= 1024; buffered {
		b = bw.AvailableBuffer()
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
	if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
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
	if !buffered {
		t.buf = b
	}
	t.w.Write(b)
}

func (t *traceWriter) end(lost uint64) {
	if t.format == render.JSON {
		fmt.Fprintf(t.w, `],"lost":%d}`+"\n", lost)
	}
}
