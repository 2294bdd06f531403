package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/tui"
)

// watchRun shows the sockets req chooses live, until ctx is done or the
// user quits: full screen, or as a stream of events with --format ndjson.
func watchRun(ctx context.Context, f *Factory, req *listRequest) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if req.Render.Format == render.Table && !f.IO.IsStdoutTTY() {
		return flagErrorf(req.Render.Lang, "cli.err.watch.notty")
	}
	src, nsl, err := f.listSource(req, sockets.SourceOptions{Kind: req.Source, Modules: true})
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// A watch keeps two snapshots and the view's rows live (some
		// 130 MB at 100k sockets) and makes little garbage per refresh:
		// with the default GOGC its heap would creep up to twice the
		// live data over minutes. A quarter keeps its memory flat.
		defer debug.SetGCPercent(debug.SetGCPercent(watchGCPercent))
	}
	w := &watcher{f: f, req: req, c: f.collector(src), nsl: nsl}
	w.base = *req
	w.q = req.query()
	w.p = collect.NewPoller(w.c, w.q)
	defer w.p.Close()
	if nsl != nil {
		req.Render.Namespace = nsl.lookup
	}
	if req.Render.Format == render.NDJSON {
		return w.events(ctx)
	}
	var names func(uint64) *netns.Label
	if nsl != nil && req.AllNetNS {
		names = nsl.lookup
	}
	return tui.Run(ctx, tui.Options{
		Namespace: names,
		Poll:      w.poll,
		Interval:  req.Watch.Interval,
		Filter:    req.Watch.Expr,
		Compile:   w.compile,
		Kill:      w.kill,
		Inspect:   w.inspect,
		Namer:     f.Namer,
		Lang:      req.Render.Lang,
		OS:        runtime.GOOS,
		Color:     req.Watch.Color,
		UserName:  f.UserName,
	})
}

// watchGCPercent is the garbage collector's target while watching.
const watchGCPercent = 25

// watcher is what watch polls with. The filter line changes the query of
// the next poll: the view's goroutine compiles, the poll's applies.
type watcher struct {
	f    *Factory
	req  *listRequest
	base listRequest // the request as the flags made it
	c    *collect.Collector
	nsl  *nsListing
	p    *collect.Poller
	q    collect.Query

	mu      sync.Mutex
	pending *collect.Query // set by compile, taken by the next poll
	info    bool
}

// poll takes the next snapshot, with tcp_info if info.
func (w *watcher) poll(ctx context.Context, info bool) (collect.Snapshot, []collect.Change, error) {
	w.mu.Lock()
	q, changed := w.q, false
	if w.pending != nil {
		q, changed, w.pending = *w.pending, true, nil
	}
	if info != w.info {
		w.info, changed = info, true
	}
	w.q = q
	w.mu.Unlock()
	if changed {
		if info {
			q.Kernel.Internals |= sockets.WantInfo
		}
		w.p.SetQuery(q)
	}
	return w.p.Poll(ctx)
}

// compile compiles the filter line: the expression replaces the command
// line's from the next poll on (the kernel filters what it can), and the
// predicate it returns selects among the sockets already shown.
func (w *watcher) compile(text string) (func(*sockets.Socket) bool, error) {
	opts := filter.Options{}
	if w.req.filterOpts != nil {
		opts = *w.req.filterOpts
	}
	if opts.PortLo == 0 && w.f.EphemeralPorts != nil {
		if r := w.f.EphemeralPorts(); r.Known() {
			opts.PortLo, opts.PortHi = int(r.Low), int(r.High)
		}
	}
	r := w.base
	r.plan = nil
	r.Filter = r.baseFilter
	var e *filter.Expr
	if text != "" {
		var err error
		if e, err = filter.Parse(text, &opts); err != nil {
			return nil, filterLineError(r.Render.Lang, err)
		}
		plan, err := e.Plan()
		if err != nil {
			return nil, filterLineError(r.Render.Lang, err)
		}
		r.applyPlan(plan)
	}
	if r.Filter.States == 0 {
		r.Filter.States = sockets.AllStates &^ (1 << sockets.BoundInactive)
	}
	var ns filter.NamespaceFunc
	if r.plan != nil && r.plan.NeedsNamespaces {
		if w.nsl == nil {
			w.nsl = w.f.ownNamespace()
		}
		if w.nsl != nil {
			ns = w.nsl.lookup
			r.plan.Namespace = ns
		}
	}
	q := r.query()
	w.mu.Lock()
	w.pending = &q
	w.mu.Unlock()
	if e == nil {
		return func(*sockets.Socket) bool { return true }, nil
	}
	// The rows shown must pass the whole expression at once, its state
	// clauses too, not from the next poll on.
	return func(s *sockets.Socket) bool { return e.Match(s, ns) }, nil
}

// filterLineError is a malformed filter line's message: one line naming
// the token and its position.
func filterLineError(lang string, err error) error {
	if fe, ok := filterError(lang, err).(*FlagError); ok {
		return fe.Err
	}
	return err
}

// kill closes socks as the kill command does, each in its own
// namespace, and says in the user's language why one was not closed.
func (w *watcher) kill(ctx context.Context, socks []sockets.Socket) []error {
	rs := closeSockets(ctx, w.f, w.req, w.nsl, socks)
	errs := make([]error, len(socks))
	for i, r := range rs {
		if r.err != nil {
			errs[i] = errors.New(killReason(w.req.Render.Lang, r.err))
		}
	}
	return errs
}

// inspect reads socket s again with its tcp_info, through a dump the
// kernel narrows to its ports.
func (w *watcher) inspect(ctx context.Context, s *sockets.Socket) (*sockets.Socket, error) {
	if s.Family == sockets.Local {
		return s, nil
	}
	q := collect.Query{Kernel: sockets.Filter{
		Protos:    sockets.ProtoSet(0).With(s.Proto),
		Families:  sockets.FamilySet(0).With(s.Family),
		States:    sockets.StateSet(0).With(s.State),
		Internals: sockets.WantInfo | sockets.WantMemory,
	}}
	text := "sport = :" + strconv.Itoa(int(s.Local.Port()))
	if s.Remote.Port() != 0 {
		text += " and dport = :" + strconv.Itoa(int(s.Remote.Port()))
	}
	if e, err := filter.Parse(text, nil); err == nil {
		if plan, err := e.Plan(); err == nil {
			q.Kernel = plan.Filter(q.Kernel)
		}
	}
	want := *s
	q.AfterDump = func(x *sockets.Socket) bool {
		if want.Cookie != 0 {
			return x.Cookie == want.Cookie
		}
		return x.Local == want.Local && x.Remote == want.Remote && x.Inode == want.Inode
	}
	snap, err := w.c.Collect(ctx, &q, nil)
	if err != nil {
		return nil, err
	}
	if len(snap.Sockets) == 0 {
		return nil, fmt.Errorf("the socket is gone")
	}
	got := snap.Sockets[0]
	got.Processes = s.Processes
	return &got, nil
}

// events writes what changes as NDJSON events, one per line, until ctx is
// done: first every socket there is, as open events marked initial.
func (w *watcher) events(ctx context.Context) error {
	out := bufio.NewWriterSize(w.f.IO.DataOut(), 64<<10)
	var b []byte
	for seq := 1; ; seq++ {
		snap, changes, err := w.poll(ctx, false)
		if err == nil && seq == 1 {
			err = oneNamespaceFailed(w.req, snap.Warnings)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if seq == 1 {
			warn(w.f, snap.Warnings, w.req.Render.Lang)
		}
		ev := render.Event{Seq: seq, Time: snap.Time, Initial: seq == 1}
		for _, c := range changes {
			ev.Socket, ev.From = c.Socket, ""
			switch c.Kind {
			case collect.New:
				ev.Kind = render.EventOpen
			case collect.Gone:
				ev.Kind = render.EventClose
			case collect.StateChanged:
				ev.Kind, ev.From = render.EventState, sockets.StateNameOf(c.Socket.Proto, c.From)
			}
			b = render.AppendEventJSON(b[:0], &ev, &w.req.Render)
			out.Write(b)
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if !wait(ctx, w.req.Watch.Interval) {
			return nil
		}
	}
}

// ownNamespace describes this process's network namespace, for filters
// that name namespaces; nil where there are none.
func (f *Factory) ownNamespace() *nsListing {
	if f.Namespaces == nil {
		return nil
	}
	nss, _, err := f.Namespaces(strconv.Itoa(os.Getpid()), false)
	if err != nil {
		return nil
	}
	return f.describe(nss)
}
