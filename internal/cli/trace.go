package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// openTrace attaches the tracing program; tests replace it.
var openTrace = trace.Open

// traceRequest validates trace's own flags: TCP, UDP with -u (-tu: both);
// in a table, NDJSON or one JSON document.
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

// traceProtos are the protocols trace and record follow: those of -t
// and -u, TCP where neither is given (history keeps the listing's). UDP
// is asked for: its programs run at the creation and release of every
// socket, TCP's too, and were 7% of what tracing a TCP connection cost,
// for a socket's end that is not a connection.
func traceProtos(f *listFlags) sockets.ProtoSet {
	var p sockets.ProtoSet
	if f.tcp || !f.udp {
		p = p.With(sockets.TCP)
	}
	if f.udp {
		p = p.With(sockets.UDP)
	}
	return p
}

// traceRun prints every TCP connection event (and with -u, UDP socket's
// end) req chooses until ctx ends, then how many the kernel's buffer lost.
func traceRun(ctx context.Context, f *Factory, req *listRequest) error {
	r, why := openTracer(req)
	w := traceWriter{w: f.stdout(req.Render.Format), format: req.Render.Format, lang: req.Render.Lang, exe: f.processOf(r), container: f.containerOf(r),
		flushAt: traceFlushAt}
	started := false
	if r != nil {
		yieldToWork()
	}
	lost, err := f.traceEvents(ctx, req, r, why, traceSink{
		start:     func() { w.begin(); started = true },
		event:     func(ev *trace.Event) { w.event(ev) },
		idle:      w.flush,
		drained:   w.flush,
		offersUDP: true,
		names:     true,
	})
	if started {
		w.end(lost)
	}
	return err
}

// traceFlushAt is how much output trace keeps before it writes it, if
// the events waiting in the kernel's buffer are not all read first
// (when it writes them): one write for each batch the kernel wakes it
// for (at 10,000 connections a second, a write per 4 KiB was a tenth of
// trace's time, and each system call in a batch woke Go's monitor
// thread for the rest of it).
const traceFlushAt = 1 << 20

// traceSink is what the events of traceEvents go to: start once they
// begin to come, event for each (the event is reused after the call:
// keep a copy, not the pointer), idle when none came for a while, and
// where set drained each time the events waiting in the kernel's buffer
// were all read (eBPF only). offersUDP makes the first line say how to
// add UDP where it is not followed (trace and record take -u; serve's
// counters keep to TCP). names says the sink names processes by their
// exe, user or container, which the exec programs keep for a process
// gone before its events are read (trace and record; serve counts by
// name, and does without the programs that would run at every exec
// and fork of the machine).
type traceSink struct {
	start, idle, drained func()
	event                func(*trace.Event)
	offersUDP, names     bool
}

// openTracer attaches the tracing program unless req.NoBPF; where it
// cannot (or may not), it returns nil and why, as the notes say it.
func openTracer(req *listRequest) (*trace.Reader, string) {
	if req.NoBPF {
		return nil, "--no-bpf"
	}
	r, err := openTrace(0, req.AllStates)
	if err != nil {
		return nil, noBPFWhy(req.Render.Lang, err, os.Geteuid() == 0)
	}
	return r, ""
}

// noBPFWhy says why the tracing program could not be loaded, err, on one
// line (the errors of both programs are joined by newlines). Refused a
// user who is not root, it says what is needed: the kernel's own words
// (and cilium/ebpf's hint of RLIMIT_MEMLOCK) would hide that it is a
// matter of privilege.
func noBPFWhy(lang string, err error, root bool) string {
	if errors.Is(err, os.ErrPermission) && !root {
		return i18n.T(lang, "trace.why.privilege")
	}
	return i18n.T(lang, "trace.why.error", strings.ReplaceAll(err.Error(), "\n", "; "))
}

// traceEvents follows the TCP connections req chooses until ctx ends,
// handing each event to sink, with eBPF (r, from openTracer, which it
// closes) or, without it (r nil, for the reason why), sock_diag's destroy
// notifications; it says on stderr which, and what the second cannot see.
// It returns how many state changes were lost: the kernel's buffer had no
// room for them, or the kernel did not hand them to the program.
func (f *Factory) traceEvents(ctx context.Context, req *listRequest, r *trace.Reader, why string, sink traceSink) (uint64, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	known := f.knownOwners(ctx, req)
	q := req.query()
	keep := q.Match
	if r == nil {
		return 0, traceDestroyed(ctx, f, sink, req.Filter.Protos, known, keep, why, req.Render.Lang)
	}
	r.Drained = sink.drained
	tr := trace.NewTracker(r.Wall, known)
	tr.AllStates = req.AllStates
	lang := req.Render.Lang
	what, udp := "trace.what.tcp", ""
	if sink.offersUDP {
		udp = i18n.T(lang, "trace.hint.udp")
	}
	if req.Filter.Protos.Has(sockets.UDP) {
		udp = ""
		if err := r.TraceUDP(); err != nil && !req.Filter.Protos.Has(sockets.TCP) {
			r.Close()
			return 0, fmt.Errorf("tracing UDP: %w", err)
		} else if err != nil {
			f.note(i18n.T(lang, "trace.note.udp", err.Error()))
		} else if req.Filter.Protos.Has(sockets.TCP) {
			what = "trace.what.both"
		} else {
			what = "trace.what.udp"
		}
	}
	// Before trace says it traces, as UDP's: what execs from then on
	// is known.
	var execs error
	if sink.names {
		execs = r.TraceExecs()
	}
	// Before trace says it traces: a benchmark signals it from then on.
	// Stopped on each way out below, before the reader is closed.
	stopPauses := f.benchPauses(r)
	sink.start()
	f.note(i18n.T(lang, "trace.note.tracing", i18n.T(lang, what), r.Program(), udp))
	if !trace.InInitialPIDNamespace() {
		f.note(i18n.T(lang, "trace.note.pidns"))
	}
	if execs != nil {
		f.note(i18n.T(lang, "trace.note.execs", execs.Error()))
	}
	// What waits in the kernel's buffer when ctx ends is still read.
	stop := context.AfterFunc(ctx, r.Stop)
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
		if err := r.ReadInto(&raw); err != nil {
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
			stopPauses()
			r.Close()
			return r.Lost() + r.Missed(), fmt.Errorf("reading the trace's events: %w", err)
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
	sink.idle()
	stopPauses()
	r.Close() // its counts are kept
	lost, missed := r.Lost(), r.Missed()
	for _, n := range lostNotes(lang, lost, missed, r.StartsLost()) {
		f.note(n)
	}
	return lost + missed, nil
}

// lostNotes are what trace says at its end of what it could not report:
// the state changes the kernel's buffer had no room for (lost), those
// the kernel did not hand to the program (missed), and the connects
// whose start was pushed out of the slots (startsLost).
func lostNotes(lang string, lost, missed, startsLost uint64) []string {
	var notes []string
	if lost > 0 {
		notes = append(notes, i18n.T(lang, "trace.note.lost", lost))
	}
	if missed > 0 {
		notes = append(notes, i18n.T(lang, "trace.note.missed", missed))
	}
	if startsLost > 0 {
		notes = append(notes, i18n.T(lang, "trace.note.starts", startsLost, trace.Starts))
	}
	return notes
}

// openDestroyed joins sock_diag's destroy notifications; tests replace
// it.
var openDestroyed = trace.OpenDestroyed

// traceDestroyed is trace without eBPF: the closes sock_diag notifies,
// without the process that held the socket (a connection older than the
// trace gets the owner the first snapshot found). It says so first.
func traceDestroyed(ctx context.Context, f *Factory, sink traceSink, protos sockets.ProtoSet,
	known trace.KnownFunc, keep func(*sockets.Socket) bool, why, lang string) error {
	d, err := openDestroyed(protos)
	if err != nil {
		return fmt.Errorf("trace needs eBPF (Linux; root, or CAP_BPF and CAP_PERFMON) or, for closes only, CAP_NET_ADMIN (%s): %w", why, err)
	}
	sink.start()
	f.note(i18n.T(lang, "trace.note.closes", why))
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
			ev.Owner, _ = known(uint32(s.NetNS), s.Local, s.Remote)
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
	if n := d.Overruns(); n > 0 {
		f.note(i18n.T(lang, "trace.note.overruns", n))
	}
	return nil
}

// knownOwners takes one snapshot of the TCP sockets with their owners,
// for the connections and listeners older than the trace (knownIn), in
// every network namespace trace sees (all of them: a server started in
// a container before the trace owns what it accepts), or this one's
// where the others cannot be listed; nil where the snapshot fails.
// TIME_WAIT and bound-inactive sockets, which no one holds or which
// cannot be connected, are not asked for.
func (f *Factory) knownOwners(ctx context.Context, req *listRequest) trace.KnownFunc {
	opts := sockets.SourceOptions{Kind: req.Source}
	states := sockets.AllStates &^ (1<<sockets.TimeWait | 1<<sockets.BoundInactive)
	var src sockets.Source
	if f.Namespaces != nil {
		if nss, _, err := f.Namespaces("", true); err == nil && len(nss) > 1 {
			all := &listRequest{AllNetNS: true, Source: req.Source}
			all.Filter.States = states
			src = f.namespaceSource(all, opts, nss)
		}
	}
	if src == nil {
		var err error
		if src, err = f.Source(opts); err != nil {
			return nil
		}
	}
	q := collect.Query{Kernel: sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP), States: states}, Owners: true}
	snap, err := f.collector(src).Collect(ctx, &q, nil)
	if err != nil {
		return nil
	}
	return knownIn(snap.Sockets)
}

// knownIn returns the owners socks name: a connection's by its ends, a
// listener's by its port, each within its socket's network namespace,
// which is part of the key: a container's :80 is not the host's, and
// both are kept. A socket whose namespace is not known (0) answers for
// any, and an event whose namespace is not known is answered from any.
func knownIn(socks []sockets.Socket) trace.KnownFunc {
	// A listener's key has the zero remote end.
	type key struct {
		netns uint32
		l, r  netip.AddrPort
	}
	owners := make(map[key]trace.Owner)
	var nss []uint32 // the namespaces of owners, 0 among them where unknown
	for i := range socks {
		s := &socks[i]
		if len(s.Processes) == 0 || s.Processes[0].Info == nil {
			continue
		}
		k := key{netns: uint32(s.NetNS), l: netip.AddrPortFrom(netip.Addr{}, s.Local.Port())}
		if s.State != sockets.Listen {
			k.l, k.r = unmap(s.Local), unmap(s.Remote)
		}
		owners[k] = trace.Owner{PID: s.Processes[0].Info.PID, Comm: s.Processes[0].Info.Name}
		if !slices.Contains(nss, k.netns) {
			nss = append(nss, k.netns)
		}
	}
	return func(netns uint32, local, remote netip.AddrPort) (trace.Owner, bool) {
		k := key{l: netip.AddrPortFrom(netip.Addr{}, local.Port())}
		if remote.IsValid() {
			k.l, k.r = unmap(local), unmap(remote)
		}
		in := []uint32{netns, 0}
		if netns == 0 {
			in = nss
		}
		for _, ns := range in {
			k.netns = ns
			if o, ok := owners[k]; ok {
				return o, true
			}
		}
		return trace.Owner{}, false
	}
}

// containerOf returns a lookup of the container a process runs in, as a
// table names it (its name, else its short id), "" for none; nil where no
// containers are named. It keeps nothing: the writer encodes each owner
// (PID and name) once.
func (f *Factory) containerOf(r *trace.Reader) func(pid int32) string {
	if f.Containers == nil {
		return nil
	}
	resolve := f.Containers()
	if resolve == nil {
		return nil
	}
	return func(pid int32) string {
		name, _ := containerIn(resolve, r, pid)
		return name
	}
}

// containerIn returns the container process pid runs in, as a table
// names it (its name, else its short id), and its runtime's id; none for
// a process in no container, and for a runtime's monitor (conmon, a
// shim), which runs beside the container rather than in it. For a
// process gone (its /proc with it), the cgroup r's exec programs saw it
// execute in tells, where r is not nil and that cgroup is still there.
func containerIn(resolve *containers.Resolver, r *trace.Reader, pid int32) (label, id string) {
	c, ok, read := resolve.ProcessRead(int(pid))
	if !read && r != nil {
		c, ok = goneContainer(resolve, r, pid)
	}
	if ok && !c.Monitor {
		return c.Label(), c.ID
	}
	return "", ""
}

// goneContainer returns the container of a process gone, from the
// cgroup r's exec programs saw it execute in.
func goneContainer(resolve *containers.Resolver, r *trace.Reader, pid int32) (containers.Container, bool) {
	e, ok := r.ExecOf(pid)
	if !ok {
		return containers.Container{}, false
	}
	path, ok := r.CgroupPath(e.Cgroup)
	if !ok {
		return containers.Container{}, false
	}
	c, ok := containers.IdentifyPath(path)
	if !ok {
		return containers.Container{}, false
	}
	return resolve.Resolve(c), true
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
