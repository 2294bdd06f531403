package sockets

// The netlink sock_diag source: the I/O around the pure decoders of
// inetdiag.go and unixdiag.go. The hot path is netlinkSource.dump: a
// receive buffer per stream of dumps (two run at once on a large
// listing), reused across dumps and snapshots, decoded in place.

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netlink"
	"github.com/sockscope/sockscope/internal/procfs"
)

// inetDiagReqBytecode is INET_DIAG_REQ_BYTECODE, the attribute of a dump
// request that carries a filter program for the kernel to run on each
// socket.
const inetDiagReqBytecode = 1

// recvBufSize is the size of the receive buffer. The kernel fills at most
// about 32 KiB per dump datagram (netlink_dump caps max_recvmsg_len), so
// this leaves room for the rare oversized message (min_dump_alloc). Each of
// the source's two dumpers allocates one, once, and keeps it.
const recvBufSize = 1 << 20

// dialDiag opens a NETLINK_SOCK_DIAG socket. It lives in the network
// namespace of the thread that opened it, so a caller that entered another
// namespace on a locked thread dumps that namespace.
func dialDiag() (*netlink.Conn, error) { return netlink.Dial(unix.NETLINK_SOCK_DIAG) }

// diagFeature names the kernel option behind a protocol's sock_diag handler.
var diagFeature = [...]string{
	TCP:     "TCP socket diagnostics (CONFIG_INET_TCP_DIAG)",
	UDP:     "UDP socket diagnostics (CONFIG_INET_UDP_DIAG)",
	UDPLite: "UDP-Lite socket diagnostics (CONFIG_INET_UDP_DIAG)",
	MPTCP:   "MPTCP socket diagnostics (CONFIG_INET_MPTCP_DIAG)",
	Raw:     "raw socket diagnostics (CONFIG_INET_RAW_DIAG)",
	Unix:    "unix socket diagnostics (CONFIG_UNIX_DIAG)",
}

// isMissingHandler reports whether err is the kernel saying it has no
// sock_diag handler for the request (ENOENT, in NLMSG_ERROR or NLMSG_DONE).
func isMissingHandler(err error) bool {
	var ke *netlink.Error
	return errors.As(err, &ke) && ke.Errno == unix.ENOENT
}

// netlinkUnusableError reports that no dump could be done at all: the
// socket could not be opened, or every dump failed.
type netlinkUnusableError struct{ err error }

func (e *netlinkUnusableError) Error() string {
	return "netlink sock_diag unavailable: " + e.err.Error()
}
func (e *netlinkUnusableError) Unwrap() error { return e.err }

// netlinkSource lists sockets with NETLINK_SOCK_DIAG, one dump per
// protocol and family, opening its sockets per snapshot (in the caller's
// thread's network namespace).
//
// A protocol whose handler the kernel lacks (ENOENT: a diag module not
// built or not loadable, as raw_diag on many kernels) is read from
// fallback (the /proc/net source) when there is one; MPTCP, which has no
// /proc/net file, cannot be. A missing protocol that was not recovered is
// reported as a *FeatureError inside the *PartialError only if the filter
// named protocols (Protos is not AllProtos); a listing of everything skips
// it silently, since a kernel without the handler has nothing to show for
// it that the other dumps miss (MPTCP subflows appear as TCP sockets).
//
// A large listing with several dumps runs them two at a time, on two
// sockets (see runConcurrently).
type netlinkSource struct {
	record   string // SourceOptions.Record
	fallback Source // nil: netlink only

	// concurrentMin is the estimated socket count from which the dumps
	// run concurrently; 0 means defaultConcurrentMin, a negative value
	// (tests) always.
	concurrentMin int

	mu      sync.Mutex // guards dumpers and sink
	dumpers [2]dumper  // [0] for the calling goroutine, [1] for the second
	// sink, while a Stream runs, takes the sockets of each receive (of
	// each unix dump: those are finished as a whole) instead of dst.
	sink Sink
	// separate is set once the kernel refused TCPDIAG_GETSOCK: TCP is
	// then dumped for each family. Either goroutine of a snapshot may set
	// it.
	separate atomic.Bool
	// bothType, where not 0, is sent in TCPDIAG_GETSOCK's place: tests
	// send one the kernel refuses.
	bothType uint16
}

// streamBatch is the capacity of the slices a Stream decodes into: a
// receive of about 32 KiB holds some 300 inet sockets.
const streamBatch = 1024

// defaultConcurrentMin is the estimated number of sockets below which the
// dumps run one after another: on a small listing a second goroutine,
// socket and buffer cost more than the overlap saves.
const defaultConcurrentMin = 2000

// dumper is what one stream of dumps reuses across dumps and snapshots.
type dumper struct {
	buf []byte // receive buffer, recvBufSize, allocated on first use
	req []byte // request scratch
	rec []byte // recording scratch
	seq uint32
	bc  string        // the snapshot's Filter.Bytecode, attached to inet dumps
	ext InternalsMask // the snapshot's Filter.Internals, asked of inet dumps
	v6  []Socket      // inetFirst's scratch: a poll moves its IPv6 sockets without allocating
}

var _ Source = (*netlinkSource)(nil)

// dumpRun is the outcome of a run of dumps.
type dumpRun struct {
	done       int     // dumps that completed
	errs       []error // failed dumps
	missing    ProtoSet
	missingErr [Unix + 1]error
	recErrs    []error   // failed recordings, reported but not fatal
	rest       []dumpJob // jobs a run that may not open a socket left undone
}

// merge adds o, the outcome of the dumps that came after r's, to r.
func (r *dumpRun) merge(o *dumpRun) {
	r.done += o.done
	r.errs = append(r.errs, o.errs...)
	r.recErrs = append(r.recErrs, o.recErrs...)
	for p := TCP; p <= Unix; p++ {
		if o.missing.Has(p) && !r.missing.Has(p) {
			r.missing = r.missing.With(p)
			r.missingErr[p] = o.missingErr[p]
		}
	}
	r.rest = o.rest
}

// Snapshot appends the sockets matching f to dst. It returns a
// *netlinkUnusableError with dst unchanged if no dump could be done, a
// *PartialError with what it read if some dumps failed, and ctx.Err() with
// dst unchanged if ctx ends first.
func (s *netlinkSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list(ctx, f, dst)
}

// Stream gives sink the sockets matching f, one receive at a time, with
// Snapshot's errors: a dump that fails midway is dropped from sink.
func (s *netlinkSource) Stream(ctx context.Context, f Filter, sink Sink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink = sink
	defer func() { s.sink = nil }()
	_, err := s.list(ctx, f, make([]Socket, 0, streamBatch))
	return err
}

// list is Snapshot, or Stream when s.sink is set (dst is then a scratch
// batch, and ends empty).
func (s *netlinkSource) list(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	for i := range s.dumpers {
		s.dumpers[i].bc, s.dumpers[i].ext = f.Bytecode, f.Internals
	}
	defer func() {
		for i := range s.dumpers {
			s.dumpers[i].bc, s.dumpers[i].ext = "", 0
		}
	}()
	n0 := len(dst)
	v4, v6 := readSockstat() // here, in the caller's thread's namespace
	total := estimateSockets(v4, v6, f)
	from := s.concurrentMin
	if from == 0 {
		from = defaultConcurrentMin
	}
	// A recording keeps a file for each family's dump, as fixtures are.
	// Bound-inactive sockets are a dump of their own only where it runs
	// beside the others: run after them, its walk of the connections,
	// which finds none, would cost more than it saves.
	js := jobs(f, !s.separate.Load() && s.record == "", s.record == "" && total >= from)
	if s.sink == nil {
		had := cap(dst)
		dst = slices.Grow(dst, withMargin(total))
		if cap(dst) != had { // new room: a poll's reused scratch was advised already
			hugePages(dst[len(dst):cap(dst)])
		}
	}
	var (
		r   dumpRun
		c   *netlink.Conn
		err error
	)
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	if len(js) > 1 && total >= from {
		first := jobFilter(js[0])
		first.States = f.States
		rest := withMargin(max(0, total-estimateSockets(v4, v6, first)))
		if s.sink != nil {
			rest = streamBatch
		}
		dst, err = s.runConcurrently(ctx, &c, js, rest, f.States, dst, &r)
	} else {
		dst, err = s.run(ctx, &s.dumpers[0], &c, true, js, f.States, dst, &r)
	}
	if err != nil {
		return dst[:n0], err
	}
	if r.done == 0 && len(r.errs) > 0 {
		return dst[:n0], &netlinkUnusableError{errors.Join(r.errs...)}
	}

	errs := r.errs
	if r.missing != 0 {
		dst, errs = s.recoverMissing(ctx, f, nextPart(js), r.missing, &r.missingErr, dst, errs)
	}
	if errs = append(errs, r.recErrs...); len(errs) > 0 {
		return dst, &PartialError{Errs: errs}
	}
	return dst, nil
}

// runConcurrently runs the dumps js two at a time: js[0] (the largest as a
// rule: IPv4 TCP) on the calling goroutine into dst, and the others, in
// order, on a second goroutine into a slice of capacity restCap that is
// appended to dst at the end, so that the sockets come in the order of js.
// It leaves the calling goroutine's socket in *c.
//
// Whatever depends on the network namespace happens on the calling
// goroutine, whose thread the caller may have locked into another
// namespace than the one the second goroutine's thread is in: a netlink
// socket dumps the namespace it was created in, so both sockets are opened
// here and one is handed to the second goroutine, which opens none; and
// the reads of /proc/thread-self (the sockstat estimate before, the /proc
// fallback for missing protocols after) stay with the caller too. If the
// second goroutine's socket breaks, the jobs it had left are run here once
// it is done.
func (s *netlinkSource) runConcurrently(ctx context.Context, c **netlink.Conn, js []dumpJob, restCap int,
	want StateSet, dst []Socket, r *dumpRun) ([]Socket, error) {
	c1, err := dialDiag()
	if err != nil {
		// Run serially: the first dial there fails the same way and
		// reports it.
		return s.run(ctx, &s.dumpers[0], c, true, js, want, dst, r)
	}
	*c = c1
	c2, err := dialDiag()
	if err != nil {
		// Run serially on the first socket.
		return s.run(ctx, &s.dumpers[0], c, true, js, want, dst, r)
	}
	var (
		r2   dumpRun
		out2 []Socket
		err2 error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		out2, err2 = s.run(ctx, &s.dumpers[1], &c2, false, js[1:], want, make([]Socket, 0, restCap), &r2)
		if c2 != nil {
			c2.Close()
		}
	}()
	dst, err = s.run(ctx, &s.dumpers[0], c, true, js[:1], want, dst, r)
	<-done
	switch {
	case err != nil:
		return dst, err
	case err2 != nil:
		return dst, err2
	}
	dst = append(dst, out2...)
	r.merge(&r2)
	if rest := r.rest; len(rest) > 0 {
		r.rest = nil
		return s.run(ctx, &s.dumpers[0], c, true, rest, want, dst, r)
	}
	return dst, nil
}

// run runs the dumps js in order with d on *c, appending their sockets to
// dst and their outcome to r. A dump that stops midway leaves its socket
// unusable: run closes it and, with redial, opens another for the next
// dump (the first too if *c is nil), stopping at the first that cannot be
// opened; without redial it leaves the remaining jobs in r.rest. It
// returns ctx.Err() if ctx ends, with whatever dst then holds.
func (s *netlinkSource) run(ctx context.Context, d *dumper, c **netlink.Conn, redial bool, js []dumpJob,
	want StateSet, dst []Socket, r *dumpRun) ([]Socket, error) {
	if d.buf == nil {
		d.buf = make([]byte, recvBufSize)
	}
	for i := 0; i < len(js); i++ {
		j := js[i]
		if r.missing.Has(j.p) {
			continue // the other family fails the same way
		}
		if *c == nil {
			if !redial {
				r.rest = js[i:]
				break
			}
			var err error
			if *c, err = dialDiag(); err != nil {
				r.errs = append(r.errs, &OpError{Op: "open netlink sock_diag", Err: err})
				break
			}
		}
		before := len(dst)
		drop := func() {
			dst = dst[:before]
			if s.sink != nil {
				s.sink.Drop(j.part)
				if j.both {
					s.sink.Drop(j.part + 1)
				}
			}
		}
		var err error
		dst, err = s.dump(ctx, d, *c, j, want, dst)
		if s.record != "" && ctx.Err() == nil {
			if rerr := s.writeRecord(j, d.rec); rerr != nil {
				r.recErrs = append(r.recErrs, &OpError{Op: "record", Family: j.name(), Err: rerr})
			}
		}
		switch {
		case err == nil:
			r.done++
		case ctx.Err() != nil:
			return dst, ctx.Err()
		case isMissingHandler(err):
			drop()
			r.missing = r.missing.With(j.p)
			r.missingErr[j.p] = err
		case j.both && errors.As(err, new(*netlink.Error)):
			// The kernel refused TCPDIAG_GETSOCK: a dump of each family
			// now, in its place, and from now on where the kernel does
			// not know the request (EOPNOTSUPP; EINVAL, unless the
			// filter's bytecode may be what it refused: the dumps of
			// each then say so, and the next listing tries again).
			drop()
			if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) && d.bc == "" {
				s.separate.Store(true)
			}
			js = slices.Concat(js[:i+1], j.split(), js[i+1:])
		case j.p != Unix && d.bc != "" && (errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM)):
			// The kernel refused the filter's bytecode (or, EPERM, its
			// fwmark test without CAP_NET_ADMIN): a failed query, not a
			// broken netlink, so no fallback to an unfiltered source.
			drop()
			return dst, &OpError{Op: j.op() + " with filter bytecode", Family: j.name(), Err: err}
		default:
			drop()
			r.errs = append(r.errs, &OpError{Op: j.op(), Family: j.name(), Err: err})
			var ke *netlink.Error
			if !errors.As(err, &ke) {
				// The dump stopped midway: its rest would confuse the
				// next one, so start over on a new socket.
				(*c).Close()
				*c = nil
			}
		}
	}
	return dst, nil
}

// recoverMissing reads the protocols in missing, whose handler the kernel
// lacks (causes holds its error for each), from the fallback as part,
// and appends to errs what is left to report: the fallback's failure,
// and a *FeatureError for each protocol not recovered when f names
// protocols.
func (s *netlinkSource) recoverMissing(ctx context.Context, f Filter, part int, missing ProtoSet, causes *[Unix + 1]error,
	dst []Socket, errs []error) ([]Socket, []error) {
	recovered := ProtoSet(0)
	if procable := missing &^ ProtoSet(0).With(MPTCP); s.fallback != nil && procable != 0 {
		pf := f
		pf.Protos = procable
		var err error
		var pe *PartialError
		before := len(dst)
		dst, err = s.fallback.Snapshot(ctx, pf, dst)
		dst = s.emit(part, dst, before)
		switch {
		case err == nil:
			recovered = procable
		case errors.As(err, &pe):
			errs = append(errs, pe.Errs...)
		default:
			errs = append(errs, err)
		}
	}
	if f.Protos != AllProtos {
		for p := TCP; p <= Unix; p++ {
			if missing.Has(p) && !recovered.Has(p) {
				errs = append(errs, &FeatureError{Feature: diagFeature[p], Err: causes[p]})
			}
		}
	}
	return dst, errs
}

// dump runs one dump with d and appends its sockets in the states want to
// dst. It returns the kernel's error (a *netlink.Error) if the kernel
// refused the dump, which leaves c ready for the next one; any other error
// may leave the rest of the dump unread. A cancelled ctx interrupts a
// receive the kernel is slow to answer.
func (s *netlinkSource) dump(ctx context.Context, d *dumper, c *netlink.Conn, j dumpJob, want StateSet, dst []Socket) ([]Socket, error) {
	if d.seq++; d.seq == 0 {
		d.seq = 1 // 0 would turn off netlink.Dump's check
	}
	seq := d.seq
	switch {
	case j.p == Unix:
		d.req = appendUnixDiagRequestExt(d.req[:0], seq, d.ext)
	case j.both:
		d.req = appendTCPDiagRequestExt(d.req[:0], seq, j.states, d.ext)
		if s.bothType != 0 {
			binary.NativeEndian.PutUint16(d.req[4:6], s.bothType) // nlmsg_type
		}
	default:
		d.req = appendInetDiagRequestExt(d.req[:0], seq, j.fam, j.p, j.states, d.ext)
	}
	if j.p != Unix && len(d.bc) > 0 {
		d.req = netlink.AppendAttr(d.req, inetDiagReqBytecode, d.bc)
		netlink.SetLen(d.req)
	}
	if err := c.Send(ctx, d.req); err != nil {
		return dst, err
	}
	d.rec = d.rec[:0]
	before := len(dst)
	var err error
	for {
		if err = ctx.Err(); err != nil {
			return dst, err
		}
		var n int
		if n, err = c.Receive(ctx, d.buf); err != nil {
			return dst, err
		}
		if s.record != "" {
			d.rec = append(d.rec, d.buf[:n]...)
		}
		it := netlink.NewDump(d.buf[:n], seq, c.PortID())
		if j.p == Unix {
			dst, err = appendUnixDiagExt(dst, &it, d.ext)
		} else {
			from := len(dst)
			dst, err = appendInetDiagExt(dst, &it, j.p, want, d.ext)
			dst = s.emitJob(j, dst, from)
		}
		if err != nil || it.Done() {
			break
		}
	}
	switch {
	case err != nil:
	case j.p == Unix:
		dst = s.emit(j.part, finishUnix(dst, before, want), before)
	case j.both && s.sink == nil:
		d.v6 = inetFirst(dst[before:], d.v6[:0])
	}
	return dst, err
}

// emitJob is emit for the sockets of job j: for a dump of both
// families, its IPv4 sockets go to j.part, its IPv6 ones to j.part+1,
// each run of one family as a batch.
func (s *netlinkSource) emitJob(j dumpJob, dst []Socket, from int) []Socket {
	if !j.both {
		return s.emit(j.part, dst, from)
	}
	if s.sink == nil {
		return dst
	}
	part := j.part
	for i := from; i < len(dst); {
		j := i + 1
		for j < len(dst) && dst[j].Family == dst[i].Family {
			j++
		}
		p := part
		if dst[i].Family == Inet6 {
			p++
		}
		s.sink.Add(p, dst[i:j])
		i = j
	}
	return dst[:from]
}

// emit, while a Stream runs, gives the sink the sockets of dst from from
// on as part and returns dst without them; otherwise it returns dst.
func (s *netlinkSource) emit(part int, dst []Socket, from int) []Socket {
	if s.sink == nil || len(dst) == from {
		return dst
	}
	s.sink.Add(part, dst[from:])
	return dst[:from]
}

// writeRecord writes rec, the raw replies of the last dump of j, to
// Record/<proto>-<family>.bin, for fixtures.
func (s *netlinkSource) writeRecord(j dumpJob, rec []byte) error {
	if err := os.MkdirAll(s.record, 0o755); err != nil {
		return err
	}
	name := filepath.Join(s.record, j.p.String()+"-"+j.fam.String()+".bin")
	return os.WriteFile(name, rec, 0o644)
}

// readSockstat reads the calling thread's namespace's sockstat counters
// (nil where they cannot be read), for estimateSockets.
func readSockstat() (sockstat, sockstat6 []byte) {
	net := procfs.Default().Net()
	sockstat, _ = os.ReadFile(filepath.Join(net, "sockstat"))
	sockstat6, _ = os.ReadFile(filepath.Join(net, "sockstat6"))
	return sockstat, sockstat6
}

// withMargin returns an estimate of n sockets plus a margin for sockets
// created during the dump.
func withMargin(n int) int { return n + n/32 }

// hugePages asks the kernel to back free, the room a snapshot is about to
// fill, with huge pages where it is large (madvise MADV_HUGEPAGE; the
// system's transparent huge pages are often "madvise"): at 100,000
// sockets the room is 19 MB that is touched once, and its first touch
// of each 4 KiB page, a page fault, was a fifth of a JSON listing's time
// on a VM. Where the kernel declines, nothing changes.
func hugePages(free []Socket) {
	const least = 4 << 20
	n := uintptr(len(free)) * unsafe.Sizeof(Socket{})
	if n < least {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(free))
	start, page := uintptr(base), uintptr(os.Getpagesize())
	from, to := (start+page-1)&^(page-1), (start+n)&^(page-1)
	if to > from {
		_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, from-start)), to-from), unix.MADV_HUGEPAGE)
	}
}

// jobFilter returns the filter whose only dump is j, for estimateSockets.
func jobFilter(j dumpJob) Filter {
	f := Filter{Protos: ProtoSet(0).With(j.p), Families: FamilySet(0).With(j.fam)}
	if j.both {
		f.Families = f.Families.With(Inet6)
	}
	return f
}
