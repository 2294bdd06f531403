package sockets

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Table classes of GetExtendedTcpTable and GetExtendedUdpTable:
// TCP_TABLE_CLASS and UDP_TABLE_CLASS in iprtrmib.h,
// https://learn.microsoft.com/en-us/windows/win32/api/iprtrmib/ne-iprtrmib-tcp_table_class
// and https://learn.microsoft.com/en-us/windows/win32/api/iprtrmib/ne-iprtrmib-udp_table_class.
const (
	tcpTableOwnerModuleAll = 8 // TCP_TABLE_OWNER_MODULE_ALL
	udpTableOwnerModule    = 2 // UDP_TABLE_OWNER_MODULE
)

// Sizing of the table buffer: the first call uses mibInitialSize bytes;
// while the call says ERROR_INSUFFICIENT_BUFFER (sockets opened between the
// size query and the copy), the buffer grows to the size it asks for plus
// mibSlack and the call is retried, at most mibMaxTries times in all.
const (
	mibInitialSize = 64 << 10
	mibSlack       = 16 << 10
	mibMaxTries    = 8
)

// newSystemSource returns the Windows source, the IP Helper API. opts.Kind
// has been checked; "netlink" and "proc" name Linux sources and are
// ignored here, as are ProcNet and Record.
func newSystemSource(opts SourceOptions) (Source, error) {
	return iphlpSource{modules: opts.Modules}, nil
}

// iphlpSource lists TCP and UDP sockets of both families with
// GetExtendedTcpTable (TCP_TABLE_OWNER_MODULE_ALL) and GetExtendedUdpTable
// (UDP_TABLE_OWNER_MODULE), decoded by appendMIBTableOf (mibtable.go).
// Windows has no raw, unix, MPTCP or
// UDP-Lite listing: those protocols are simply absent. With modules, the
// owner module of every socket listed is looked up (moduleResolver).
type iphlpSource struct{ modules bool }

// Snapshot reads the tables f selects. A table that cannot be read or
// decoded is reported in a *PartialError returned with the others' sockets;
// when every table failed the errors are returned joined.
func (src iphlpSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	var (
		buf   []uint64 // reused across tables; uint64 for the rows' 8-byte alignment
		errs  []error
		tried int
		mods  = moduleResolver{lookup: (&ownerModules{}).lookup}
	)
	for _, t := range [...]struct {
		proto Proto
		fam   Family
	}{{TCP, Inet}, {TCP, Inet6}, {UDP, Inet}, {UDP, Inet6}} {
		if !f.Protos.Has(t.proto) || !f.Families.Has(t.fam) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return dst, err
		}
		tried++
		var (
			b   []byte
			err error
		)
		b, buf, err = readMIBTable(t.proto, t.fam, buf)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		from := len(dst)
		if dst, err = appendMIBTableOf(dst, b, t.proto, t.fam); err != nil {
			errs = append(errs, err)
			continue
		}
		if src.modules {
			mods.resolve(dst[from:], b, mibLayoutOf(t.proto, t.fam), func(i int) bool { return f.Match(&dst[from+i]) })
		}
		dst = filterFrom(dst, from, f)
	}
	switch {
	case len(errs) == 0:
		return dst, nil
	case len(errs) == tried:
		return dst, errors.Join(errs...)
	}
	return dst, &PartialError{Errs: errs}
}

// filterFrom keeps the sockets of dst[from:] that f matches.
func filterFrom(dst []Socket, from int, f Filter) []Socket {
	out := dst[:from]
	for i := from; i < len(dst); i++ {
		if f.Match(&dst[i]) {
			out = append(out, dst[i])
		}
	}
	return out
}

// readMIBTable fills buf (grown as needed, and returned for reuse) with
// the owner-module table of proto and fam and returns the bytes the call
// wrote.
func readMIBTable(proto Proto, fam Family, buf []uint64) ([]byte, []uint64, error) {
	af := uint32(windows.AF_INET)
	if fam == Inet6 {
		af = windows.AF_INET6
	}
	call, class, name := getExtendedTcpTable, uint32(tcpTableOwnerModuleAll), "GetExtendedTcpTable"
	if proto == UDP {
		call, class, name = getExtendedUdpTable, udpTableOwnerModule, "GetExtendedUdpTable"
	}
	if len(buf) == 0 {
		buf = make([]uint64, mibInitialSize/8)
	}
	for range mibMaxTries {
		size := uint32(len(buf) * 8)
		err := call((*byte)(unsafe.Pointer(&buf[0])), &size, false, af, class, 0)
		switch {
		case err == nil:
			return unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), min(int(size), len(buf)*8)), buf, nil
		case errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER):
			buf = make([]uint64, (int(size)+mibSlack+7)/8)
		default:
			return nil, buf, fmt.Errorf("%s %s%s: %w", name, proto, famSuffix(fam), err)
		}
	}
	return nil, buf, fmt.Errorf("%s %s%s: buffer still too small after %d tries (%d bytes)",
		name, proto, famSuffix(fam), mibMaxTries, len(buf)*8)
}

// famSuffix is "6" for Inet6, as in tcp6.
func famSuffix(fam Family) string {
	if fam == Inet6 {
		return "6"
	}
	return ""
}
