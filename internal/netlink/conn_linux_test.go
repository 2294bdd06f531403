package netlink

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	rtmGetLink  = 18 // RTM_GETLINK
	rtmNewLink  = 16 // RTM_NEWLINK
	rtmGetRoute = 26 // RTM_GETROUTE
)

// linkDumpRequest returns an RTM_GETLINK dump request (struct ifinfomsg,
// 16 zero bytes: every link).
func linkDumpRequest(seq uint32) []byte {
	b := AppendHeader(nil, Header{Len: HeaderLen + 16, Type: rtmGetLink, Flags: FlagRequest | FlagDump, Seq: seq})
	return append(b, make([]byte, 16)...)
}

// readDump receives the reply to request seq up to its end and returns the
// number of messages and the dump's error.
func readDump(ctx context.Context, c *Conn, buf []byte, seq uint32) (int, error) {
	n := 0
	for {
		m, err := c.Receive(ctx, buf)
		if err != nil {
			return n, err
		}
		d := NewDump(buf[:m], seq, c.PortID())
		for d.Next() {
			n++
		}
		if d.Err() != nil || d.Done() {
			return n, d.Err()
		}
	}
}

func dial(t *testing.T, protocol int) *Conn {
	t.Helper()
	c, err := Dial(protocol)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestReceiveCancel blocks a receive the kernel will never answer (no
// request was sent) and cancels its context: the receive must return
// promptly with the context's error, and the socket must still work.
func TestReceiveCancel(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	buf := make([]byte, 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(ctx, buf)
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond) // let it block
	select {
	case err := <-errc:
		t.Fatalf("Receive returned before the cancel: %v", err)
	default:
	}
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Receive = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Receive returned %v after the cancel", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked 5s after its context was cancelled")
	}

	// A cancelled context fails at once; a new one, and none, work.
	if _, err := c.Receive(ctx, buf); !errors.Is(err, context.Canceled) {
		t.Errorf("Receive with a cancelled context = %v", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	for i, ctx := range []context.Context{ctx2, context.Background(), ctx2} {
		seq := uint32(10 + i)
		if err := c.Send(ctx, linkDumpRequest(seq)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if n, err := readDump(ctx, c, buf, seq); err != nil || n == 0 {
			t.Fatalf("dump %d after a cancelled receive: %d links, %v", i, n, err)
		}
	}
}

// TestReceiveDeadline checks that a context's deadline ends a blocked
// receive.
func TestReceiveDeadline(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Receive(ctx, make([]byte, 4096)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Receive returned after %v", d)
	}
}

// TestCloseUnblocksReceive checks that closing the socket ends a receive
// blocked in another goroutine.
func TestCloseUnblocksReceive(t *testing.T) {
	c, err := Dial(unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(context.Background(), make([]byte, 4096))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Receive = %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked 5s after Close")
	}
}

// TestReceiveTruncated checks that a datagram larger than the buffer is
// an error, not a silently short reply.
func TestReceiveTruncated(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	ctx := context.Background()
	if err := c.Send(ctx, linkDumpRequest(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Receive(ctx, make([]byte, 8)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Receive into 8 bytes = %v, want a truncation error", err)
	}
	if _, err := c.Receive(ctx, nil); err == nil {
		t.Error("Receive into no buffer: no error")
	}
}

// TestReceiveNoAllocs checks that a whole dump, request and every receive,
// makes no allocation once the context is being watched.
func TestReceiveNoAllocs(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	buf := make([]byte, 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := linkDumpRequest(1)
	var err error
	dump := func() {
		if err = c.Send(ctx, req); err == nil {
			_, err = readDump(ctx, c, buf, 1)
		}
	}
	dump() // registers ctx
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, dump); n != 0 || err != nil {
		t.Errorf("%v allocations per dump (err %v), want 0", n, err)
	}
}

// TestExtAck provokes an error the kernel explains: with strict checking
// on, a route dump request whose header sets rtm_dst_len is refused with
// EINVAL and "Invalid values in header for FIB dump request" in NLMSG_DONE.
func TestExtAck(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	var serr error
	if err := c.rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1)
	}); err != nil || serr != nil {
		t.Skipf("NETLINK_GET_STRICT_CHK: %v %v", err, serr)
	}
	req := AppendHeader(nil, Header{Type: rtmGetRoute, Flags: FlagRequest | FlagDump, Seq: 3})
	req = append(req, unix.AF_INET, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // struct rtmsg, rtm_dst_len 8
	SetLen(req)
	ctx := context.Background()
	if err := c.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err := readDump(ctx, c, make([]byte, 1<<16), 3)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, unix.EINVAL) {
		t.Fatalf("dump error %v, want an *Error with EINVAL", err)
	}
	if !strings.Contains(e.Msg, "Invalid values in header") {
		t.Errorf("extended ACK message %q, want the kernel's explanation", e.Msg)
	}
	t.Logf("kernel error: %v (in NLMSG_DONE: %v)", e, e.InDone)
}

// TestErrorReply provokes an NLMSG_ERROR: an RTM_NEWLINK with a name too
// long for an interface is refused; whatever the errno, the reply must
// decode to an *Error.
func TestErrorReply(t *testing.T) {
	c := dial(t, unix.NETLINK_ROUTE)
	req := AppendHeader(nil, Header{Type: rtmNewLink, Flags: FlagRequest | FlagAck, Seq: 4})
	req = append(req, make([]byte, 16)...) // struct ifinfomsg: no index, no name
	req = AppendAttr(req, 3 /* IFLA_IFNAME */, strings.Repeat("x", 40)+"\x00")
	SetLen(req)
	ctx := context.Background()
	if err := c.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err := readDump(ctx, c, make([]byte, 1<<16), 4)
	var e *Error
	if !errors.As(err, &e) || e.InDone || e.Errno == 0 {
		t.Fatalf("reply %v, want an *Error from NLMSG_ERROR", err)
	}
	t.Logf("kernel error: %v", e)
}

// TestIntegrationReceiveSkipsOtherSenders sends a datagram to the socket
// from another netlink socket (which only root may do) before the
// kernel's reply: Receive must skip it.
func TestIntegrationReceiveSkipsOtherSenders(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root: only a privileged socket may send to another netlink port")
	}
	inNewNetNS(t, func() {
		c, err := Dial(unix.NETLINK_ROUTE)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		other, err := Dial(unix.NETLINK_ROUTE)
		if err != nil {
			t.Error(err)
			return
		}
		defer other.Close()
		fake := AppendHeader(nil, Header{Len: HeaderLen + 4, Type: MsgDone, Seq: 9, PID: c.PortID()})
		fake = append(fake, 0xea, 0xff, 0xff, 0xff) // a failure, were it believed
		var serr error
		other.rc.Control(func(fd uintptr) {
			serr = unix.Sendto(int(fd), fake, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: c.PortID()})
		})
		if serr != nil {
			t.Errorf("sending from another socket: %v", serr)
			return
		}
		ctx := context.Background()
		if err := c.Send(ctx, linkDumpRequest(9)); err != nil {
			t.Error(err)
			return
		}
		if n, err := readDump(ctx, c, make([]byte, 1<<16), 9); err != nil || n != 1 {
			t.Errorf("dump: %d links, %v; want the namespace's lo alone", n, err)
		}
	})
}

// inNewNetNS runs fn on an OS thread in a new network namespace; the
// thread is discarded afterwards.
func inNewNetNS(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	var uerr error
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			uerr = err
			return
		}
		fn()
	}()
	<-done
	if errors.Is(uerr, syscall.EPERM) {
		t.Skip("unshare(CLONE_NEWNET): not permitted")
	} else if uerr != nil {
		t.Fatalf("unshare: %v", uerr)
	}
}
