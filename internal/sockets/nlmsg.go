package sockets

// sock_diag's use of the netlink framing of internal/netlink, which walks
// the messages and attributes, checks their lengths and decodes the
// kernel's errors.

import "github.com/sockscope/sockscope/internal/netlink"

// sockDiagByFamily is SOCK_DIAG_BY_FAMILY, the type of every sock_diag
// request and reply (include/uapi/linux/sock_diag.h).
const sockDiagByFamily = 20

// tcpDiagGetSock is TCPDIAG_GETSOCK (include/uapi/linux/inet_diag.h), the
// type of the older inet_diag request, which dumps the TCP sockets of both
// families, and of its replies.
const tcpDiagGetSock = 18

// appendRequestHeader appends a struct nlmsghdr for a sock_diag dump
// request of type typ (SOCK_DIAG_BY_FAMILY, TCPDIAG_GETSOCK) whose
// payload is payloadLen bytes long. The caller appends the payload and
// calls netlink.SetLen if it adds attributes.
func appendRequestHeader(b []byte, typ uint16, payloadLen int, seq uint32) []byte {
	return netlink.AppendHeader(b, netlink.Header{
		Len:   uint32(netlink.HeaderLen + payloadLen),
		Type:  typ,
		Flags: netlink.FlagRequest | netlink.FlagDump,
		Seq:   seq,
	})
}
