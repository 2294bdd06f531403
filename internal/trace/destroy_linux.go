package trace

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The multicast groups of sock_diag (enum sknetlink_groups) for TCP and
// UDP sockets destroyed, IPv4 and IPv6.
const (
	sknlgrpInetTCPDestroy  = 1
	sknlgrpInetUDPDestroy  = 2
	sknlgrpInet6TCPDestroy = 3
	sknlgrpInet6UDPDestroy = 4
)

// A DestroyReader reads the TCP and UDP sockets the kernel destroys, from
// sock_diag's destroy notifications: what ss -E shows. It is the fallback
// where eBPF is not to be had: closes only, without the process.
type DestroyReader struct {
	f       *os.File
	buf     []byte
	pending []sockets.Socket
	// overruns counts the times the socket's buffer was full and
	// notifications were lost (ENOBUFS).
	overruns uint64
}

// OpenDestroyed joins the destroy groups of the protocols of protos (TCP,
// UDP); it needs CAP_NET_ADMIN.
func OpenDestroyed(protos sockets.ProtoSet) (*DestroyReader, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, err
	}
	var groups uint32
	if protos.Has(sockets.TCP) {
		groups |= 1<<(sknlgrpInetTCPDestroy-1) | 1<<(sknlgrpInet6TCPDestroy-1)
	}
	if protos.Has(sockets.UDP) {
		groups |= 1<<(sknlgrpInetUDPDestroy-1) | 1<<(sknlgrpInet6UDPDestroy-1)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("joining sock_diag's destroy notifications: %w", err)
	}
	// A larger buffer loses fewer notifications in a burst: past
	// net.core.rmem_max where the caller may (CAP_NET_ADMIN, which
	// joining needs), else up to it.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, destroyBuffer) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, destroyBuffer)
	}
	return &DestroyReader{f: os.NewFile(uintptr(fd), "sock_diag"), buf: make([]byte, 1<<16)}, nil
}

// destroyBuffer is the size asked for the notifications' socket buffer.
const destroyBuffer = 4 << 20

// Read blocks until the next destroyed socket. Notifications lost to a
// full buffer (ENOBUFS) are counted (Overruns) and skipped.
func (d *DestroyReader) Read() (sockets.Socket, error) {
	for len(d.pending) == 0 {
		n, err := d.f.Read(d.buf)
		switch {
		case errors.Is(err, os.ErrClosed):
			return sockets.Socket{}, ErrClosed
		case errors.Is(err, unix.ENOBUFS):
			d.overruns++
			continue
		case err != nil:
			return sockets.Socket{}, err
		}
		d.pending, _ = DecodeDestroyed(d.buf[:n])
	}
	s := d.pending[0]
	d.pending = d.pending[1:]
	return s, nil
}

// Close leaves the groups; a Read waiting returns ErrClosed.
func (d *DestroyReader) Close() error { return d.f.Close() }

// Overruns returns how many times notifications were lost to a full
// buffer (the kernel does not say how many each time). Call it from the
// goroutine that reads.
func (d *DestroyReader) Overruns() uint64 { return d.overruns }
