package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
	"github.com/sockscope/sockscope/internal/trace"
)

// historyFlags are record's and history's own flags.
type historyFlags struct {
	db           string
	retention    string
	since, until string
	remote       string
	summary      bool
}

// historyOptions are what record and history were asked for.
type historyOptions struct {
	DB           string
	Retention    time.Duration
	Since, Until time.Time
	Remote       netip.Addr
	Summary      bool
	// Interval is the time between two polls of record without eBPF;
	// IntervalSet says --interval was given (it does not apply with
	// eBPF).
	Interval    time.Duration
	IntervalSet bool
}

// defaultDB is where the history lives unless --db says: the system's
// for root, the user's state directory otherwise.
func defaultDB() string {
	if os.Geteuid() == 0 {
		return "/var/lib/sockscope/history.db"
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "sockscope", "history.db")
}

// recordRequest validates record's flags.
func recordRequest(in requestInput, req *listRequest, lang string) error {
	h := in.flags.history
	retention, err := parseDays(h.retention)
	if err != nil || retention <= 0 {
		return flagErrorf(lang, "cli.err.history.retention", h.retention)
	}
	if err := traceRequest(in, req, lang); err != nil {
		return err
	}
	o := historyOptions{DB: cmp.Or(h.db, defaultDB()), Retention: retention, Interval: in.flags.interval}
	o.IntervalSet = in.set != nil && in.set.Changed("interval")
	if o.Interval < minInterval {
		return flagErrorf(lang, "cli.err.watch.interval", o.Interval)
	}
	req.History = o
	return nil
}

// historyRequest validates history's flags: the times (a duration back
// from now, or an RFC 3339 time), the remote address, the format.
func historyRequest(in requestInput, req *listRequest, lang string) error {
	h := in.flags.history
	switch req.Render.Format {
	case render.Table, render.NDJSON, render.JSON:
	default:
		return flagErrorf(lang, "cli.err.history.format", req.Render.Format)
	}
	o := historyOptions{DB: cmp.Or(h.db, defaultDB()), Summary: h.summary}
	var err error
	if o.Since, err = parseWhen(h.since); err != nil {
		return flagErrorf(lang, "cli.err.history.time", "--since", h.since)
	}
	if o.Until, err = parseWhen(h.until); err != nil {
		return flagErrorf(lang, "cli.err.history.time", "--until", h.until)
	}
	if h.remote != "" {
		if o.Remote, err = netip.ParseAddr(h.remote); err != nil {
			return flagErrorf(lang, "cli.err.history.remote", h.remote)
		}
	}
	// The protocols are what the listing's flags chose (-t, -u), every
	// one by default: rows are TCP connections' events and UDP sockets'
	// ends, and the filter is asked of each in its protocol.
	req.Owners = false // the owners are stored: the filter reads them from the rows
	req.History = o
	return nil
}

// parseWhen reads a time: "" (none), a duration back from now (1h, 30m,
// 7d), or an RFC 3339 time.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := parseDays(s); err == nil {
		return time.Now().Add(-d), nil
	}
	return time.Parse(time.RFC3339, s)
}

// parseDays is time.ParseDuration that also takes days ("7d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad days %q", s)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// recordRun stores every connection event req chooses in the history
// database until ctx ends, in batches, deleting what is older than the
// retention as it goes: trace's events with eBPF, or without it
// (--no-bpf, or a program that cannot load) what polling sees.
func recordRun(ctx context.Context, f *Factory, req *listRequest) error {
	o := req.History
	r, why := openTracer(req) // traceEvents closes it
	if r != nil && o.IntervalSet {
		r.Close()
		return flagErrorf(req.Render.Lang, "cli.err.record.interval")
	}
	db, err := openHistory(o.DB)
	if err != nil {
		if r != nil {
			r.Close()
		}
		return err
	}
	if r != nil {
		yieldToWork()
	}
	defer db.Close()
	bg := context.WithoutCancel(ctx)
	prune := func() {
		if _, err := db.Prune(bg, time.Now().Add(-o.Retention)); err != nil {
			f.note(i18n.T(req.Render.Lang, "record.note.prune", err.Error()))
		}
	}
	prune()
	lastPrune := time.Now()
	var resolve *containers.Resolver
	if f.Containers != nil {
		resolve = f.Containers()
	}
	facts := ownerFacts(f.lookupProcess(r), resolve, r) // which keeps what it finds
	var batch []history.Row
	flush := func() {
		if err := db.Insert(bg, batch); err != nil {
			f.note(i18n.T(req.Render.Lang, "record.note.write", err.Error()))
		}
		batch = batch[:0]
		if time.Since(lastPrune) > time.Hour {
			prune()
			lastPrune = time.Now()
		}
	}
	f.note(i18n.T(req.Render.Lang, "record.note.recording", o.DB))
	if why != "" {
		err := recordPolled(ctx, f, req, why, facts, func(rows []history.Row) {
			batch = append(batch, rows...)
			flush()
		})
		flush()
		return err
	}
	_, err = f.traceEvents(ctx, req, r, "", traceSink{
		offersUDP: true,
		names:     true,
		start:     func() {},
		event: func(ev *trace.Event) {
			batch = append(batch, rowOf(ev, facts))
			if len(batch) >= 1000 {
				flush()
			}
		},
		idle: flush,
	})
	flush()
	return err
}

// openHistory opens the database at path, making its directory.
func openHistory(path string) (*history.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	return history.Open(path)
}

// rowOf is the stored form of an event of trace's.
func rowOf(ev *trace.Event, facts func(int32, string) procFacts) history.Row {
	r := history.Row{
		Time: ev.Time, Event: ev.Kind.String(), PID: ev.Owner.PID, Program: ev.Owner.Comm, UID: -1,
		Family: ev.Family.String(), Local: ev.Local, Remote: ev.Remote, State: ev.To.String(),
		Passive: ev.Passive, Duration: ev.Duration, Sent: -1, Received: -1, Source: history.SourceEBPF,
		Proto: protoName(ev.Proto),
	}
	if ev.From != 0 {
		r.From = ev.From.String()
	}
	if ev.HasBytes() {
		r.Sent, r.Received = int64(ev.Sent), int64(ev.Received)
	}
	r.Errno, r.ErrnoKnown = ev.Errno, ev.ErrnoKnown
	if facts != nil && ev.Owner.PID != 0 {
		p := facts(ev.Owner.PID, ev.Owner.Comm)
		r.Exe, r.UID, r.Container, r.ContainerID = p.exe, p.uid, p.container, p.containerID
	}
	return r
}

// historyRun writes the stored events req chooses (of the protocols it
// chose, every one if none), or with --summary their counts by program,
// container, protocol and remote end.
func historyRun(ctx context.Context, f *Factory, req *listRequest) error {
	o := req.History
	if _, err := os.Stat(o.DB); err != nil {
		return fmt.Errorf("no history at %s (sockscope record makes one): %w", o.DB, err)
	}
	db, err := history.Open(o.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	q := history.Query{Since: o.Since, Until: o.Until, Remote: o.Remote}
	if len(req.Ports) == 1 {
		q.Port = req.Ports[0]
	}
	if len(req.Programs) == 1 {
		q.Program = req.Programs[0]
	}
	lq := req.query()
	if lq.Kernel.Protos == 0 {
		// No protocol chosen: every one.
		lq.Kernel.Protos = sockets.AllProtos
	}
	out := bufio.NewWriter(f.stdout(req.Render.Format))
	defer out.Flush()
	// trace's writer writes each event into line; hw adds the row's own
	// columns (source, container) on its way out.
	var line bytes.Buffer
	var exeOf, containerOf string
	w := traceWriter{w: &line, format: req.Render.Format, lang: req.Render.Lang, exe: func(int32, string) (string, int64, string) { return exeOf, -1, "" },
		container: func(int32) string { return containerOf }}
	hw := historyWriter{w: out, format: req.Render.Format, lang: req.Render.Lang}
	sum := make(map[summaryKey]*summaryRow)
	if !o.Summary {
		w.begin()
		hw.header(line.Bytes())
		line.Reset()
	}
	info := &sockets.ProcessInfo{}
	err = db.History(ctx, q, func(r *history.Row) bool {
		s := socketOfRow(r, info)
		if !lq.Match(&s) {
			return true
		}
		if o.Summary {
			addSummary(sum, r)
			return true
		}
		ev := eventOf(r)
		exeOf, containerOf = r.Exe, r.Container
		w.forgetOwners() // the stored exe and container are the row's own
		w.event(&ev)
		hw.event(line.Bytes(), r)
		line.Reset()
		return true
	})
	if err != nil {
		return err
	}
	if o.Summary {
		partial, err := writeSummary(out, sum, req.Render.Format, req.Render.Lang)
		if partial && req.Render.Format == render.Table {
			f.note(i18n.T(req.Render.Lang, "history.note.partial"))
		}
		return err
	}
	w.end(0)
	out.Write(line.Bytes())
	return nil
}

// historyWriter writes what trace's writer made of each stored event
// with what only a stored row has: its source (ebpf, poll), and in a
// table its owner's container (trace's writer has it in JSON only). A
// table gets them as two last columns, JSON "source" (left out when
// empty, in a row stored before record said).
type historyWriter struct {
	w      io.Writer
	format render.Format
	lang   string // the heading's
	// width is the table's width up to its last column's end, what
	// each row is padded to before the added columns.
	width int
	buf   []byte
}

// lastWidth is room for the table's last column, the error
// ("ECONNREFUSED"), wider than its heading.
const lastWidth = 12

// header writes the table's heading b (a data format's opening, as is).
func (h *historyWriter) header(b []byte) {
	if h.format != render.Table {
		h.w.Write(b)
		return
	}
	head := bytes.TrimSuffix(b, []byte("\n"))
	last := bytes.LastIndexByte(head, ' ') + 1
	h.width = textwidth.Bytes(head[:last]) + lastWidth
	h.buf = tableColumns(h.buf[:0], head, h.width, i18n.T(h.lang, "trace.col.source"), i18n.T(h.lang, "trace.col.container"))
	h.w.Write(h.buf)
}

// event writes b, one event as trace's writer made it, with r's columns.
func (h *historyWriter) event(b []byte, r *history.Row) {
	if h.format == render.Table {
		h.buf = tableColumns(h.buf[:0], bytes.TrimSuffix(b, []byte("\n")), h.width, cmp.Or(r.Source, "-"), cmp.Or(r.Container, "-"))
		h.w.Write(h.buf)
		return
	}
	// A JSON event ends with its closing brace (and a newline in NDJSON).
	end := bytes.LastIndexByte(b, '}')
	if end < 0 || r.Source == "" {
		h.w.Write(b)
		return
	}
	h.buf = append(h.buf[:0], b[:end]...)
	h.buf = append(h.buf, `,"source":`...)
	h.buf = render.AppendJSONString(h.buf, r.Source)
	h.buf = append(h.buf, b[end:]...)
	h.w.Write(h.buf)
}

// tableColumns appends line padded to width, then source (in 6) and
// container, and a newline.
func tableColumns(b, line []byte, width int, source, container string) []byte {
	b = append(b, line...)
	for n := textwidth.Bytes(line); n < width; n++ {
		b = append(b, ' ')
	}
	return appendHeading(append(b, ' '), []int{-6}, source, container)
}

// eventOf is an event as trace reports it, from its stored form.
func eventOf(r *history.Row) trace.Event {
	ev := trace.Event{Time: r.Time, Owner: trace.Owner{PID: r.PID, Comm: r.Program}, Local: r.Local, Remote: r.Remote,
		Passive: r.Passive, Duration: r.Duration, Family: sockets.Inet, Proto: protoOfRow(r)}
	if r.Family == "inet6" {
		ev.Family = sockets.Inet6
	}
	for k := trace.Connect; k <= trace.Fail; k++ {
		if k.String() == r.Event {
			ev.Kind = k
		}
	}
	ev.From, ev.To = stateNamed(r.From), stateNamed(r.State)
	ev.Errno, ev.ErrnoKnown = r.Errno, r.ErrnoKnown
	if r.Sent < 0 {
		ev.NoBytes = true
	} else {
		ev.Sent, ev.Received = uint64(r.Sent), uint64(max(r.Received, 0))
	}
	return ev
}

// protoOfRow is the protocol of a stored row: TCP unless it says UDP.
func protoOfRow(r *history.Row) sockets.Proto {
	if r.Proto == history.ProtoUDP {
		return sockets.UDP
	}
	return sockets.TCP
}

// stateNamed returns the TCP state the kernel names name (0 if none).
func stateNamed(name string) sockets.State {
	for st := sockets.Established; st <= sockets.Closing; st++ {
		if st.String() == name {
			return st
		}
	}
	return 0
}
