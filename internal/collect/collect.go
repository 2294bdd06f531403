package collect

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// AttributeFunc reads which processes hold which sockets before the
// sockets are known, so that it can run while the source lists them: it
// returns a function that sets the Processes of the sockets it is given
// (the matching is by inode). details asks for exe, cmdline, user, parent
// and cgroup besides PID and name. listed is closed once the source has
// listed the sockets: until then, the walk should leave it a CPU.
//
// If it returns a nil function, attribution failed and err says why; with
// a function, a non-nil err is about some processes only. An error
// matching sockets.ErrUnsupported means there is no attribution on this
// system: the snapshot goes on without owners, and no warning is given.
type AttributeFunc func(ctx context.Context, details bool, listed <-chan struct{}) (attribute func(socks []sockets.Socket) Attribution, err error)

// Attribution says what process attribution could not see.
type Attribution struct {
	// Unattributed is the number of sockets that may be held by a process
	// whose file table could not be read.
	Unattributed int
	// Unreadable is the number of such processes.
	Unreadable int
}

// A Tracker attributes the sockets of snapshot after snapshot, reading
// again only what changed since the previous call (procattr.Tracker).
// Errors are as an AttributeFunc's.
type Tracker interface {
	Attribute(ctx context.Context, socks []sockets.Socket) (Attribution, error)
	Close() error
}

// A Query says what to collect and how much to find out about it.
type Query struct {
	// Kernel is what the source filters, in the kernel where it can.
	Kernel sockets.Filter
	// AfterDump keeps, after the dump and before attribution, the sockets
	// it reports true for; nil keeps them all.
	AfterDump func(*sockets.Socket) bool
	// Owners asks for the processes that hold each socket; Details for
	// their exe, command line, user, parent and cgroup too.
	Owners, Details bool
	// AfterOwners keeps, after attribution, the sockets it reports true
	// for; nil keeps them all. It needs Owners.
	AfterOwners func(*sockets.Socket) bool
}

// Match reports whether s passes every filter of q: the kernel's, and
// those after the dump and after attribution. It is for sockets made
// outside a collection (a traced connection's event), with whatever
// owners they carry.
func (q *Query) Match(s *sockets.Socket) bool {
	return q.Kernel.Match(s) && (q.AfterDump == nil || q.AfterDump(s)) && (q.AfterOwners == nil || q.AfterOwners(s))
}

// Warnings are what a snapshot could not see. They are values: the caller
// that prints them translates them.
type Warnings struct {
	// Partial are the parts of the listing that failed (one protocol, one
	// family), each an error of the source.
	Partial []error
	// Attribution is why attribution failed or was incomplete; nil if it
	// did not, or where there is no attribution on this system.
	Attribution error
	// Unattributed sockets may be held by one of Unreadable processes
	// whose files could not be read.
	Unattributed, Unreadable int
}

// A Snapshot is the sockets a query selected at one moment.
type Snapshot struct {
	Sockets []sockets.Socket
	// Time is when the snapshot was started; Duration how long it took.
	Time     time.Time
	Duration time.Duration
	Warnings Warnings
}

// A Collector takes snapshots from Source, attributing owners with
// Attribute (nil: never).
type Collector struct {
	Source    sockets.Source
	Attribute AttributeFunc
	// PauseGC turns garbage collection off while a snapshot is taken (see
	// PauseGC). It is for a command that takes one snapshot and exits,
	// never for a long-running consumer: a process that pauses its
	// collector while others allocate grows without bound.
	PauseGC bool
	// Track, if not nil, returns a Tracker for a Poller to attribute
	// with, loading processes' details if asked; a Poller without one
	// attributes every snapshot afresh with Attribute.
	Track func(details bool) Tracker
}

// scanned is the outcome of an AttributeFunc.
type scanned struct {
	attribute func([]sockets.Socket) Attribution
	err       error
}

// Collect takes one snapshot under q, appending the sockets to dst[:0]
// (pass the previous snapshot's sockets to reuse their memory). When q
// asks for owners, the processes' files are read on other goroutines
// while the source dumps the sockets, and the two are joined once both
// are done. It returns an error only if the listing failed (attribution
// is then canceled); what could not be seen is in the Warnings.
func (c *Collector) Collect(ctx context.Context, q *Query, dst []sockets.Socket) (Snapshot, error) {
	snap := Snapshot{Time: time.Now()}
	if c.PauseGC {
		defer PauseGC()()
	}
	var scan chan scanned
	listed := make(chan struct{})
	if q.Owners && c.Attribute != nil {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel() // stop the walk if the listing fails
		scan = make(chan scanned, 1)
		go func() {
			attribute, err := c.Attribute(sctx, q.Details, listed)
			scan <- scanned{attribute, err}
		}()
	}
	socks, err := c.Source.Snapshot(ctx, q.Kernel, dst[:0])
	close(listed)
	if snap.Warnings.Partial, err = partialErrs(err); err != nil {
		return snap, err
	}
	if q.AfterDump != nil {
		socks = keep(socks, q.AfterDump)
	}
	if scan != nil {
		r := <-scan
		if r.err != nil && !errors.Is(r.err, sockets.ErrUnsupported) {
			snap.Warnings.Attribution = r.err
		}
		if r.attribute != nil {
			a := r.attribute(socks)
			snap.Warnings.Unattributed, snap.Warnings.Unreadable = a.Unattributed, a.Unreadable
		}
		if q.AfterOwners != nil {
			socks = keep(socks, q.AfterOwners)
		}
	}
	snap.Sockets = socks
	snap.Duration = time.Since(snap.Time)
	return snap, nil
}

// Stream takes one snapshot under q without holding it: it gives sink
// the sockets that pass q's kernel filter and AfterDump, in batches as
// the source reads them (see sockets.Sink), so that a consumer can keep
// them in a smaller form than a []Socket. A query that asks for owners
// cannot be streamed (owners are joined once the listing is complete):
// Stream then collects and gives sink the whole snapshot as one batch.
// The Snapshot it returns has no Sockets.
func (c *Collector) Stream(ctx context.Context, q *Query, sink sockets.Sink) (Snapshot, error) {
	if q.Owners && c.Attribute != nil {
		snap, err := c.Collect(ctx, q, nil)
		if len(snap.Sockets) > 0 {
			sink.Add(0, snap.Sockets)
		}
		snap.Sockets = nil
		return snap, err
	}
	snap := Snapshot{Time: time.Now()}
	if c.PauseGC {
		defer PauseGC()()
	}
	if q.AfterDump != nil {
		sink = filterSink{sink, q.AfterDump}
	}
	var err error
	if snap.Warnings.Partial, err = partialErrs(sockets.Feed(ctx, c.Source, q.Kernel, sink)); err != nil {
		return snap, err
	}
	snap.Duration = time.Since(snap.Time)
	return snap, nil
}

// partialErrs splits a source's error: the parts a *sockets.PartialError
// says failed, which are warnings, or an error that failed the listing.
func partialErrs(err error) ([]error, error) {
	var partial *sockets.PartialError
	if errors.As(err, &partial) {
		return partial.Errs, nil
	}
	return nil, err
}

// filterSink passes on the sockets keep reports true for.
type filterSink struct {
	sockets.Sink
	keep func(*sockets.Socket) bool
}

func (f filterSink) Add(part int, batch []sockets.Socket) {
	if batch = keep(batch, f.keep); len(batch) > 0 {
		f.Sink.Add(part, batch)
	}
}

// keep keeps, in place and in order, the sockets of socks that fn reports
// true for. Unlike slices.DeleteFunc it hands fn a pointer, not a copy of
// each socket, and clears the tail so that no process info stays
// reachable from it.
func keep(socks []sockets.Socket, fn func(*sockets.Socket) bool) []sockets.Socket {
	n := 0
	for i := range socks {
		if fn(&socks[i]) {
			if n != i {
				socks[n] = socks[i]
			}
			n++
		}
	}
	clear(socks[n:])
	return socks[:n]
}

// gcPause holds garbage collection off while snapshots run (see PauseGC).
var gcPause struct {
	sync.Mutex
	n       int // snapshots running
	percent int // the GOGC to restore
}

// PauseGC turns garbage collection off until the function it returns is
// called; calls may overlap. A snapshot that walks the processes' files
// while the source dumps the sockets runs better without it: the cycle
// that the dump's large first allocation starts would read the untouched
// pages, mapping the kernel's zero page, and each first write of the dump
// would then copy a page and flush the TLB of every CPU running a walker
// of this process, an IPI per 4 KiB that is costly in a VM (+40% CPU for
// the dump at 100k sockets). Little garbage is made meanwhile, and the
// collector catches up afterwards. Only a one-shot command should use it.
func PauseGC() (resume func()) {
	gcPause.Lock()
	if gcPause.n == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
	}
	gcPause.n++
	gcPause.Unlock()
	return func() {
		gcPause.Lock()
		if gcPause.n--; gcPause.n == 0 {
			debug.SetGCPercent(gcPause.percent)
		}
		gcPause.Unlock()
	}
}
