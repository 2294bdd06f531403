package netlink

// The socket: a netlink socket in non-blocking mode registered with Go's
// network poller, so that a receive parks the goroutine instead of a
// thread and a cancelled context can interrupt it by moving the read
// deadline into the past. Receive is on the hot path of a listing (once
// per datagram of about 32 KiB): it makes no allocation.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn is a netlink socket of one protocol. It lives in the network
// namespace of the thread that opened it, so a caller that entered another
// namespace on a locked thread talks to that namespace's kernel objects.
// A Conn is for one goroutine at a time.
type Conn struct {
	f      *os.File
	rc     syscall.RawConn
	pid    uint32 // our port id, the nlmsg_pid of every reply
	closed atomic.Bool

	// The receive's state, kept here so that the callback handed to
	// RawConn.Read is made once, at Dial, and not per datagram.
	readFn  func(fd uintptr) bool
	rbuf    []byte
	rn      int
	rerr    error
	from    unix.RawSockaddrNetlink
	fromLen uint32
	writeFn func(fd uintptr) bool
	wbuf    []byte
	werr    error

	// The context whose end interrupts a receive: watched, registered
	// with context.AfterFunc (stop unregisters it). gen, guarded by mu,
	// tells a stale registration's callback that it must do nothing.
	mu      sync.Mutex
	gen     uint64
	watched context.Context
	stop    func() bool
}

// Dial opens a netlink socket of the given protocol (unix.NETLINK_ROUTE,
// unix.NETLINK_SOCK_DIAG, ...) in the calling thread's network namespace,
// bound to a port id the kernel chooses. It asks for the kernel's extended
// ACK messages (NETLINK_EXT_ACK) and for errors that do not echo the whole
// request (NETLINK_CAP_ACK), where the kernel supports them.
func Dial(protocol int) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, protocol)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	c := &Conn{}
	if nl, ok := sa.(*unix.SockaddrNetlink); ok {
		c.pid = nl.Pid
	}
	// Both options are best effort: kernels before 4.12 lack them, and a
	// Conn works without, with plainer errors.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)

	// The descriptor is non-blocking, so os.NewFile registers it with
	// the network poller; deadlines then work, which cancellation needs.
	// Nothing may call c.f.Fd(): it would make the descriptor blocking.
	c.f = os.NewFile(uintptr(fd), "netlink")
	if err := c.f.SetReadDeadline(time.Time{}); err != nil {
		c.f.Close()
		return nil, fmt.Errorf("netlink: socket not pollable: %w", err)
	}
	if c.rc, err = c.f.SyscallConn(); err != nil {
		c.f.Close()
		return nil, err
	}
	c.readFn, c.writeFn = c.read, c.write
	return c, nil
}

// PortID returns the socket's port id, the nlmsg_pid of the kernel's
// replies to it.
func (c *Conn) PortID() uint32 { return c.pid }

// Close closes the socket; a Receive blocked in another goroutine returns
// an error wrapping os.ErrClosed.
func (c *Conn) Close() error {
	c.closed.Store(true)
	c.unwatch()
	return c.f.Close()
}

// ioError returns err, an error of RawConn's, as the caller should see
// it: ctx's error if ctx ended, os.ErrClosed if the socket was closed
// (RawConn reports an unexported error then).
func (c *Conn) ioError(ctx context.Context, op string, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case c.closed.Load():
		return fmt.Errorf("netlink: %s: %w", op, os.ErrClosed)
	}
	return err
}

// Send sends msg, one or more complete messages, to the kernel. It returns
// ctx.Err() if ctx ends first.
func (c *Conn) Send(ctx context.Context, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.watch(ctx)
	c.wbuf, c.werr = msg, nil
	err := c.rc.Write(c.writeFn)
	c.wbuf = nil
	if err == nil {
		err = c.werr
	}
	if err != nil {
		return c.ioError(ctx, "write", err)
	}
	return nil
}

func (c *Conn) write(fd uintptr) bool {
	for {
		// An unconnected netlink socket writes to the kernel.
		_, err := unix.Write(int(fd), c.wbuf)
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		case nil:
			c.werr = nil
		default:
			c.werr = os.NewSyscallError("write", err)
		}
		return true
	}
}

// Receive reads one datagram from the kernel into buf and returns its
// length. It skips datagrams from other sockets than the kernel's. It
// returns ctx.Err() if ctx ends before a datagram arrives, and an error if
// the datagram is larger than buf (it is then lost: the caller must not
// go on with the rest of that reply).
func (c *Conn) Receive(ctx context.Context, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, errors.New("netlink: empty receive buffer")
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		c.watch(ctx)
		c.rbuf, c.rn, c.rerr = buf, 0, nil
		err := c.rc.Read(c.readFn)
		c.rbuf = nil
		if err == nil {
			err = c.rerr
		}
		switch {
		case err != nil:
			return 0, c.ioError(ctx, "receive", err)
		case c.rn > len(buf):
			return 0, fmt.Errorf("netlink: reply of %d bytes larger than the %d-byte receive buffer", c.rn, len(buf))
		case c.from.Pid != 0:
			continue // not from the kernel
		}
		return c.rn, nil
	}
}

// read is the RawConn.Read callback: one recvfrom(2), called directly
// because unix.Recvfrom allocates the sender's address on every call.
// MSG_TRUNC makes netlink return the datagram's full length, so that a
// truncated one is seen.
func (c *Conn) read(fd uintptr) bool {
	for {
		c.fromLen = uint32(unsafe.Sizeof(c.from))
		n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, fd,
			uintptr(unsafe.Pointer(&c.rbuf[0])), uintptr(len(c.rbuf)), unix.MSG_TRUNC,
			uintptr(unsafe.Pointer(&c.from)), uintptr(unsafe.Pointer(&c.fromLen)))
		switch errno {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		case 0:
			c.rn = int(n)
		default:
			c.rerr = os.NewSyscallError("recvfrom", errno)
		}
		return true
	}
}

// aLongTimeAgo is a deadline in the past, which wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// watch makes the end of ctx interrupt the socket's I/O. It registers
// once per context, not per call, so a dump's many receives make no
// allocation; a context that can never end needs nothing.
func (c *Conn) watch(ctx context.Context) {
	if ctx == c.watched {
		return
	}
	c.unwatch()
	if ctx.Done() == nil {
		return
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	c.watched = ctx
	c.stop = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == gen {
			c.f.SetDeadline(aLongTimeAgo)
		}
	})
}

// unwatch undoes watch: the registered callback, if it runs now, does
// nothing, and the deadline it may have set is cleared.
func (c *Conn) unwatch() {
	if c.watched == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
	if !c.stop() {
		c.f.SetDeadline(time.Time{})
	}
	c.watched, c.stop = nil, nil
}
