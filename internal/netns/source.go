package netns

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/sockscope/sockscope/internal/sockets"
)

// PartStride is how many parts (see sockets.Sink) a namespace's listing
// may use in a Source's Stream: namespace i's part p is given to the sink
// as i*PartStride + p, so that a sockets.Packed keeps the namespaces in
// order and each one's parts in its source's order. A per-namespace source
// that uses a part of PartStride or more has that batch dropped and the
// namespace reported in the *sockets.PartialError.
const PartStride = 64

// DefaultLimit bounds how many namespaces a Source dumps at once when
// SourceOptions.Limit is 0: GOMAXPROCS, at most 4 (the dumps are kernel work; more
// threads than CPUs only take turns).
func DefaultLimit() int { return min(4, max(1, runtime.GOMAXPROCS(0))) }

// Source is a sockets.Streamer over several network namespaces: it runs a
// per-namespace source on a thread inside each (Do), several namespaces at
// once, and sets every socket's NetNS to its namespace's inode. The
// sockets come in the order of the namespaces, then of each source.
//
// A namespace that cannot be entered or read is one *Error (naming it) in
// the *sockets.PartialError returned with the sockets of the others; a
// per-namespace *sockets.PartialError becomes one *Error per entry. Only
// the end of ctx fails the whole.
type Source struct {
	namespaces []NetNS
	opts       SourceOptions

	mu   sync.Mutex
	idle []sockets.Source // made by opts.New, reused across namespaces
}

var _ sockets.Streamer = (*Source)(nil)

// SourceOptions configures NewSource.
type SourceOptions struct {
	// New makes a source that lists the namespace of the thread it is
	// called on, such as
	//
	//	func() (sockets.Source, error) { return sockets.NewSystemSource(opts) }
	//
	// (whose netlink sockets are opened per snapshot on the calling
	// thread, and whose /proc fallback reads /proc/thread-self/net). The
	// Source makes at most Limit of them and reuses them from one
	// namespace to the next. Required.
	New func() (sockets.Source, error)
	// Proc, if not nil, makes a source of the /proc/net files in dir,
	// such as
	//
	//	func(dir string) (sockets.Source, error) {
	//		return sockets.NewSystemSource(sockets.SourceOptions{Kind: "proc", ProcNet: dir})
	//	}
	//
	// A namespace that cannot be entered (setns needs CAP_SYS_ADMIN) but
	// one of whose processes is still in it is then read from that
	// process's /proc/PID/net, without entering, which any user may read:
	// an unprivileged user sees the sockets of the namespaces of their own
	// processes. Such a listing lacks what only sock_diag reports
	// (bound-inactive TCP sockets, MPTCP, socket internals).
	Proc func(dir string) (sockets.Source, error)
	// Limit bounds how many namespaces are read at once; 0 means
	// DefaultLimit().
	Limit int
}

// NewSource returns a Source over namespaces.
func NewSource(namespaces []NetNS, opts SourceOptions) *Source {
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit()
	}
	opts.Limit = min(opts.Limit, max(1, len(namespaces)))
	return &Source{namespaces: namespaces, opts: opts}
}

// Namespaces returns the namespaces the Source lists, in its order.
func (s *Source) Namespaces() []NetNS { return s.namespaces }

func (s *Source) get() (sockets.Source, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		src := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		return src, nil
	}
	s.mu.Unlock()
	return s.opts.New()
}

func (s *Source) put(src sockets.Source) {
	s.mu.Lock()
	s.idle = append(s.idle, src)
	s.mu.Unlock()
}

// each runs fn(i) for every namespace index, at most opts.Limit at once, and
// returns the errors fn gave, in namespace order.
func (s *Source) each(ctx context.Context, fn func(i int, src sockets.Source) error) []error {
	errs := make([]error, len(s.namespaces))
	next := make(chan int)
	var wg sync.WaitGroup
	var worker func()
	worker = func() {
		defer wg.Done()
		var src sockets.Source
		defer func() {
			if src != nil {
				s.put(src)
			}
		}()
		for i := range next {
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				continue
			}
			if src == nil {
				var err error
				if src, err = s.get(); err != nil {
					errs[i] = &Error{NS: s.namespaces[i], Err: err}
					continue
				}
			}
			errs[i] = fn(i, src)
			var stuck *StuckError
			if errors.As(errs[i], &stuck) {
				// This goroutine's thread is stuck in the namespace:
				// end it (and so the thread), and let another take
				// its place.
				wg.Add(1)
				go worker()
				return
			}
		}
	}
	for range s.opts.Limit {
		wg.Add(1)
		go worker()
	}
	for i := range s.namespaces {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// enter runs list with src on a thread inside ns. If ns cannot be
// entered and opts.Proc is set, it runs list instead, here, with a source
// of the /proc/PID/net of one of ns's processes.
func (s *Source) enter(ns *NetNS, src sockets.Source, list func(sockets.Source) error) error {
	err := Do(ns, func() error { return list(src) })
	if err == nil || s.opts.Proc == nil || !isEnterError(err) {
		return err
	}
	dir, ok := procNetDir(ns)
	if !ok {
		return err
	}
	proc, perr := s.opts.Proc(dir)
	if perr != nil {
		return errors.Join(err, perr)
	}
	return list(proc)
}

// collect turns the per-namespace errors into the Source's error: ctx's
// if it ended, else a *sockets.PartialError of every namespace's failures.
func (s *Source) collect(ctx context.Context, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var all []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		var partial *sockets.PartialError
		if errors.As(err, &partial) {
			for _, e := range partial.Errs {
				all = append(all, &Error{NS: s.namespaces[i], Err: e})
			}
			continue
		}
		var nsErr *Error
		if !errors.As(err, &nsErr) {
			err = &Error{NS: s.namespaces[i], Err: err}
		}
		all = append(all, err)
	}
	if len(all) > 0 {
		return &sockets.PartialError{Errs: all}
	}
	return nil
}

// Snapshot appends the sockets of every namespace matching f to dst.
func (s *Source) Snapshot(ctx context.Context, f sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	lists := make([][]sockets.Socket, len(s.namespaces))
	errs := s.each(ctx, func(i int, src sockets.Source) error {
		ns := &s.namespaces[i]
		return s.enter(ns, src, func(src sockets.Source) error {
			var err error
			lists[i], err = src.Snapshot(ctx, f, nil)
			for j := range lists[i] {
				lists[i][j].NetNS = ns.Inode
			}
			return err
		})
	})
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	for i, l := range lists {
		var partial *sockets.PartialError
		if errs[i] == nil || errors.As(errs[i], &partial) {
			dst = append(dst, l...)
		}
	}
	return dst, s.collect(ctx, errs)
}

// Stream gives sink the sockets of every namespace matching f; namespace
// i's part p comes as part i*PartStride + p. A namespace whose listing
// fails as a whole has its parts dropped.
func (s *Source) Stream(ctx context.Context, f sockets.Filter, sink sockets.Sink) error {
	errs := s.each(ctx, func(i int, src sockets.Source) error {
		ns := &s.namespaces[i]
		ps := &nsSink{sink: sink, base: i * PartStride, ino: ns.Inode}
		err := s.enter(ns, src, func(src sockets.Source) error { return sockets.Feed(ctx, src, f, ps) })
		var partial *sockets.PartialError
		if err != nil && !errors.As(err, &partial) {
			ps.dropAll()
			return err
		}
		if ps.overflow {
			e := fmt.Errorf("the source used more than %d parts; the rest were left out", PartStride)
			if partial != nil {
				return &sockets.PartialError{Errs: append(partial.Errs[:len(partial.Errs):len(partial.Errs)], e)}
			}
			return e
		}
		return err
	})
	return s.collect(ctx, errs)
}

// nsSink passes a namespace's batches on with its NetNS and part numbers.
// A per-namespace source gives it batches from one goroutine per part
// (its parts may come concurrently), so it guards what it records.
type nsSink struct {
	sink     sockets.Sink
	base     int
	ino      uint64
	mu       sync.Mutex
	used     uint64 // bit p: part p was given something
	overflow bool
}

func (n *nsSink) Add(part int, batch []sockets.Socket) {
	if part < 0 || part >= PartStride {
		n.mu.Lock()
		n.overflow = true
		n.mu.Unlock()
		return
	}
	for i := range batch {
		batch[i].NetNS = n.ino
	}
	n.mu.Lock()
	n.used |= 1 << part
	n.mu.Unlock()
	n.sink.Add(n.base+part, batch)
}

func (n *nsSink) Drop(part int) {
	if part >= 0 && part < PartStride {
		n.sink.Drop(n.base + part)
	}
}

// dropAll drops every part the namespace gave.
func (n *nsSink) dropAll() {
	n.mu.Lock()
	used := n.used
	n.mu.Unlock()
	for p := range PartStride {
		if used&(1<<p) != 0 {
			n.sink.Drop(n.base + p)
		}
	}
}
