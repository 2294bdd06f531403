package cli

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// listRun lists sockets once, or every req.Interval until ctx is done.
func listRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	src, nsl, err := f.listSource(req, sockets.SourceOptions{Kind: req.Source, Record: req.Record, Modules: req.Owners && req.Details})
	if err != nil {
		return err
	}
	if nsl != nil {
		req.Render.Namespace = nsl.lookup
		req.Render.NetNSColumn = req.AllNetNS
	}
	out := bufio.NewWriterSize(f.stdout(req.Render.Format), 64<<10)
	host, _ := os.Hostname()
	c := f.collector(src)
	q := req.query()
	if req.streams(f, &q) {
		return listPacked(ctx, f, c, &q, req, out, host)
	}
	// A repeated listing polls: its buffers are reused from round to
	// round, and it never pauses garbage collection. A single one does
	// (collect.PauseGC).
	var poll func(ctx context.Context) (collect.Snapshot, error)
	if req.Interval > 0 {
		p := collect.NewPoller(c, q)
		defer p.Close()
		poll = func(ctx context.Context) (collect.Snapshot, error) {
			snap, _, err := p.Poll(ctx)
			return snap, err
		}
	} else {
		c.PauseGC = true
		poll = func(ctx context.Context) (collect.Snapshot, error) { return c.Collect(ctx, &q, nil) }
	}
	for round := 1; ; round++ {
		snap, err := poll(ctx)
		if err == nil {
			err = oneNamespaceFailed(req, snap.Warnings)
		}
		if err != nil {
			return err
		}
		meta := render.Meta{Host: host, Time: snap.Time, Unattributed: snap.Warnings.Unattributed,
			Warnings: warningLines(snap.Warnings)}
		if req.Interval > 0 {
			meta.Round = round
		}
		if round == 1 {
			warn(f, snap.Warnings, req.Render.Lang)
			if len(snap.Sockets) == 0 {
				explainNoPID(f, req)
			}
		}
		socks := snap.Sockets
		req.Sort.Sort(socks)
		opts := req.Render
		if !req.Numeric && f.Namer != nil {
			opts.Namer = f.Namer(ctx, socks)
		}
		if round > 1 && opts.Format == render.Table && opts.Style == render.Modern {
			out.WriteByte('\n') // the other layouts open with a blank line or a title
		}
		if err := render.Write(out, socks, meta, opts); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if !wait(ctx, req.Interval) {
			return nil
		}
	}
}

// streams reports whether the listing can be taken as a stream and held
// packed (sockets.Packed) rather than as a []Socket: a table listed once,
// in the order of the dump, with no owners and no names to resolve (the
// namer looks at every socket first). That is the listing whose memory
// grows with the machine's sockets and nothing else, and it stays within
// a small multiple of ss's. Packed keeps no internals (tcp_info), so a
// listing that asks for them is not streamed either.
func (req *listRequest) streams(f *Factory, q *collect.Query) bool {
	return req.Interval == 0 && !q.Owners && q.Kernel.Internals == 0 && req.Render.Format == render.Table &&
		len(req.Sort) == 0 && (req.Numeric || f.Namer == nil)
}

// listPacked lists once through c.Stream into a sockets.Packed, about 30
// bytes a socket where a Socket takes 192, and renders from it.
func listPacked(ctx context.Context, f *Factory, c *collect.Collector, q *collect.Query, req *listRequest, out *bufio.Writer, host string) error {
	c.PauseGC = true
	var packed sockets.Packed
	snap, err := c.Stream(ctx, q, &packed)
	if err == nil {
		err = oneNamespaceFailed(req, snap.Warnings)
	}
	if err != nil {
		return err
	}
	warn(f, snap.Warnings, req.Render.Lang)
	meta := render.Meta{Host: host, Time: snap.Time, Warnings: warningLines(snap.Warnings)}
	if err := render.WriteRows(out, packed.All(), meta, req.Render); err != nil {
		return err
	}
	return out.Flush()
}

// snapshotOnce takes the one snapshot of a command that acts on what req
// chooses, once (summary, kill), with owners as req asks: garbage
// collection is paused meanwhile, as a one-shot command may. A --netns
// namespace that could not be read fails it, as it fails a listing.
func (f *Factory) snapshotOnce(ctx context.Context, req *listRequest) (collect.Snapshot, *nsListing, error) {
	src, nsl, err := f.listSource(req, sockets.SourceOptions{Kind: req.Source, Record: req.Record, Modules: req.Owners && req.Details})
	if err != nil {
		return collect.Snapshot{}, nil, err
	}
	c := f.collector(src)
	c.PauseGC = true
	q := req.query()
	snap, err := c.Collect(ctx, &q, nil)
	if err == nil {
		err = oneNamespaceFailed(req, snap.Warnings)
	}
	return snap, nsl, err
}

// collector returns the collector of the listing commands: src, and the
// factory's attribution.
func (f *Factory) collector(src sockets.Source) *collect.Collector {
	return &collect.Collector{Source: src, Attribute: f.Attribute, Track: f.Track}
}

// query is what req asks the collector for: the kernel's filter, the
// protocol/family pairs and ports after the dump, owners when a column or
// filter needs them, and --pid/--program after attribution.
func (req *listRequest) query() collect.Query {
	q := collect.Query{Kernel: req.Filter, Owners: req.Owners, Details: req.Details}
	if req.combos != nil || len(req.Ports) > 0 {
		q.AfterDump = req.keepSocket
	}
	if len(req.PIDs) > 0 || len(req.Programs) > 0 {
		q.AfterOwners = req.keepOwned
	}
	if p := req.plan; p != nil {
		q.AfterDump = both(q.AfterDump, p.AfterDump)
		q.AfterOwners = both(q.AfterOwners, p.AfterOwners)
	}
	return q
}

// both returns a test that passes what a and b both pass (a nil one
// passes everything).
func both(a, b func(*sockets.Socket) bool) func(*sockets.Socket) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(s *sockets.Socket) bool { return a(s) && b(s) }
}

// warn prints what a snapshot could not see, on stderr, in language lang.
func warn(f *Factory, w collect.Warnings, lang string) {
	for _, line := range f.namespaceNotes(w.Partial, lang) {
		f.note(i18n.T(lang, "cli.warning", line))
	}
	if w.Attribution != nil {
		f.note(i18n.T(lang, "cli.warning", i18n.T(lang, "cli.warn.attribution", w.Attribution.Error())))
	}
	if w.Unattributed == 0 {
		return
	}
	key := "cli.unattr.user"
	switch {
	case goos == "windows" && f.Privileged:
		key = "cli.unattr.admin"
	case goos == "windows":
		key = "cli.unattr.elevate"
	case f.Privileged:
		f.note(i18n.T(lang, "cli.unattr.root",
			plural(lang, w.Unattributed, "socket"), plural(lang, w.Unreadable, "process"), plural(lang, w.Unreadable, "its")))
		return
	}
	f.note(i18n.T(lang, key,
		plural(lang, w.Unattributed, "socket"), plural(lang, w.Unreadable, "process")))
}

// explainNoPID says, on stderr, why --pid found nothing where a reason is
// known: the process does not exist, or its sockets are in another network
// namespace, which this listing does not see.
func explainNoPID(f *Factory, req *listRequest) {
	if f.NetNSOf == nil {
		return
	}
	for _, pid := range req.PIDs {
		theirs, ours, err := f.NetNSOf(pid)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.note(i18n.T(req.Render.Lang, "cli.pid.gone", pid))
		case err == nil && theirs != ours:
			f.note(i18n.T(req.Render.Lang, "cli.pid.netns", pid, theirs, ours))
		}
	}
}

// oneNamespaceFailed returns the failure of the one namespace --netns
// asked for, which is the listing's failure, not a warning under an empty
// table.
func oneNamespaceFailed(req *listRequest, w collect.Warnings) error {
	if req.NetNS == "" {
		return nil
	}
	for _, e := range w.Partial {
		var ne *netns.Error
		if errors.As(e, &ne) {
			return e
		}
	}
	return nil
}

// warningLines are the parts of a listing that failed, one line each, for
// the JSON envelope: the errors' own text, which a program matches, not
// the translated notes of stderr.
func warningLines(w collect.Warnings) []string {
	var lines []string
	for _, e := range w.Partial {
		lines = append(lines, e.Error())
	}
	if w.Attribution != nil {
		lines = append(lines, "process attribution: "+w.Attribution.Error())
	}
	return lines
}

// goos is the operating system whose advice warn gives (sudo or
// Administrator); tests set it.
var goos = runtime.GOOS

// plural returns message cli.n.WORD.one or .many (cli.its.* for "its")
// for n in language lang: English has a singular, Chinese needs none.
func plural(lang string, n int, word string) string {
	key := "cli.n." + word
	if word == "its" {
		key = "cli.its"
	}
	if n == 1 {
		key += ".one"
	} else {
		key += ".many"
	}
	if word == "its" {
		return i18n.T(lang, key)
	}
	return i18n.T(lang, key, n)
}

// keepSocket applies what the source cannot: protocol/family pairs and
// ports.
func (req *listRequest) keepSocket(s *sockets.Socket) bool {
	if req.combos != nil && s.Family != sockets.Local {
		fams, ok := req.combos[s.Proto]
		if !ok || !fams.Has(s.Family) {
			return false
		}
	}
	if len(req.Ports) > 0 {
		if s.Family == sockets.Local {
			return false
		}
		if !slices.Contains(req.Ports, s.Local.Port()) && !slices.Contains(req.Ports, s.Remote.Port()) {
			return false
		}
	}
	return true
}

// keepOwned applies --pid and --program after attribution. A holder
// without a ProcessInfo (invalid) matches neither.
func (req *listRequest) keepOwned(s *sockets.Socket) bool {
	for i := range s.Processes {
		p := s.Processes[i].Info
		if p == nil {
			continue
		}
		if len(req.PIDs) > 0 && !slices.Contains(req.PIDs, p.PID) {
			continue
		}
		if len(req.Programs) > 0 && !matchProgram(p, req.Programs) {
			continue
		}
		return true
	}
	return false
}

// matchProgram reports whether the name or the executable's file name of
// p is one of names, ignoring case and a Windows ".exe" ("chrome" finds
// chrome.exe, as "chrome.exe" does).
func matchProgram(p *sockets.ProcessInfo, names []string) bool {
	name, exe := trimExe(p.Name), ""
	if p.Exe != "" {
		exe = trimExe(filepath.Base(p.Exe))
	}
	for _, n := range names {
		n = trimExe(n)
		if strings.EqualFold(name, n) || (exe != "" && strings.EqualFold(exe, n)) {
			return true
		}
	}
	return false
}

// trimExe returns s without a final ".exe", in any case.
func trimExe(s string) string {
	if len(s) > 4 && strings.EqualFold(s[len(s)-4:], ".exe") {
		return s[:len(s)-4]
	}
	return s
}
