package tui

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Options configure Run. Funcs may be nil where noted.
type Options struct {
	// Poll takes the next snapshot and what changed since the previous
	// one, as collect.Poller.Poll does: the first call reports every
	// socket New, and the snapshot and changes are valid only until Poll
	// is called again (the view copies what it keeps). info asks for
	// tcp_info (Socket.Internals): it is true while a column needing it
	// (rtt) is shown. Poll is called from one goroutine, never
	// concurrently.
	Poll func(ctx context.Context, info bool) (collect.Snapshot, []collect.Change, error)
	// Interval is the initial refresh interval (default 1s).
	Interval time.Duration
	// Filter is the initial text of the filter line: the command line's
	// FILTER, which Poll already applies; the filter line filters what
	// Poll returns, on top of it.
	Filter string
	// Compile compiles a filter-language expression to a predicate over
	// attributed sockets; its error is one line naming the bad token. Nil:
	// the filter line is unavailable. Compile may also change what the
	// next Poll selects: the refresh after a new filter colours nothing,
	// as what changed then is the filter, not the machine.
	Compile func(expr string) (func(*sockets.Socket) bool, error)
	// Kill closes the given sockets, returning one error per socket (nil:
	// closed). Nil: closing is unavailable, and the view says so. Kill
	// and Inspect run on goroutines of their own, possibly while Poll
	// runs; neither is ever called while a call of it is in flight.
	Kill func(ctx context.Context, socks []sockets.Socket) []error
	// Inspect re-reads one socket with its internals (tcp_info) for the
	// detail pane. Nil, or an error: the pane shows what the snapshot has.
	Inspect func(ctx context.Context, s *sockets.Socket) (*sockets.Socket, error)
	// Namer returns a namer for the sockets given (name resolution, the
	// n key); nil: resolution is unavailable. While names are on it is
	// called after every poll, on the refresh goroutine, with the
	// snapshot's sockets; its namer answers from what it has already
	// looked up (render.Namer), and the time it takes delays the
	// refresh, so it should bound its lookups in time.
	Namer func(ctx context.Context, socks []sockets.Socket) render.Namer
	// Lang is the language: "" English, "zh-CN" Chinese.
	Lang string
	// OS is the runtime.GOOS of the machine watched (explain's texts).
	OS string
	// Color false (NO_COLOR, TERM=dumb, a monochrome terminal) shows a
	// marker column (+ new, ~ changed, - closed, * marked) instead of
	// colours.
	Color bool
	// Screen is the screen to draw on; nil: the real terminal. Tests
	// pass a tcell SimulationScreen.
	Screen tcell.Screen
	// Namespace, when not nil, names the network namespace of each
	// socket (by its inode), and the table gets a NetNS column: the
	// sockets come from several namespaces (--all-netns), whose rows
	// would otherwise look alike.
	Namespace func(inode uint64) *netns.Label
	// UserName names a uid for the user column when no holder carries
	// the name (nil: numbers). It is called for visible cells on every
	// draw: it should answer from a cache.
	UserName func(uid uint32) string
}

// ErrNoPoll is returned by Run when Options.Poll is nil.
var ErrNoPoll = errors.New("tui: no Poll function")

// Interval bounds: + and - step through these.
var intervals = []time.Duration{
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second,
	3 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
}

// Run shows the view until the user quits (q, Ctrl-C) or ctx ends, then
// restores the terminal. It returns the error of the first Poll, when it
// fails (there is nothing to show), or of the terminal; later Poll errors
// are shown in the status line and the view goes on. Every goroutine Run
// started has ended when it returns.
func Run(ctx context.Context, opts Options) error {
	if opts.Poll == nil {
		return ErrNoPoll
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	app := tview.NewApplication()
	if opts.Screen != nil {
		app.SetScreen(opts.Screen)
	}
	app.EnableMouse(true)
	v := newView(ctx, opts, appFocus{app})
	// Every goroutine the view starts is waited for before Run returns,
	// so that the caller may close what Poll, Kill and Inspect use.
	var wg sync.WaitGroup
	var crashed crash
	q := &uiQueue{app: app}
	v.quit = func() { cancel(); app.Stop() }
	v.async = func(work func() func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer crashed.catch(q, v.quit)
			if done := work(); done != nil {
				q.post(done)
			}
		}()
	}
	app.SetRoot(v.root, true).SetFocus(v.table)
	app.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == uiWakeKey {
			q.run()
		} else {
			v.handleKey(ev)
		}
		return nil
	})
	app.SetBeforeDrawFunc(func(screen tcell.Screen) bool {
		v.resize(screen.Size())
		return false
	})
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		// Stopped from the UI goroutine: tview's Run clears its screen
		// unlocked when it ends, so Stop must not race with that.
		q.post(v.quit)
	}()
	go func() {
		defer wg.Done()
		defer crashed.catch(q, v.quit)
		v.loop(ctx, func(f func()) bool {
			done := make(chan struct{})
			q.post(func() { f(); close(done) })
			select {
			case <-done:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	err := app.Run()
	cancel()
	wg.Wait()
	crashed.repanic()
	if err == nil {
		err = v.firstErr
	}
	return err
}

// crash is a panic of one of Run's goroutines (Poll, Kill, Inspect,
// Namer are the caller's code): the view stops, the terminal is
// restored, and Run panics with it, stack and all, on the caller's
// goroutine, as tview does for a panic on the UI goroutine.
type crash struct {
	mu    sync.Mutex
	value any
	stack []byte
}

// catch is deferred by each goroutine: it records the first panic and
// stops the view.
func (c *crash) catch(q *uiQueue, quit func()) {
	p := recover()
	if p == nil {
		return
	}
	c.mu.Lock()
	if c.stack == nil {
		c.value, c.stack = p, debug.Stack()
	}
	c.mu.Unlock()
	q.post(quit)
}

// repanic panics with the recorded panic, if any.
func (c *crash) repanic() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stack != nil {
		panic(fmt.Sprintf("%v\n\ngoroutine of the view:\n%s", c.value, c.stack))
	}
}

// uiWakeKey is the key of the event that tells the UI goroutine to run
// what uiQueue holds; no terminal sends it.
const uiWakeKey = tcell.KeyF64

// uiQueue hands functions to the UI goroutine without ever blocking:
// tview's QueueUpdate waits until its function has run, which is forever
// once the application has stopped. A posted function runs on the UI
// goroutine, which then redraws; after Run it never runs.
type uiQueue struct {
	app *tview.Application
	mu  sync.Mutex
	fs  []func()
}

// post queues f; the first function of a batch wakes the UI goroutine
// (tview's event queue, buffered, takes the wake-up without blocking).
func (q *uiQueue) post(f func()) {
	q.mu.Lock()
	q.fs = append(q.fs, f)
	first := len(q.fs) == 1
	q.mu.Unlock()
	if first {
		q.app.QueueEvent(tcell.NewEventKey(uiWakeKey, 0, tcell.ModNone))
	}
}

// run runs what was posted; on the UI goroutine.
func (q *uiQueue) run() {
	q.mu.Lock()
	fs := q.fs
	q.fs = nil
	q.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// appFocus gives the view the application's focus.
type appFocus struct{ app *tview.Application }

func (a appFocus) SetFocus(p tview.Primitive) { a.app.SetFocus(p) }
func (a appFocus) GetFocus() tview.Primitive  { return a.app.GetFocus() }

// focuser is who holds the keyboard focus: the application, or a test.
type focuser interface {
	SetFocus(p tview.Primitive)
	GetFocus() tview.Primitive
}

// loop polls, hands each snapshot to the UI goroutine through onUI
// (which returns false once the view is gone) and waits the interval or
// a wake-up. It waits while paused.
func (v *view) loop(ctx context.Context, onUI func(func()) bool) {
	for first := true; ; first = false {
		start := time.Now()
		snap, changes, namer, err := v.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if first && err != nil {
			// Nothing to show: the caller reports it.
			v.firstErr = err
			onUI(v.quit)
			return
		}
		if !onUI(func() { v.applyPoll(snap, changes, err, namer) }) {
			return
		}
		if !v.waitNext(ctx, start) {
			return
		}
	}
}

// waitNext waits for the next refresh: the interval after the last one
// started (a poll that takes long does not stretch it), or a wake-up;
// while paused, only a wake-up. It returns false when ctx ends.
func (v *view) waitNext(ctx context.Context, start time.Time) bool {
	t := time.NewTimer(time.Until(start.Add(time.Duration(v.interval.Load()))))
	defer t.Stop()
	tc := t.C
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tc:
			tc = nil
		case <-v.wake:
		}
		if !v.paused.Load() {
			return true
		}
	}
}

// poll takes one snapshot, with names when resolution is on. It runs off
// the UI goroutine.
func (v *view) poll(ctx context.Context) (collect.Snapshot, []collect.Change, render.Namer, error) {
	snap, changes, err := v.opts.Poll(ctx, v.wantInfo.Load())
	var namer render.Namer
	if err == nil && v.names.Load() && v.opts.Namer != nil {
		namer = v.opts.Namer(ctx, snap.Sockets)
	}
	return snap, changes, namer, err
}

// step polls once and applies the result at once: the tests' refresh.
func (v *view) step(ctx context.Context) {
	snap, changes, namer, err := v.poll(ctx)
	v.applyPoll(snap, changes, err, namer)
}

// applyPoll takes a poll's result into the model; on the UI goroutine.
func (v *view) applyPoll(snap collect.Snapshot, changes []collect.Change, err error, namer render.Namer) {
	if err != nil {
		v.setStatus(v.text("tui.status.pollerr", err.Error()), true)
		return
	}
	if v.names.Load() {
		v.namer = namer
	} else {
		v.namer = nil
	}
	v.m.apply(snap, changes)
	v.warn(snap.Warnings)
	v.refreshView()
	if v.showDetail {
		v.inspect(true) // the selected socket's tcp_info, as of now
	}
}

// warn shows what the snapshot could not see, once per distinct text.
func (v *view) warn(w collect.Warnings) {
	switch {
	case len(w.Partial) > 0:
		v.setStatus(v.text("tui.status.partial", w.Partial[0].Error()), true)
	case w.Unattributed > 0 && v.status == "":
		v.setStatus(v.text("tui.status.unattributed", w.Unattributed), false)
	}
}

// wakeLoop makes the refresh loop poll now (interval change, unpause,
// a column needing tcp_info, names turned on).
func (v *view) wakeLoop() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// viewState is what the refresh loop reads from other goroutines.
type viewState struct {
	interval atomic.Int64 // time.Duration
	paused   atomic.Bool
	wantInfo atomic.Bool
	names    atomic.Bool
	wake     chan struct{}
	firstErr error // the first Poll's, which ends Run
}
