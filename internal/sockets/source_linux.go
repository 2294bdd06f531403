package sockets

import (
	"context"
	"errors"

	"golang.org/x/sys/unix"
)

// newSystemSource returns the Linux source for opts.Kind:
//
//   - "netlink": sock_diag only (netlink_linux.go). Protocols whose diag
//     handler the kernel lacks are missing from its listings.
//   - "proc": the /proc/net files only (procsource.go).
//   - "" or "auto": sock_diag, reading a protocol whose handler is missing
//     (raw_diag is often not built) from /proc/net instead, and switching to
//     /proc/net for the whole snapshot when the netlink socket cannot be
//     opened or no dump succeeds at all.
//
// Every source fills Socket.NetNS with the network namespace of the
// calling thread, the one both netlink and /proc/thread-self/net read.
func newSystemSource(opts SourceOptions) (Source, error) {
	switch opts.Kind {
	case "proc":
		return netnsSource{NewProcSource(opts.ProcNet)}, nil
	case "netlink":
		return netnsSource{&netlinkSource{record: opts.Record}}, nil
	}
	proc := NewProcSource(opts.ProcNet)
	return netnsSource{autoSource{
		netlink: &netlinkSource{record: opts.Record, fallback: proc},
		proc:    proc,
	}}, nil
}

// autoSource is netlink with /proc/net as the fallback for a whole
// snapshot.
type autoSource struct {
	netlink Source // a *netlinkSource outside tests
	proc    Source
}

func (a autoSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	out, err := a.netlink.Snapshot(ctx, f, dst)
	var unusable *netlinkUnusableError
	if !errors.As(err, &unusable) {
		return out, err
	}
	out, perr := a.proc.Snapshot(ctx, f, out[:len(dst)]) // keeps the capacity netlink reserved
	var partial *PartialError
	if perr != nil && !errors.As(perr, &partial) {
		perr = errors.Join(perr, err) // neither worked: say why for both
	}
	return out, perr
}

// Stream is Snapshot for a Sink: netlink, and /proc/net only when no
// netlink dump could be done (netlink has then given sink nothing).
func (a autoSource) Stream(ctx context.Context, f Filter, sink Sink) error {
	err := Feed(ctx, a.netlink, f, sink)
	var unusable *netlinkUnusableError
	if !errors.As(err, &unusable) {
		return err
	}
	perr := Feed(ctx, a.proc, f, sink)
	var partial *PartialError
	if perr != nil && !errors.As(perr, &partial) {
		perr = errors.Join(perr, err)
	}
	return perr
}

// netnsSource sets NetNS on the sockets its source appends.
type netnsSource struct{ src Source }

// Stream is Snapshot for a Sink.
func (n netnsSource) Stream(ctx context.Context, f Filter, sink Sink) error {
	return Feed(ctx, n.src, f, netnsSink{sink, currentNetNS()})
}

// netnsSink sets NetNS on the sockets it passes on.
type netnsSink struct {
	Sink
	ns uint64
}

func (n netnsSink) Add(part int, batch []Socket) {
	if n.ns != 0 {
		for i := range batch {
			batch[i].NetNS = n.ns
		}
	}
	n.Sink.Add(part, batch)
}

func (n netnsSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	from := len(dst)
	dst, err := n.src.Snapshot(ctx, f, dst)
	if ns := currentNetNS(); ns != 0 {
		for i := from; i < len(dst); i++ {
			dst[i].NetNS = ns
		}
	}
	return dst, err
}

// currentNetNS returns the inode of the calling thread's network namespace,
// or 0 if /proc is not there to say.
func currentNetNS() uint64 {
	var st unix.Stat_t
	if unix.Stat("/proc/thread-self/ns/net", &st) != nil {
		return 0
	}
	return st.Ino
}
