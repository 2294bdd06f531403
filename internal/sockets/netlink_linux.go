package sockets

// The netlink sock_diag source: the I/O around the pure decoders of
// inetdiag.go and unixdiag.go. The hot path is netlinkSource.dump: one
// receive buffer, reused across dumps and snapshots, decoded in place.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// recvBufSize is the size of the receive buffer. The kernel fills at most
// about 32 KiB per dump datagram (netlink_dump caps max_recvmsg_len), so
// this leaves room for the rare oversized message (min_dump_alloc) and is
// allocated once per source.
const recvBufSize = 1 << 20

// diagConn is one NETLINK_SOCK_DIAG socket. It lives in the network
// namespace of the thread that opened it, so a caller that entered another
// namespace on a locked thread dumps that namespace.
type diagConn struct {
	fd  int
	pid uint32 // our port id, the nlmsg_pid of every reply
}

func dialDiag() (*diagConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	c := &diagConn{fd: fd}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		c.close()
		return nil, os.NewSyscallError("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		c.close()
		return nil, os.NewSyscallError("getsockname", err)
	}
	if nl, ok := sa.(*unix.SockaddrNetlink); ok {
		c.pid = nl.Pid
	}
	return c, nil
}

func (c *diagConn) close() { unix.Close(c.fd) }

// recv reads one datagram from the kernel into buf.
func (c *diagConn) recv(buf []byte) (int, error) {
	for {
		n, _, flags, from, err := unix.Recvmsg(c.fd, buf, nil, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, os.NewSyscallError("recvmsg", err)
		case flags&unix.MSG_TRUNC != 0:
			return 0, fmt.Errorf("netlink: reply larger than the %d-byte receive buffer", len(buf))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); ok && nl.Pid != 0 {
			continue // not from the kernel
		}
		return n, nil
	}
}

// dumpJob is one dump: an inet protocol and family, or (Unix, Local).
type dumpJob struct {
	p   Proto
	fam Family
}

// name is the job's name in errors and record files: "tcp", "tcp6", "unix".
func (j dumpJob) name() string {
	if j.fam == Inet6 {
		return j.p.String() + "6"
	}
	return j.p.String()
}

func (j dumpJob) op() string {
	if j.p == Unix {
		return "unix_diag dump"
	}
	return "inet_diag dump"
}

// jobs lists the dumps a filter needs, in a fixed order.
func jobs(f Filter) []dumpJob {
	var js []dumpJob
	for _, p := range [...]Proto{TCP, UDP, UDPLite, MPTCP, Raw} {
		for _, fam := range [...]Family{Inet, Inet6} {
			if f.Protos.Has(p) && f.Families.Has(fam) {
				js = append(js, dumpJob{p, fam})
			}
		}
	}
	if f.Protos.Has(Unix) {
		js = append(js, dumpJob{Unix, Local})
	}
	return js
}

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
	var ke *kernelError
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
// protocol and family, opening a socket per snapshot (in the caller's
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
type netlinkSource struct {
	record   string // SourceOptions.Record
	fallback Source // nil: netlink only

	mu  sync.Mutex // guards the buffers and seq
	buf []byte     // receive buffer, recvBufSize
	req []byte     // request scratch
	rec []byte     // recording scratch
	seq uint32
}

var _ Source = (*netlinkSource)(nil)

// Snapshot appends the sockets matching f to dst. It returns a
// *netlinkUnusableError with dst unchanged if no dump could be done, a
// *PartialError with what it read if some dumps failed, and ctx.Err() with
// dst unchanged if ctx ends first.
func (s *netlinkSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		s.buf = make([]byte, recvBufSize)
	}
	n0 := len(dst)
	var (
		c          *diagConn
		done       int     // dumps that completed
		errs       []error // failed dumps, then everything else
		missing    ProtoSet
		missingErr [Unix + 1]error
		recErrs    []error // failed recordings, reported but not fatal
	)
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	dst = slices.Grow(dst, estimateFromProc(f))
	for _, j := range jobs(f) {
		if missing.Has(j.p) {
			continue // the other family fails the same way
		}
		if c == nil {
			var err error
			if c, err = dialDiag(); err != nil {
				errs = append(errs, &OpError{Op: "open netlink sock_diag", Err: err})
				break
			}
		}
		before := len(dst)
		var err error
		dst, err = s.dump(ctx, c, j, f.States, dst)
		if s.record != "" && ctx.Err() == nil {
			if rerr := s.writeRecord(j); rerr != nil {
				recErrs = append(recErrs, &OpError{Op: "record", Family: j.name(), Err: rerr})
			}
		}
		switch {
		case err == nil:
			done++
		case ctx.Err() != nil:
			return dst[:n0], ctx.Err()
		case isMissingHandler(err):
			dst = dst[:before]
			missing = missing.With(j.p)
			missingErr[j.p] = err
		default:
			dst = dst[:before]
			errs = append(errs, &OpError{Op: j.op(), Family: j.name(), Err: err})
			var ke *kernelError
			if !errors.As(err, &ke) {
				// The dump stopped midway: its rest would confuse the
				// next one, so start over on a new socket.
				c.close()
				c = nil
			}
		}
	}
	if done == 0 && len(errs) > 0 {
		return dst[:n0], &netlinkUnusableError{errors.Join(errs...)}
	}

	if missing != 0 {
		dst, errs = s.recoverMissing(ctx, f, missing, &missingErr, dst, errs)
	}
	if errs = append(errs, recErrs...); len(errs) > 0 {
		return dst, &PartialError{Errs: errs}
	}
	return dst, nil
}

// recoverMissing reads the protocols in missing, whose handler the kernel
// lacks (causes holds its error for each), from the fallback, and appends
// to errs what is left to report: the fallback's failure, and a
// *FeatureError for each protocol not recovered when f names protocols.
func (s *netlinkSource) recoverMissing(ctx context.Context, f Filter, missing ProtoSet, causes *[Unix + 1]error,
	dst []Socket, errs []error) ([]Socket, []error) {
	recovered := ProtoSet(0)
	if procable := missing &^ ProtoSet(0).With(MPTCP); s.fallback != nil && procable != 0 {
		pf := f
		pf.Protos = procable
		var err error
		var pe *PartialError
		switch dst, err = s.fallback.Snapshot(ctx, pf, dst); {
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

// dump runs one dump and appends its sockets in the states want to dst.
// It returns the kernel's error (a *kernelError) if the kernel refused the
// dump, which leaves c ready for the next one; any other error may leave
// the rest of the dump unread.
func (s *netlinkSource) dump(ctx context.Context, c *diagConn, j dumpJob, want StateSet, dst []Socket) ([]Socket, error) {
	if s.seq++; s.seq == 0 {
		s.seq = 1 // 0 would turn off dumpIter's check
	}
	seq := s.seq
	if j.p == Unix {
		s.req = appendUnixDiagRequest(s.req[:0], seq)
	} else {
		s.req = appendInetDiagRequest(s.req[:0], seq, j.fam, j.p, kernelStates(want))
	}
	if _, err := unix.Write(c.fd, s.req); err != nil {
		return dst, os.NewSyscallError("write", err)
	}
	s.rec = s.rec[:0]
	before := len(dst)
	var err error
	for {
		if err = ctx.Err(); err != nil {
			return dst, err
		}
		var n int
		if n, err = c.recv(s.buf); err != nil {
			return dst, err
		}
		if s.record != "" {
			s.rec = append(s.rec, s.buf[:n]...)
		}
		it := dumpIter{b: s.buf[:n], seq: seq, pid: c.pid}
		if j.p == Unix {
			dst, err = appendUnixDiag(dst, &it)
		} else {
			dst, err = appendInetDiag(dst, &it, j.p, want)
		}
		if err != nil || it.done {
			break
		}
	}
	if err == nil && j.p == Unix {
		dst = finishUnix(dst, before, want)
	}
	return dst, err
}

// writeRecord writes the raw replies of the last dump to
// Record/<proto>-<family>.bin, for fixtures.
func (s *netlinkSource) writeRecord(j dumpJob) error {
	if err := os.MkdirAll(s.record, 0o755); err != nil {
		return err
	}
	name := filepath.Join(s.record, j.p.String()+"-"+j.fam.String()+".bin")
	return os.WriteFile(name, s.rec, 0o644)
}

// estimateFromProc reads the calling thread's namespace's sockstat
// counters and returns estimateSockets plus a margin for sockets created
// during the dump; 0 if they cannot be read.
func estimateFromProc(f Filter) int {
	v4, _ := os.ReadFile("/proc/thread-self/net/sockstat")
	v6, _ := os.ReadFile("/proc/thread-self/net/sockstat6")
	n := estimateSockets(v4, v6, f)
	return n + n/32
}
