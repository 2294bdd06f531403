package sockets

import (
	"encoding/binary"
	"math"
	"net/netip"
	"slices"
)

// This file decodes the tables the Windows IP Helper API fills:
// GetExtendedTcpTable with TCP_TABLE_OWNER_MODULE_ALL and
// GetExtendedUdpTable with UDP_TABLE_OWNER_MODULE, for AF_INET and
// AF_INET6. The decoders are pure functions over bytes with no build tags,
// so they are tested and fuzzed on every platform (STYLE.md section 2).
//
// Every structure is little-endian (all Windows targets are) and laid out
// with MSVC's natural alignment: the LARGE_INTEGER liCreateTimestamp gives
// each row, and so the table's first row, 8-byte alignment. Each table is
// therefore a DWORD dwNumEntries, 4 bytes of padding, and the rows from
// offset 8 (mibTableHeader). The table pages say so: "may contain padding
// for alignment between the dwNumEntries member and the first ... array
// entry".
//
// Ports are DWORDs whose low 16 bits, the first two bytes, hold the port in
// network byte order; the upper bytes are ignored. IPv4 addresses are
// DWORDs in network byte order (in_addr), IPv6 addresses UCHAR[16].
//
// liCreateTimestamp, a FILETIME, becomes Socket.Created. OwningModuleInfo
// is opaque: GetOwnerModuleFrom*Entry takes the whole row to resolve it
// (moduleResolver, mibmodule.go, hands it the row). SpecificPortBind and
// dwFlags of UDP rows are not decoded.

// mibTableHeader is the offset of the first row of every *_OWNER_MODULE
// table: DWORD dwNumEntries, then padding to the rows' 8-byte alignment.
const mibTableHeader = 8

// MIB_TCPROW_OWNER_MODULE, 160 bytes, from tcpmib.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/tcpmib/ns-tcpmib-mib_tcprow_owner_module
// (table: .../ns-tcpmib-mib_tcptable_owner_module).
//
//	 0 DWORD dwState
//	 4 DWORD dwLocalAddr
//	 8 DWORD dwLocalPort
//	12 DWORD dwRemoteAddr
//	16 DWORD dwRemotePort
//	20 DWORD dwOwningPid
//	24 LARGE_INTEGER liCreateTimestamp
//	32 ULONGLONG OwningModuleInfo[16]
const mibTCPRowOwnerModuleLen = 160

// MIB_TCP6ROW_OWNER_MODULE, 192 bytes, from tcpmib.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/tcpmib/ns-tcpmib-mib_tcp6row_owner_module
// (table: .../ns-tcpmib-mib_tcp6table_owner_module).
//
//	 0 UCHAR ucLocalAddr[16]
//	16 DWORD dwLocalScopeId
//	20 DWORD dwLocalPort
//	24 UCHAR ucRemoteAddr[16]
//	40 DWORD dwRemoteScopeId
//	44 DWORD dwRemotePort
//	48 DWORD dwState
//	52 DWORD dwOwningPid
//	56 LARGE_INTEGER liCreateTimestamp
//	64 ULONGLONG OwningModuleInfo[16]
const mibTCP6RowOwnerModuleLen = 192

// MIB_UDPROW_OWNER_MODULE, 160 bytes, from udpmib.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/udpmib/ns-udpmib-mib_udprow_owner_module
// (table: .../ns-udpmib-mib_udptable_owner_module).
//
//	 0 DWORD dwLocalAddr
//	 4 DWORD dwLocalPort
//	 8 DWORD dwOwningPid
//	12 (4 bytes padding)
//	16 LARGE_INTEGER liCreateTimestamp
//	24 union { int SpecificPortBind : 1; int dwFlags; }
//	28 (4 bytes padding)
//	32 ULONGLONG OwningModuleInfo[16]
const mibUDPRowOwnerModuleLen = 160

// MIB_UDP6ROW_OWNER_MODULE, 176 bytes, from udpmib.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/udpmib/ns-udpmib-mib_udp6row_owner_module
// (table: .../ns-udpmib-mib_udp6table_owner_module).
//
//	 0 UCHAR ucLocalAddr[16]
//	16 DWORD dwLocalScopeId
//	20 DWORD dwLocalPort
//	24 DWORD dwOwningPid
//	28 (4 bytes padding)
//	32 LARGE_INTEGER liCreateTimestamp
//	40 union { int SpecificPortBind : 1; int dwFlags; }
//	44 (4 bytes padding)
//	48 ULONGLONG OwningModuleInfo[16]
const mibUDP6RowOwnerModuleLen = 176

// mibTCPStates maps MIB_TCP_STATE (tcpmib.h, MIB_TCP_STATE_CLOSED = 1 ...
// MIB_TCP_STATE_DELETE_TCB = 12) to State. DELETE_TCB, a connection being
// torn down, has no kernel counterpart and is reported as Close.
var mibTCPStates = [...]State{
	1:  Close,       // CLOSED
	2:  Listen,      // LISTEN
	3:  SynSent,     // SYN_SENT
	4:  SynRecv,     // SYN_RCVD
	5:  Established, // ESTAB
	6:  FinWait1,    // FIN_WAIT1
	7:  FinWait2,    // FIN_WAIT2
	8:  CloseWait,   // CLOSE_WAIT
	9:  Closing,     // CLOSING
	10: LastAck,     // LAST_ACK
	11: TimeWait,    // TIME_WAIT
	12: Close,       // DELETE_TCB
}

// mibLayout says where one row type keeps its fields. Offsets of -1 mark
// fields the row does not have (UDP rows have no remote end and no state).
type mibLayout struct {
	name               string // the C name of the table
	rowLen             int
	v6                 bool
	local, localPort   int
	remote, remotePort int
	scope, state, pid  int
	created            int // liCreateTimestamp
	module             int // OwningModuleInfo, mibOwningModuleLen bytes
}

// mibOwningModuleLen is the size of a row's OwningModuleInfo:
// ULONGLONG[TCPIP_OWNING_MODULE_SIZE], TCPIP_OWNING_MODULE_SIZE being 16.
const mibOwningModuleLen = 16 * 8

var (
	mibTCP4 = mibLayout{name: "MIB_TCPTABLE_OWNER_MODULE", rowLen: mibTCPRowOwnerModuleLen,
		local: 4, localPort: 8, remote: 12, remotePort: 16, scope: -1, state: 0, pid: 20, created: 24, module: 32}
	mibTCP6 = mibLayout{name: "MIB_TCP6TABLE_OWNER_MODULE", rowLen: mibTCP6RowOwnerModuleLen, v6: true,
		local: 0, localPort: 20, remote: 24, remotePort: 44, scope: 16, state: 48, pid: 52, created: 56, module: 64}
	mibUDP4 = mibLayout{name: "MIB_UDPTABLE_OWNER_MODULE", rowLen: mibUDPRowOwnerModuleLen,
		local: 0, localPort: 4, remote: -1, remotePort: -1, scope: -1, state: -1, pid: 8, created: 16, module: 32}
	mibUDP6 = mibLayout{name: "MIB_UDP6TABLE_OWNER_MODULE", rowLen: mibUDP6RowOwnerModuleLen, v6: true,
		local: 0, localPort: 20, remote: -1, remotePort: -1, scope: 16, state: -1, pid: 24, created: 32, module: 48}
)

// appendMIBTableOf appends to dst the sockets of b, the owner-module
// table of proto and fam as the API fills it: for TCP, a
// MIB_TCPTABLE_OWNER_MODULE (Inet) or MIB_TCP6TABLE_OWNER_MODULE (Inet6)
// from GetExtendedTcpTable with TCP_TABLE_OWNER_MODULE_ALL; for UDP, a
// MIB_UDPTABLE_OWNER_MODULE or MIB_UDP6TABLE_OWNER_MODULE from
// GetExtendedUdpTable with UDP_TABLE_OWNER_MODULE, whose sockets are all
// unconnected (Close) with an unspecified remote end, as the table has
// none. It returns dst unchanged and an error wrapping errs.ErrMalformed if there
// is no such table, if b is shorter than dwNumEntries rows, or if a row
// holds an unknown state or a PID above MaxInt32; bytes after the last
// row are ignored (the API's buffer is often larger than the table).
func appendMIBTableOf(dst []Socket, b []byte, proto Proto, fam Family) ([]Socket, error) {
	l := mibLayoutOf(proto, fam)
	if l == nil {
		return dst, parseErrorf("no %s table of family %s", proto, fam)
	}
	return appendMIBTable(dst, b, proto, l)
}

// mibLayoutOf returns the row layout of the owner-module table of proto
// (TCP or UDP) and fam, or nil if there is none.
func mibLayoutOf(proto Proto, fam Family) *mibLayout {
	switch {
	case proto == TCP && fam == Inet:
		return &mibTCP4
	case proto == TCP && fam == Inet6:
		return &mibTCP6
	case proto == UDP && fam == Inet:
		return &mibUDP4
	case proto == UDP && fam == Inet6:
		return &mibUDP6
	}
	return nil
}

// appendMIBTable decodes a table of rows laid out as l. It checks the
// whole buffer before appending, so on error dst is returned unchanged.
func appendMIBTable(dst []Socket, b []byte, proto Proto, l *mibLayout) ([]Socket, error) {
	if len(b) < 4 {
		return dst, parseErrorf("%s: %d bytes, shorter than dwNumEntries", l.name, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0 {
		return dst, nil
	}
	// uint64: n*rowLen cannot overflow it, whatever n says.
	if need := mibTableHeader + uint64(n)*uint64(l.rowLen); need > uint64(len(b)) {
		return dst, parseErrorf("%s: dwNumEntries %d needs %d bytes, buffer has %d (room for %d rows)",
			l.name, n, need, len(b), max(len(b)-mibTableHeader, 0)/l.rowLen)
	}
	fam, unspec := Inet, netip.IPv4Unspecified()
	if l.v6 {
		fam, unspec = Inet6, netip.IPv6Unspecified()
	}
	start := len(dst)
	dst = slices.Grow(dst, int(n))
	var (
		procs map[uint32]*ProcessInfo
		// holders backs every row's one-element Processes: one
		// allocation for the table, not one per socket.
		holders []Process
	)
	le := binary.LittleEndian
	for i := range int(n) {
		r := b[mibTableHeader+i*l.rowLen:][:l.rowLen]
		s := Socket{Proto: proto, Family: fam, State: Close, UID: NoUID, Created: unixNanoOfFiletime(le.Uint64(r[l.created:]))}
		if l.state >= 0 {
			st := le.Uint32(r[l.state:])
			if st >= uint32(len(mibTCPStates)) || mibTCPStates[st] == 0 {
				return dst[:start], parseErrorf("%s row %d: unknown dwState %d", l.name, i, st)
			}
			s.State = mibTCPStates[st]
		}
		s.Local = netip.AddrPortFrom(mibAddr(r, l.local, l.v6), mibPort(r, l.localPort))
		s.Remote = netip.AddrPortFrom(unspec, 0)
		if l.remote >= 0 && s.State != Listen { // a listener's remote fields are meaningless
			s.Remote = netip.AddrPortFrom(mibAddr(r, l.remote, l.v6), mibPort(r, l.remotePort))
		}
		if l.scope >= 0 && (s.Local.Addr().IsLinkLocalUnicast() || s.Local.Addr().IsLinkLocalMulticast()) {
			// The pages call the scope id network byte order, but it is
			// the interface index in host order (Wine's iphlpapi stores
			// sin6_scope_id as is), as Socket.Zone wants it. Only a
			// link-local address has a zone, as Windows netstat prints it
			// (Wine reports 4096 for ::1).
			s.Zone = le.Uint32(r[l.scope:])
		}
		if pid := le.Uint32(r[l.pid:]); pid != 0 {
			if pid > math.MaxInt32 {
				return dst[:start], parseErrorf("%s row %d: dwOwningPid %d out of range", l.name, i, pid)
			}
			p := procs[pid]
			if p == nil {
				if procs == nil {
					procs = make(map[uint32]*ProcessInfo)
				}
				p = &ProcessInfo{PID: int32(pid), UID: NoUID} // Windows has SIDs, not uids
				procs[pid] = p
			}
			if holders == nil {
				holders = make([]Process, int(n)-i)
			}
			holders[0].Info = p
			s.Processes, holders = holders[:1:1], holders[1:]
		}
		dst = append(dst, s)
	}
	return dst, nil
}

// mibAddr returns the address at r[off:]: a DWORD in network byte order,
// or UCHAR[16] if v6.
func mibAddr(r []byte, off int, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte(r[off : off+16]))
	}
	return netip.AddrFrom4([4]byte(r[off : off+4]))
}

// mibPort returns the port in the low 16 bits of the DWORD at r[off:],
// which hold it in network byte order.
func mibPort(r []byte, off int) uint16 { return binary.BigEndian.Uint16(r[off:]) }

// filetimeUnixEpoch is 1970-01-01 as a FILETIME: 100-nanosecond intervals
// since 1601-01-01 UTC.
const filetimeUnixEpoch = 116444736000000000

// unixNanoOfFiletime converts a FILETIME to nanoseconds since the Unix
// epoch. 0 (the API's "unknown") and times before 1970 or past 2262 (out
// of int64 nanoseconds; no socket was created then) give 0.
func unixNanoOfFiletime(ft uint64) int64 {
	if ft <= filetimeUnixEpoch || ft-filetimeUnixEpoch > math.MaxInt64/100 {
		return 0
	}
	return int64(ft-filetimeUnixEpoch) * 100
}
