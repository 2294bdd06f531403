package testutil

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The steps of the holder that bring TCP sockets into the states a
// connection passes through only briefly: SYN_SENT, SYN_RECV, FIN_WAIT1,
// LAST_ACK and CLOSING, and the bound-inactive CLOSE. Each is held there
// by a peer that never answers in the way that would move it on, never by
// timing: a listener whose accept queue is full drops SYNs, a listener
// deferring accept drops bare ACKs, and a peer that never reads keeps a
// zero window, so a FIN queued behind data is never sent.

// deferAcceptSeconds is the TCP_DEFER_ACCEPT of the SYN_RECV listener:
// the request socket stays in SYN_RECV that long (rounded up to the SYN-ACK
// retransmission schedule, about 10 minutes), far longer than the
// population is used (its TIME_WAIT socket lasts 60 seconds).
const deferAcceptSeconds = 600

// synCount is the TCP_SYNCNT of the SYN_SENT client, the kernel's maximum:
// its SYN is retransmitted, and dropped, for hours instead of two minutes.
const synCount = 127

// synSent makes a listener with backlog 0 whose accept queue is full (one
// connection, never accepted), and a client whose SYN that listener drops
// (tcp_conn_request: the accept queue is full): it stays in SYN_SENT. The
// queued connection's server end is ESTABLISHED but has no file yet: inode
// 0, no owner, and the listener's uid, which the kernel copies to it.
func (h *holder) synSent() error {
	lfd, laddr, err := bindInet(unix.SOCK_STREAM, any4, 0)
	if err != nil {
		return fmt.Errorf("full listener: %w", err)
	}
	if err := unix.Listen(lfd, 0); err != nil {
		return fmt.Errorf("full listener: listen: %w", err)
	}
	if err := h.addInet("tcp4 listener with backlog 0, queue full", sockets.TCP, sockets.Listen, lfd); err != nil {
		return err
	}
	queued, qaddr, err := dial(unix.SOCK_STREAM, laddr)
	if err != nil {
		return fmt.Errorf("full listener: first connection: %w", err)
	}
	// Readable once the connection is in the accept queue, which is then
	// full: sk_ack_backlog 1 > sk_max_ack_backlog 0.
	if err := waitFD(lfd, unix.POLLIN); err != nil {
		return fmt.Errorf("full listener: waiting for the queued connection: %w", err)
	}
	if err := h.addInet("tcp4 client queued on the full listener", sockets.TCP, sockets.Established, queued); err != nil {
		return err
	}
	h.m.Sockets = append(h.m.Sockets, ExpectedSocket{
		Name: "tcp4 server end in the full listener's queue, never accepted", Proto: sockets.TCP,
		Family: sockets.Inet, State: sockets.Established, Local: laddr, Remote: qaddr, UID: h.last().UID,
	})

	fd, err := newSocket(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return fmt.Errorf("SYN_SENT client: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_SYNCNT, synCount); err != nil {
		return fmt.Errorf("SYN_SENT client: TCP_SYNCNT: %w", err)
	}
	if err := unix.Connect(fd, toSockaddr(laddr)); !errors.Is(err, unix.EINPROGRESS) {
		return fmt.Errorf("SYN_SENT client: connect = %v, want EINPROGRESS", err)
	}
	if err := waitTCPState(fd, sockets.SynSent); err != nil {
		return fmt.Errorf("SYN_SENT client: %w", err)
	}
	if err := h.addInet("tcp4 SYN_SENT client of the full listener", sockets.TCP, sockets.SynSent, fd); err != nil {
		return err
	}
	h.last().Remote = laddr // getpeername fails (ENOTCONN) in SYN_SENT
	return nil
}

// synRecv makes a listener with TCP_DEFER_ACCEPT and a client that sends
// nothing: the client is ESTABLISHED, and the listener drops its bare ACK
// (tcp_check_req), so the server end stays a request socket in SYN_RECV.
// A request socket has no file and no process: inode 0, no owner. Its uid
// is 0 through sock_diag (inet_req_diag_fill) and the listener's through
// /proc/net/tcp (get_openreq4); the listener's is 0 too, the holder being
// root, so both sources agree.
func (h *holder) synRecv() error {
	lfd, laddr, err := bindInet(unix.SOCK_STREAM, any4, 0)
	if err != nil {
		return fmt.Errorf("deferring listener: %w", err)
	}
	if err := unix.SetsockoptInt(lfd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, deferAcceptSeconds); err != nil {
		return fmt.Errorf("deferring listener: TCP_DEFER_ACCEPT: %w", err)
	}
	if err := unix.Listen(lfd, 16); err != nil {
		return fmt.Errorf("deferring listener: listen: %w", err)
	}
	if err := h.addInet("tcp4 listener deferring accept", sockets.TCP, sockets.Listen, lfd); err != nil {
		return err
	}
	// The client is ESTABLISHED once the SYN-ACK arrived, and the listener
	// made the request socket before sending it.
	c, caddr, err := dial(unix.SOCK_STREAM, laddr)
	if err != nil {
		return fmt.Errorf("deferring listener: client: %w", err)
	}
	if err := h.addInet("tcp4 client of the deferring listener, silent", sockets.TCP, sockets.Established, c); err != nil {
		return err
	}
	h.m.Sockets = append(h.m.Sockets, ExpectedSocket{
		Name: "tcp4 SYN_RECV request socket of the deferring listener", Proto: sockets.TCP,
		Family: sockets.Inet, State: sockets.SynRecv, Local: laddr, Remote: caddr,
	})
	return nil
}

// finWait1 makes a pair whose client fills the window of the server, which
// never reads, and then shuts down its sending side: its FIN waits behind
// the unsent data, so the client stays in FIN_WAIT1 and the server, which
// never gets the FIN, in ESTABLISHED.
func (h *holder) finWait1() error {
	c, s, err := connectPair(h.lo4.fd, h.lo4.addr)
	if err != nil {
		return fmt.Errorf("FIN_WAIT1 pair: %w", err)
	}
	if err := fillWindow(c); err != nil {
		return fmt.Errorf("FIN_WAIT1 pair: %w", err)
	}
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return fmt.Errorf("FIN_WAIT1 pair: shutdown: %w", err)
	}
	if err := waitTCPState(c, sockets.FinWait1); err != nil {
		return fmt.Errorf("FIN_WAIT1 pair: client: %w", err)
	}
	if err := h.addInet("tcp4 FIN_WAIT1 client (FIN behind unsent data)", sockets.TCP, sockets.FinWait1, c); err != nil {
		return err
	}
	return h.addInet("tcp4 ESTABLISHED server of the FIN_WAIT1 client, never reads", sockets.TCP, sockets.Established, s)
}

// lastAck makes a pair whose server fills the window of the client, which
// never reads. The client shuts down its sending side with nothing queued:
// the server acknowledges the FIN, so the client is in FIN_WAIT2 and the
// server in CLOSE_WAIT. Then the server shuts down its side: its FIN waits
// behind the unsent data, and it stays in LAST_ACK.
func (h *holder) lastAck() error {
	c, s, err := connectPair(h.lo4.fd, h.lo4.addr)
	if err != nil {
		return fmt.Errorf("LAST_ACK pair: %w", err)
	}
	if err := fillWindow(s); err != nil {
		return fmt.Errorf("LAST_ACK pair: %w", err)
	}
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return fmt.Errorf("LAST_ACK pair: client shutdown: %w", err)
	}
	if err := readEOF(s); err != nil {
		return fmt.Errorf("LAST_ACK pair: %w", err)
	}
	if err := waitTCPState(c, sockets.FinWait2); err != nil {
		return fmt.Errorf("LAST_ACK pair: client: %w", err)
	}
	if err := unix.Shutdown(s, unix.SHUT_WR); err != nil {
		return fmt.Errorf("LAST_ACK pair: server shutdown: %w", err)
	}
	if err := waitTCPState(s, sockets.LastAck); err != nil {
		return fmt.Errorf("LAST_ACK pair: server: %w", err)
	}
	if err := h.addInet("tcp4 FIN_WAIT2 client of the LAST_ACK server, never reads", sockets.TCP, sockets.FinWait2, c); err != nil {
		return err
	}
	return h.addInet("tcp4 LAST_ACK server (FIN behind unsent data)", sockets.TCP, sockets.LastAck, s)
}

// closing makes a simultaneous close. The server fills the window of the
// client, which never reads, and shuts down its sending side: it is in
// FIN_WAIT1, its FIN behind the unsent data. Then the client shuts down its
// side with nothing queued: the server receives that FIN in FIN_WAIT1 and
// moves to CLOSING (tcp_fin), where it stays, its own FIN never sent; the
// client, its FIN acknowledged, is in FIN_WAIT2.
func (h *holder) closing() error {
	c, s, err := connectPair(h.lo4.fd, h.lo4.addr)
	if err != nil {
		return fmt.Errorf("CLOSING pair: %w", err)
	}
	if err := fillWindow(s); err != nil {
		return fmt.Errorf("CLOSING pair: %w", err)
	}
	if err := unix.Shutdown(s, unix.SHUT_WR); err != nil {
		return fmt.Errorf("CLOSING pair: server shutdown: %w", err)
	}
	if err := waitTCPState(s, sockets.FinWait1); err != nil {
		return fmt.Errorf("CLOSING pair: server: %w", err)
	}
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return fmt.Errorf("CLOSING pair: client shutdown: %w", err)
	}
	if err := waitTCPState(s, sockets.Closing); err != nil {
		return fmt.Errorf("CLOSING pair: server: %w", err)
	}
	if err := waitTCPState(c, sockets.FinWait2); err != nil {
		return fmt.Errorf("CLOSING pair: client: %w", err)
	}
	if err := h.addInet("tcp4 FIN_WAIT2 client of the CLOSING server, never reads", sockets.TCP, sockets.FinWait2, c); err != nil {
		return err
	}
	return h.addInet("tcp4 CLOSING server (simultaneous close, FIN behind unsent data)", sockets.TCP, sockets.Closing, s)
}

// boundInactive makes a TCP socket bound to 127.0.0.1 that neither listens
// nor connects: state CLOSE, seen by sock_diag only (ExpectedSocket.
// BoundInactive).
func (h *holder) boundInactive() error {
	fd, _, err := bindInet(unix.SOCK_STREAM, any4, 0)
	if err != nil {
		return fmt.Errorf("bound-inactive: %w", err)
	}
	if err := h.addInet("tcp4 bound, neither listening nor connected", sockets.TCP, sockets.Close, fd); err != nil {
		return err
	}
	h.last().BoundInactive = true
	return nil
}
