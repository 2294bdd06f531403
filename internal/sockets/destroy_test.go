package sockets

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/netlink"
)

// destroyHex is a SOCK_DESTROY request as the kernel reads it, written
// out field by field (little-endian host): nlmsghdr, then
// inet_diag_req_v2.
func destroyHex(fields ...string) []byte {
	b, err := hex.DecodeString(strings.Join(fields, ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestAppendDestroyRequest(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the expected bytes are written for a little-endian host")
	}
	tests := []struct {
		name string
		s    Socket
		want []byte
	}{{
		name: "tcp established with cookie and interface",
		s: Socket{Proto: TCP, Family: Inet, State: Established, Zone: 3, Cookie: 0x1122334455667788,
			Local:  netip.MustParseAddrPort("192.168.1.2:443"),
			Remote: netip.MustParseAddrPort("10.0.0.1:50000")},
		want: destroyHex(
			"48000000", "1500", "0500", "07000000", "00000000", // len 72, SOCK_DESTROY, REQUEST|ACK, seq 7
			"02", "06", "00", "00", "00000000", // AF_INET, TCP, ext, pad, states
			"01bb", "c350", // sport, dport (big-endian)
			"c0a80102000000000000000000000000",
			"0a000001000000000000000000000000",
			"03000000",             // idiag_if
			"88776655", "44332211", // cookie, low word first
		),
	}, {
		name: "udp6 unconnected without cookie",
		s: Socket{Proto: UDP, Family: Inet6, State: Close,
			Local:  netip.MustParseAddrPort("[fd00::1]:53"),
			Remote: netip.AddrPortFrom(netip.IPv6Unspecified(), 0)},
		want: destroyHex(
			"48000000", "1500", "0500", "07000000", "00000000",
			"0a", "11", "00", "00", "00000000",
			"0035", "0000",
			"fd000000000000000000000000000001",
			"00000000000000000000000000000000",
			"00000000",
			"ffffffff", "ffffffff", // INET_DIAG_NOCOOKIE
		),
	}, {
		name: "mptcp carries its protocol in an attribute",
		s: Socket{Proto: MPTCP, Family: Inet, State: Listen, Cookie: 1,
			Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("0.0.0.0:0")},
		want: destroyHex(
			"50000000", "1500", "0500", "07000000", "00000000", // 80: one u32 attribute more
			"02", "06", "00", "00", "00000000",
			"0050", "0000",
			"7f000001000000000000000000000000",
			"00000000000000000000000000000000",
			"00000000",
			"01000000", "00000000",
			"0800", "0300", "06010000", // INET_DIAG_REQ_PROTOCOL 262
		),
	}, {
		name: "raw names its protocol, an IPv4 socket given a mapped address",
		s: Socket{Proto: Raw, Family: Inet, State: Close, Cookie: 2,
			Local: netip.MustParseAddrPort("[::ffff:10.1.2.3]:1"), Remote: netip.AddrPort{}},
		want: destroyHex(
			"48000000", "1500", "0500", "07000000", "00000000",
			"02", "ff", "00", "01", "00000000", // IPPROTO_RAW, sdiag_raw_protocol ICMP
			"0001", "0000",
			"0a010203000000000000000000000000",
			"00000000000000000000000000000000",
			"00000000",
			"02000000", "00000000",
		),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendDestroyRequest([]byte("x"), 7, &tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[1:], tt.want) || got[0] != 'x' {
				t.Errorf("request\n got %x\nwant %x", got[1:], tt.want)
			}
		})
	}
	for _, s := range []Socket{{Proto: Unix, Family: Local}, {Proto: TCP}, {}} {
		if got, err := appendDestroyRequest([]byte("x"), 1, &s); !errors.Is(err, errNotInet) || string(got) != "x" {
			t.Errorf("%+v: %q, %v; want b unchanged and errNotInet", s, got, err)
		}
	}
}

// nlmsgErr returns an NLMSG_ERROR reply with code (0: an ACK) to request
// seq, echoing only the request's header (NLM_F_CAPPED).
func nlmsgErr(seq uint32, code int32) []byte {
	b := netlink.AppendHeader(nil, netlink.Header{Len: netlink.HeaderLen + 4 + netlink.HeaderLen, Type: netlink.MsgError, Flags: netlink.FlagCapped, Seq: seq, PID: 99})
	b = binary.NativeEndian.AppendUint32(b, uint32(code))
	return netlink.AppendHeader(b, netlink.Header{Len: netlink.HeaderLen + inetDiagReqV2Len, Type: sockDestroy, Flags: netlink.FlagRequest | netlink.FlagAck, Seq: seq})
}

func TestDecodeDestroyReply(t *testing.T) {
	if err := decodeDestroyReply(nlmsgErr(5, 0), 5, 99); err != nil {
		t.Errorf("ACK: %v, want nil", err)
	}
	for _, errno := range []syscall.Errno{syscall.ENOENT, syscall.EPERM, syscall.EOPNOTSUPP, syscall.EINVAL} {
		err := decodeDestroyReply(nlmsgErr(5, -int32(errno)), 5, 99)
		var ke *netlink.Error
		if !errors.As(err, &ke) || ke.Errno != errno || !errors.Is(err, errno) {
			t.Errorf("errno %d: %v, want a *netlink.Error matching it", errno, err)
		}
	}
	ack := nlmsgErr(5, 0)
	for name, b := range map[string][]byte{
		"empty":     nil,
		"truncated": ack[:len(ack)-1],
		"short":     ack[:10],
		"wrong seq": nlmsgErr(6, 0),
		"no answer": netlink.AppendHeader(nil, netlink.Header{Len: netlink.HeaderLen, Type: netlink.MsgNoop, Seq: 5}),
	} {
		if err := decodeDestroyReply(b, 5, 99); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDecodeDestroyReply(f *testing.F) {
	f.Add(nlmsgErr(1, 0))
	f.Add(nlmsgErr(1, -2))
	f.Add(append(nlmsgErr(1, -1), nlmsgErr(1, 0)...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		err := decodeDestroyReply(b, 1, 0)
		var ke *netlink.Error
		if err != nil && !errors.As(err, &ke) && !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("error %v is neither the kernel's nor ErrMalformed", err)
		}
	})
}

func TestTCPRowDelete(t *testing.T) {
	s := Socket{Proto: TCP, Family: Inet, State: Established,
		Local:  netip.MustParseAddrPort("192.168.1.2:443"),
		Remote: netip.MustParseAddrPort("10.0.0.1:50000")}
	row, err := tcpRowDelete(&s)
	if err != nil {
		t.Fatal(err)
	}
	got := row.bytes()
	want := destroyHex(
		"0c000000",             // MIB_TCP_STATE_DELETE_TCB
		"c0a80102", "01bb0000", // dwLocalAddr, dwLocalPort: network order in memory
		"0a000001", "c3500000",
	)
	if !bytes.Equal(got[:], want) {
		t.Errorf("MIB_TCPROW\n got %x\nwant %x", got, want)
	}
	mapped := s
	mapped.Family = Inet6
	mapped.Local = netip.MustParseAddrPort("[::ffff:192.168.1.2]:443")
	mapped.Remote = netip.MustParseAddrPort("[::ffff:10.0.0.1]:50000")
	if r, err := tcpRowDelete(&mapped); err != nil || r != row {
		t.Errorf("IPv4-mapped: %+v, %v; want %+v", r, err, row)
	}
	for _, s := range []Socket{
		{Proto: TCP, Family: Inet6, Local: netip.MustParseAddrPort("[::1]:80"), Remote: netip.MustParseAddrPort("[::1]:5000")},
		{Proto: UDP, Family: Inet, Local: netip.MustParseAddrPort("127.0.0.1:53")},
		{Proto: Unix, Family: Local},
	} {
		_, err := tcpRowDelete(&s)
		var de *DestroyError
		if !errors.As(err, &de) || de.Reason != DestroyProtocol || !strings.Contains(err.Error(), "only IPv4 TCP") {
			t.Errorf("%v %v: %v, want a DestroyProtocol error", s.Proto, s.Family, err)
		}
	}
}

func TestDestroyErrorMessages(t *testing.T) {
	tests := []struct {
		e    DestroyError
		want string
	}{
		{DestroyError{Op: opSockDestroy, Reason: DestroyGone, Proto: TCP, Family: Inet, Err: syscall.ENOENT}, "the socket is gone already (SOCK_DESTROY: no such file or directory)"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyNoKernelSupport, Proto: TCP, Err: syscall.EOPNOTSUPP}, "CONFIG_INET_DIAG_DESTROY"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyProtocol, Proto: MPTCP, Family: Inet6, Err: syscall.EOPNOTSUPP}, "the kernel cannot close mptcp6 sockets"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyProtocol, Proto: Unix, Family: Local}, "unix sockets cannot be closed"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyPermission, Proto: UDP, Err: syscall.EPERM}, "needs CAP_NET_ADMIN"},
		{DestroyError{Op: opSetTcpEntry, Reason: DestroyPermission, Proto: TCP}, "Administrator"},
		{DestroyError{Op: opSetTcpEntry, Reason: DestroyProtocol, Proto: UDP, Family: Inet6}, "only IPv4 TCP connections (SetTcpEntry), not udp6"},
		{DestroyError{Op: opSetTcpEntry, Reason: DestroyWine, Proto: TCP, Err: errStillOpen}, "Wine did not close the connection (its SetTcpEntry does not implement closing) (SetTcpEntry: it answered success, but the connection is still open)"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyMPTCPListener, Proto: TCP, Err: syscall.EINVAL}, "MPTCP"},
		{DestroyError{Op: opSockDestroy, Reason: DestroyRefused, Proto: TCP, Err: syscall.EBUSY}, "refused to close the socket (SOCK_DESTROY: device or resource busy)"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); !strings.Contains(got, tt.want) {
			t.Errorf("%v: %q, want it to contain %q", tt.e.Reason, got, tt.want)
		}
		if tt.e.Err != nil && !errors.Is(&tt.e, tt.e.Err) {
			t.Errorf("%v: errors.Is does not match %v", tt.e.Reason, tt.e.Err)
		}
	}
	for r := DestroyRefused; r <= DestroyMPTCPListener; r++ {
		if r.String() == "refused" && r != DestroyRefused {
			t.Errorf("reason %d has no name", r)
		}
	}
}

func TestStillListed(t *testing.T) {
	est := Socket{Proto: TCP, Family: Inet, State: Established,
		Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("127.0.0.1:5000")}
	other := est
	other.Remote = netip.MustParseAddrPort("127.0.0.1:5001")
	tw := est
	tw.State = TimeWait
	for _, c := range []struct {
		table []Socket
		want  bool
	}{
		{nil, false},
		{[]Socket{other}, false},
		{[]Socket{other, tw}, false},
		{[]Socket{other, est}, true},
	} {
		if got := stillListed(c.table, &est); got != c.want {
			t.Errorf("stillListed(%d rows) = %v, want %v", len(c.table), got, c.want)
		}
	}
}

func TestDestroyUnsupported(t *testing.T) {
	if err := (unsupportedError{"closing sockets"}); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "closing sockets is not supported") {
		t.Errorf("%v", err)
	}
}
