package ifaces

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"

	"github.com/sockscope/sockscope/internal/errs"
)

// This file decodes the MIB_IF_TABLE2 that the Windows IP Helper API's
// GetIfTable2 returns. The decoder is a pure function over bytes with no
// build tags, so it is tested and fuzzed on every platform.
//
// Every structure is little-endian (all Windows targets are) and laid out
// with MSVC's natural alignment. The row begins with a NET_LUID (a
// ULONG64), so rows are 8-byte aligned, and the table is a ULONG
// NumEntries, 4 bytes of padding, and the rows from offset 8.
//
// Sources: netioapi.h as documented at
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/ns-netioapi-mib_if_table2
// and .../ns-netioapi-mib_if_row2; IF_MAX_STRING_SIZE (256) and
// IF_MAX_PHYS_ADDRESS_LENGTH (32) from ifdef.h (mingw-w64's copy); GUID is
// 16 bytes with 4-byte alignment, the enums are 4 bytes. The offsets agree
// with golang.org/x/sys/windows's MibIfRow2 (v0.50.0, types_windows.go)
// and with the static_asserts other projects make against the SDK
// (sizeof(MIB_IF_ROW2) == 1352, InterfaceAndOperStatusFlags at 1152,
// OperStatus at 1156, InOctets at 1208, OutOctets at 1280).

// MIB_IF_TABLE2: ULONG NumEntries; (4 bytes padding); MIB_IF_ROW2
// Table[ANY_SIZE] from offset 8.
const mibIfHeader = 8

// MIB_IF_ROW2, 1352 bytes:
//
//	   0 NET_LUID    InterfaceLuid
//	   8 NET_IFINDEX InterfaceIndex
//	  12 GUID        InterfaceGuid
//	  28 WCHAR       Alias[257]                       (the friendly name)
//	 542 WCHAR       Description[257]
//	1056 ULONG       PhysicalAddressLength
//	1060 UCHAR       PhysicalAddress[32]
//	1092 UCHAR       PermanentPhysicalAddress[32]
//	1124 ULONG       Mtu
//	1128 IFTYPE      Type                             (IANA ifType, a ULONG)
//	1132 TUNNEL_TYPE TunnelType
//	1136 NDIS_MEDIUM MediaType
//	1140 NDIS_PHYSICAL_MEDIUM PhysicalMediumType
//	1144 NET_IF_ACCESS_TYPE AccessType
//	1148 NET_IF_DIRECTION_TYPE DirectionType
//	1152 struct { BOOLEAN HardwareInterface:1, FilterInterface:1, ... }
//	     InterfaceAndOperStatusFlags                   (1 byte; 3 bytes padding)
//	1156 IF_OPER_STATUS OperStatus
//	1160 NET_IF_ADMIN_STATUS AdminStatus
//	1164 NET_IF_MEDIA_CONNECT_STATE MediaConnectState
//	1168 NET_IF_NETWORK_GUID NetworkGuid
//	1184 NET_IF_CONNECTION_TYPE ConnectionType         (4 bytes padding)
//	1192 ULONG64 TransmitLinkSpeed, 1200 ReceiveLinkSpeed
//	1208 ULONG64 InOctets, 1216 InUcastPkts, 1224 InNUcastPkts,
//	     1232 InDiscards, 1240 InErrors, 1248 InUnknownProtos,
//	     1256 InUcastOctets, 1264 InMulticastOctets, 1272 InBroadcastOctets
//	1280 ULONG64 OutOctets, 1288 OutUcastPkts, 1296 OutNUcastPkts,
//	     1304 OutDiscards, 1312 OutErrors, 1320 OutUcastOctets,
//	     1328 OutMulticastOctets, 1336 OutBroadcastOctets, 1344 OutQLen
const (
	mibIfRowLen     = 1352
	ifIndex         = 8
	ifAlias         = 28
	ifDescription   = 542
	ifNameChars     = 257 // IF_MAX_STRING_SIZE + 1 WCHARs
	ifType          = 1128
	ifFlags         = 1152
	ifInOctets      = 1208
	ifInUcast       = 1216
	ifInNUcast      = 1224
	ifInDiscards    = 1232
	ifInErrors      = 1240
	ifInUnknown     = 1248
	ifOutOctets     = 1280
	ifOutUcast      = 1288
	ifOutNUcast     = 1296
	ifOutDiscards   = 1304
	ifOutErrors     = 1312
	ifFlagFilter    = 1 << 1 // FilterInterface, the second bit field (MSVC allocates from bit 0)
	ifTypeLoopback  = 24     // IF_TYPE_SOFTWARE_LOOPBACK (ipifcons.h)
	mibIfMaxRows    = 1 << 16
	maxInterfaceIdx = math.MaxInt32
)

// DecodeIfTable2 decodes b, a MIB_IF_TABLE2 as GetIfTable2 returns it,
// into one Interface per row, in the table's order:
//
//   - Name is Alias, the friendly name that ncpa.cpl, netsh and
//     net.Interfaces show ("Ethernet", "Wi-Fi"); Description (the
//     adapter's model) when Alias is empty, and "if" and the index when
//     both are;
//   - RxBytes, RxErrors, RxDropped are InOctets, InErrors, InDiscards,
//     and TxBytes, TxErrors, TxDropped their Out counterparts;
//   - RxPackets and TxPackets are unicast plus non-unicast packets
//     (saturating at MaxUint64);
//   - RxMulticast is InNUcastPkts: Windows counts no multicast packets
//     apart from broadcasts, and this is what the Linux derivation of
//     netstat -e reads as non-unicast;
//   - Windows is set, with the split counters, Index, Loopback and Filter;
//   - the Linux-only counters (FIFO, frame, compressed, collisions,
//     carrier) stay zero.
//
// It returns nil and an error wrapping errs.ErrMalformed if b is shorter than
// NumEntries rows (NumEntries is never trusted past the buffer), if
// NumEntries is above 65536, or if a row's InterfaceIndex is above
// MaxInt32. Bytes after the last row are ignored.
func DecodeIfTable2(b []byte) ([]Interface, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: MIB_IF_TABLE2: %d bytes, shorter than NumEntries", errs.ErrMalformed, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if n == 0 {
		return nil, nil
	}
	if n > mibIfMaxRows {
		return nil, fmt.Errorf("%w: MIB_IF_TABLE2: NumEntries %d above %d", errs.ErrMalformed, n, mibIfMaxRows)
	}
	if need := mibIfHeader + uint64(n)*mibIfRowLen; need > uint64(len(b)) {
		return nil, fmt.Errorf("%w: MIB_IF_TABLE2: NumEntries %d needs %d bytes, buffer has %d (room for %d rows)",
			errs.ErrMalformed, n, need, len(b), max(len(b)-mibIfHeader, 0)/mibIfRowLen)
	}
	out := make([]Interface, 0, n)
	for i := range int(n) {
		ifc, err := decodeIfRow(b[mibIfHeader+i*mibIfRowLen:][:mibIfRowLen])
		if err != nil {
			return nil, fmt.Errorf("%w: MIB_IF_ROW2 %d: %v", errs.ErrMalformed, i, err)
		}
		out = append(out, ifc)
	}
	return out, nil
}

// decodeIfRow decodes one MIB_IF_ROW2 of mibIfRowLen bytes, as
// DecodeIfTable2 documents.
func decodeIfRow(r []byte) (Interface, error) {
	le := binary.LittleEndian
	u := func(off int) uint64 { return le.Uint64(r[off:]) }
	idx := le.Uint32(r[ifIndex:])
	if idx > maxInterfaceIdx {
		return Interface{}, fmt.Errorf("InterfaceIndex %d out of range", idx)
	}
	ifc := Interface{
		Name:            wcharString(r[ifAlias:][:2*ifNameChars]),
		Index:           int(idx),
		Windows:         true,
		RxBytes:         u(ifInOctets),
		RxUnicast:       u(ifInUcast),
		RxNonUnicast:    u(ifInNUcast),
		RxMulticast:     u(ifInNUcast),
		RxDropped:       u(ifInDiscards),
		RxErrors:        u(ifInErrors),
		RxUnknownProtos: u(ifInUnknown),
		TxBytes:         u(ifOutOctets),
		TxUnicast:       u(ifOutUcast),
		TxNonUnicast:    u(ifOutNUcast),
		TxDropped:       u(ifOutDiscards),
		TxErrors:        u(ifOutErrors),
		Loopback:        le.Uint32(r[ifType:]) == ifTypeLoopback,
		Filter:          r[ifFlags]&ifFlagFilter != 0,
	}
	ifc.RxPackets = addSat(ifc.RxUnicast, ifc.RxNonUnicast)
	ifc.TxPackets = addSat(ifc.TxUnicast, ifc.TxNonUnicast)
	if ifc.Name == "" {
		ifc.Name = wcharString(r[ifDescription:][:2*ifNameChars])
	}
	if ifc.Name == "" {
		ifc.Name = "if" + strconv.Itoa(ifc.Index)
	}
	return ifc, nil
}

// wcharString decodes the NUL-terminated UTF-16LE string in b (all of b if
// it holds no NUL); unpaired surrogates become U+FFFD.
func wcharString(b []byte) string {
	s := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		s = append(s, c)
	}
	return string(utf16.Decode(s))
}

// addSat returns a+b, or MaxUint64 if the sum overflows.
func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}
