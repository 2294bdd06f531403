package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// openTrace attaches the tracing program; tests replace it.
var openTrace = trace.Open

// traceRequest validates trace's own flags: TCP only (the tracepoint's),
// in a table, NDJSON or one JSON document.
func traceRequest(in requestInput, req *listRequest, lang string) error {
	switch req.Render.Format {
	case render.Table, render.NDJSON, render.JSON:
	default:
		return flagErrorf(lang, "cli.err.trace.format", req.Render.Format)
	}
	req.Filter.Protos = sockets.ProtoSet(0).With(sockets.TCP)
	req.Details = false
	req.NoBPF = in.flags.noBPF
	req.AllStates = in.flags.allStates
	return nil
}

// traceRun prints every TCP connection event req's filter chooses until
// ctx ends, then how many the kernel's buffer lost.
func traceRun(ctx context.Context, f *Factory, req *listRequest) error {
	out := bufio.NewWriter(f.stdout(req.Render.Format))
	defer out.Flush()
	w := traceWriter{w: out, format: req.Render.Format, exe: f.processOf()}
	started := false
	lost, err := f.traceEvents(ctx, req, traceSink{
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
// begin to come, event for each, idle when none came for a while.
type traceSink struct {
	start, idle func()
	event       func(*trace.Event)
}

// traceEvents follows the TCP connections req chooses until ctx ends,
// handing each event to sink, with eBPF or, without it (req.NoBPF, or a
// program that cannot load), sock_diag's destroy notifications; it says
// on stderr which, and what the second cannot see. It returns how many
// events the kernel's buffer lost.
func (f *Factory) traceEvents(ctx context.Context, req *listRequest, sink traceSink) (uint64, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var r *trace.Reader
	var err error
	if !req.NoBPF {
		r, err = openTrace(0, req.AllStates)
	}
	known := f.knownOwners(ctx, req)
	q := req.query()
	keep := func(s *sockets.Socket) bool {
		return q.Kernel.Match(s) && (q.AfterDump == nil || q.AfterDump(s)) && (q.AfterOwners == nil || q.AfterOwners(s))
	}
	if req.NoBPF || err != nil {
		why := "--no-bpf"
		if err != nil {
			why = "no eBPF: " + err.Error()
		}
		return 0, traceDestroyed(ctx, f, sink, known, keep, why)
	}
	tr := trace.NewTracker(r.Wall, known)
	sink.start()
	f.note("sockscope: tracing TCP connections (eBPF); Ctrl-C ends")
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	var sock sockets.Socket
	info := &sockets.ProcessInfo{}
	for {
		raw, err := r.Read()
		if errors.Is(err, trace.ErrClosed) {
			break
		}
		if errors.Is(err, trace.ErrIdle) {
			sink.idle()
			continue
		}
		if err != nil {
			continue // a malformed event is skipped, never fatal
		}
		ev, ok := tr.Feed(&raw)
		if !ok {
			continue
		}
		sock = sockets.Socket{Proto: sockets.TCP, Family: ev.Family, State: ev.To, Local: ev.Local, Remote: ev.Remote}
		if ev.Owner.PID != 0 {
			*info = sockets.ProcessInfo{PID: ev.Owner.PID, Name: ev.Owner.Comm}
			sock.Processes = []sockets.Process{{Info: info}}
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
	r.Close()
	return lost, nil
}

// openDestroyed joins sock_diag's destroy notifications; tests replace
// it.
var openDestroyed = trace.OpenDestroyed

// traceDestroyed is trace without eBPF: the closes sock_diag notifies,
// without the process that held the socket (a connection older than the
// trace gets the owner the first snapshot found). It says so first.
func traceDestroyed(ctx context.Context, f *Factory, sink traceSink,
	known func(local, remote netip.AddrPort) (trace.Owner, bool), keep func(*sockets.Socket) bool, why string) error {
	d, err := openDestroyed()
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
		if s.Remote.Port() == 0 {
			continue // a listener's end, not a connection's
		}
		ev := trace.Event{Kind: trace.Close, Time: time.Now(), Family: s.Family, Local: s.Local, Remote: s.Remote, To: sockets.Close, NoBytes: true}
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
	// owners are the JSON fields of each owner seen, encoded once (at
	// 10,000 connections a second, encoding them each time was most of
	// trace's work).
	owners map[trace.Owner]string
}

// appendOwner appends an owner's JSON fields: pid, program, and where
// known exe, uid and user.
func (t *traceWriter) appendOwner(b []byte, o trace.Owner) []byte {
	if f, ok := t.owners[o]; ok {
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
	if t.owners == nil || len(t.owners) >= 4096 {
		t.owners = make(map[trace.Owner]string)
	}
	t.owners[o] = string(b[start:])
	return b
}

func (t *traceWriter) begin() {
	switch t.format {
	case render.Table:
		fmt.Fprintf(t.w, "%-12s %-7s %7s %-15s %-22s %-22s %-24s %10s %10s %s\n", "TIME", "EVENT", "PID", "PROGRAM", "LOCAL", "REMOTE", "STATE", "SENT", "RECEIVED", "DURATION")
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
			states = ev.From.String() + ">" + ev.To.String()
		}
		dur, sent, recv := "", "", ""
		if ev.Duration > 0 {
			dur = ev.Duration.Round(time.Microsecond).String()
		}
		if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
			sent, recv = strconv.FormatUint(ev.Sent, 10), strconv.FormatUint(ev.Received, 10)
		}
		fmt.Fprintf(t.w, "%-12s %-7s %7s %-15s %-22s %-22s %-24s %10s %10s %s\n", ev.Time.Format("15:04:05.000"), ev.Kind, pid, prog,
			unmap(ev.Local).String(), unmap(ev.Remote).String(), states, sent, recv, dur)
		return
	}
	b := t.buf[:0]
	if t.format == render.JSON && t.n > 0 {
		b = append(b, ',')
	}
	t.n++
	b = append(b, `{"time":`...)
	b = render.AppendJSONString(b, ev.Time.UTC().Format(time.RFC3339Nano))
	b = append(b, `,"event":`...)
	b = render.AppendJSONString(b, ev.Kind.String())
	b = t.appendOwner(b, ev.Owner)
	b = append(b, `,"family":`...)
	b = render.AppendJSONString(b, ev.Family.String())
	b = append(b, `,"local":{"ip":"`...)
	b = ev.Local.Addr().Unmap().AppendTo(b)
	b = append(b, '"')
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(ev.Local.Port()), 10)
	b = append(b, `},"remote":{"ip":"`...)
	b = ev.Remote.Addr().Unmap().AppendTo(b)
	b = append(b, '"')
	b = append(b, `,"port":`...)
	b = strconv.AppendUint(b, uint64(ev.Remote.Port()), 10)
	b = append(b, `}`...)
	if ev.From != 0 {
		b = append(b, `,"from":`...)
		b = render.AppendJSONString(b, ev.From.String())
	}
	b = append(b, `,"state":`...)
	b = render.AppendJSONString(b, ev.To.String())
	b = append(b, `,"passive":`...)
	b = strconv.AppendBool(b, ev.Passive)
	if (ev.Kind == trace.Close || ev.Kind == trace.Fail) && !ev.NoBytes {
		b = append(b, `,"bytes_sent":`...)
		b = strconv.AppendUint(b, ev.Sent, 10)
		b = append(b, `,"bytes_received":`...)
		b = strconv.AppendUint(b, ev.Received, 10)
	}
	if ev.Duration > 0 {
		b = append(b, `,"duration_ms":`...)
		b = strconv.AppendFloat(b, float64(ev.Duration)/float64(time.Millisecond), 'f', -1, 64)
	}
	b = append(b, '}')
	if t.format == render.NDJSON {
		b = append(b, '\n')
	}
	t.buf = b
	t.w.Write(b)
}

func (t *traceWriter) end(lost uint64) {
	if t.format == render.JSON {
		fmt.Fprintf(t.w, `],"lost":%d}`+"\n", lost)
	}
}
