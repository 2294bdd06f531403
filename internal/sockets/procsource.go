package sockets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/sockscope/sockscope/internal/procfs"
)

// procNetFiles lists the socket tables of /proc/net, in the order
// Snapshot reads them. MPTCP has no table.
var procNetFiles = [...]struct {
	name  string
	proto Proto
	fam   Family
}{
	{"tcp", TCP, Inet}, {"tcp6", TCP, Inet6},
	{"udp", UDP, Inet}, {"udp6", UDP, Inet6},
	{"udplite", UDPLite, Inet}, {"udplite6", UDPLite, Inet6},
	{"raw", Raw, Inet}, {"raw6", Raw, Inet6},
	{"unix", Unix, Local},
}

// errNoMPTCPTable is the cause reported when MPTCP alone is asked of the
// /proc/net source.
var errNoMPTCPTable = &FeatureError{
	Feature: "listing MPTCP sockets without netlink",
	Err:     errors.New("/proc/net has no mptcp table"),
}

// procSource is the Source that reads the /proc/net tables.
type procSource struct {
	dir string

	mu  sync.Mutex // guards buf, so that Snapshot may be called concurrently
	buf []byte     // the last table read, reused across files and snapshots
}

var _ Source = (*procSource)(nil)

// NewProcSource returns a Source that reads the socket tables in dir (tcp,
// tcp6, udp, udp6, udplite, udplite6, raw, raw6 and unix, laid out as in
// /proc/net). An empty dir means /proc/thread-self/net where it exists, so
// that a thread that entered another network namespace reads that
// namespace's tables, and /proc/net otherwise. Nothing is read until
// Snapshot.
//
// The tables lack what netlink reports beyond them: unix sockets have no
// peer, uid or queue sizes, no socket has a Zone (the scope of a
// link-local address) or a Cookie, and MPTCP sockets are not listed at
// all. NetNS is left zero.
//
// Snapshot reads only the tables the filter needs and filters states after
// parsing. A table that does not exist means the kernel lacks that
// protocol or address family (IPv6 disabled, UDP-Lite compiled out), and
// is skipped silently, unless no table the filter needs exists at all — a
// protocol asked for alone on a kernel without it, or no /proc — in which
// case Snapshot fails with an *OpError wrapping fs.ErrNotExist. MPTCP,
// which has no table, is skipped the same way; asked for alone it fails
// with an error wrapping ErrUnsupported. Any other failure to read a table,
// and any malformed line (wrapping errs.ErrMalformed), is reported as an *OpError
// inside a *PartialError returned with every socket that was read;
// if no table could be read at all, the error is returned alone.
func NewProcSource(dir string) Source {
	if dir == "" {
		dir = procfs.Default().Net()
	}
	return &procSource{dir: dir}
}

// Snapshot appends the sockets matching f to dst; see NewProcSource for
// how it fails. It stops with ctx.Err() if ctx is done before a table is
// read.
func (p *procSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var (
		errs     []error
		missing  error // the first table found missing
		read     int   // tables read
		attempts int   // tables needed
	)
	for _, t := range procNetFiles {
		if !f.Protos.Has(t.proto) || t.fam != Local && !f.Families.Has(t.fam) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return dst, err
		}
		attempts++
		path := p.dir + "/" + t.name
		data, err := p.read(path)
		if err != nil {
			err = &OpError{Op: "read", Family: t.name, Err: err}
			if errors.Is(err, fs.ErrNotExist) {
				if missing == nil {
					missing = err
				}
			} else {
				errs = append(errs, err)
			}
			continue
		}
		read++
		if t.proto == Unix {
			dst, err = appendProcNetUnix(dst, data, f)
		} else {
			dst, err = appendProcNet(dst, data, t.proto, t.fam, f)
		}
		if err != nil {
			errs = append(errs, &OpError{Op: "parse", Family: t.name, Err: fmt.Errorf("%s: %w", path, err)})
		}
	}
	if attempts == 0 && f.Protos == ProtoSet(0).With(MPTCP) {
		return dst, &OpError{Op: "read", Family: MPTCP.String(), Err: errNoMPTCPTable}
	}
	switch {
	case read == 0 && len(errs) == 0 && missing != nil:
		return dst, missing
	case read == 0 && len(errs) == 1:
		return dst, errs[0]
	case read == 0 && len(errs) > 1:
		return dst, errors.Join(errs...)
	case len(errs) > 0:
		return dst, &PartialError{Errs: errs}
	}
	return dst, nil
}

// read reads the whole file at path into p.buf and returns it; the result
// is valid until the next read. The files of /proc report size 0, so it
// reads until EOF, growing the buffer as needed.
func (p *procSource) read(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b := p.buf[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, 64<<10)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := file.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			p.buf = b
			return nil, err
		}
	}
	p.buf = b
	return b, nil
}
