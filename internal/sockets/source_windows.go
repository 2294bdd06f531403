package sockets

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/sockscope/sockscope/internal/iphlp"
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
// When the filter asks for WantInfo, the TCP connections' extended
// statistics fill their Internals (estatsFiller).
type iphlpSource struct{ modules bool }

// Snapshot reads the tables f selects. A table that cannot be read or
// decoded is reported in a *PartialError returned with the others' sockets;
// when every table failed the errors are returned joined. Connections
// whose internals were asked for and could not be read are reported in
// the *PartialError as one *iphlp.EStatsError.
func (src iphlpSource) Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error) {
	var (
		buf   []uint64 // reused across tables; uint64 for the rows' 8-byte alignment
		errs  []error
		tried int
		mods  = moduleResolver{lookup: (&ownerModules{}).lookup}
		info  *estatsFiller
	)
	if f.Internals.Has(WantInfo) && f.Protos.Has(TCP) {
		info = newEStatsFiller()
	}
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
		if info != nil && t.proto == TCP {
			if err := info.fill(ctx, dst[from:], b, mibLayoutOf(t.proto, t.fam), func(i int) bool { return f.Match(&dst[from+i]) }); err != nil {
				return dst, err
			}
		}
		dst = filterFrom(dst, from, f)
	}
	switch {
	case len(errs) == 0 && info.err() == nil:
		return dst, nil
	case len(errs) > 0 && len(errs) == tried:
		return dst, errors.Join(errs...)
	}
	if err := info.err(); err != nil {
		errs = append(errs, err)
	}
	return dst, &PartialError{Errs: errs}
}

// estatsFiller fills the Internals of the TCP connections the Windows
// source lists from their extended statistics
// (GetPerTcpConnectionEStats), turning collection on where it is off and
// the process may (an elevated Administrator), and counts those it could
// not fill.
type estatsFiller struct {
	r              iphlp.EStatsReader
	total, missing int
	unsupported    error // the calls are missing: nothing more is asked
	failed         error // the first call that failed otherwise
}

func newEStatsFiller() *estatsFiller {
	e := &estatsFiller{r: iphlp.EStatsReader{Enable: true}}
	e.unsupported = e.r.Check()
	return e
}

// fill fills the connections of socks, decoded from table laid out as l,
// that keep reports true for (by index) and that have statistics
// (estatsWanted). It returns only ctx's error.
func (e *estatsFiller) fill(ctx context.Context, socks []Socket, table []byte, l *mibLayout, keep func(int) bool) error {
	if e.unsupported != nil {
		return nil
	}
	var (
		row [estatsRowLen]byte
		st  iphlp.TCPEStats
	)
	for i := range socks {
		s := &socks[i]
		if !estatsWanted(s.State) || !keep(i) {
			continue
		}
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		_, err := e.r.Read(estatsRow(&row, table[mibTableHeader+i*l.rowLen:][:l.rowLen], l), l.v6, estatsInfo, &st)
		switch {
		case errors.Is(err, iphlp.ErrConnGone):
			continue // closed since the table was read: as if not listed
		case errors.Is(err, errors.ErrUnsupported):
			e.unsupported = err
			return nil
		}
		e.total++
		if err != nil {
			e.missing++
			if e.failed == nil {
				e.failed = err
			}
			continue
		}
		if rq, sq, ok := estatsQueues(&st); ok {
			s.RecvQ, s.SendQ = rq, sq
		}
		in := &Internals{}
		if !estatsTCPInfo(&st, s.State, &in.TCP) {
			e.missing++
			continue
		}
		in.Has = HasTCPInfo
		s.Internals = in
	}
	return nil
}

// err is what e could not fill, in one line (nil if e is nil or
// everything was filled).
func (e *estatsFiller) err() error {
	switch {
	case e == nil:
		return nil
	case e.unsupported != nil:
		return e.unsupported
	case e.missing == 0:
		return nil
	case e.failed != nil:
		return &iphlp.EStatsError{Reason: iphlp.EStatsFailed, Missing: e.missing, Total: e.total, Err: e.failed}
	case e.r.Denied():
		return &iphlp.EStatsError{Reason: iphlp.EStatsNeedsElevation, Missing: e.missing, Total: e.total}
	}
	return &iphlp.EStatsError{Reason: iphlp.EStatsOff, Missing: e.missing, Total: e.total}
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
