package iphlp

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The extended statistics calls; each returns a Win32 error code, which
// the generated wrapper turns into a syscall.Errno or nil. Rows are
// MIB_TCPROW (20 bytes) and MIB_TCP6ROW (52 bytes):
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getpertcpconnectionestats
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getpertcp6connectionestats
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-setpertcpconnectionestats
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-setpertcp6connectionestats
// Wine 8 exports none of the Get calls: Read checks the export first, as
// the generated wrapper would panic.

//sys	getPerTcpConnectionEStats(row *byte, typ uint32, rw *byte, rwVersion uint32, rwSize uint32, ros *byte, rosVersion uint32, rosSize uint32, rod *byte, rodVersion uint32, rodSize uint32) (errcode error) = iphlpapi.GetPerTcpConnectionEStats
//sys	getPerTcp6ConnectionEStats(row *byte, typ uint32, rw *byte, rwVersion uint32, rwSize uint32, ros *byte, rosVersion uint32, rosSize uint32, rod *byte, rodVersion uint32, rodSize uint32) (errcode error) = iphlpapi.GetPerTcp6ConnectionEStats
//sys	setPerTcpConnectionEStats(row *byte, typ uint32, rw *byte, rwVersion uint32, rwSize uint32, offset uint32) (errcode error) = iphlpapi.SetPerTcpConnectionEStats
//sys	setPerTcp6ConnectionEStats(row *byte, typ uint32, rw *byte, rwVersion uint32, rwSize uint32, offset uint32) (errcode error) = iphlpapi.SetPerTcp6ConnectionEStats

// Sizes of the rows the calls take.
const (
	TCPRowLen  = 20 // MIB_TCPROW: dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort
	TCP6RowLen = 52 // MIB_TCP6ROW: State, LocalAddr[16], dwLocalScopeId, dwLocalPort, RemoteAddr[16], dwRemoteScopeId, dwRemotePort
)

// wordSize is the size of SIZE_T in this process, which the ROD
// structures are laid out with.
const wordSize = int(unsafe.Sizeof(uintptr(0)))

// ErrConnGone is returned by Read when the connection is no longer there
// (ERROR_NOT_FOUND): it closed between the table and the call.
var ErrConnGone = errors.New("the connection is gone")

// An EStatsReader reads the extended statistics of TCP connections. It
// remembers, across connections, that the calls are missing or that
// turning collection on is refused, so that a listing of many
// connections asks once. Its zero value reads only what is already
// collected; it is not safe for concurrent use.
type EStatsReader struct {
	// Enable turns collection on for a connection where it is off, so
	// that its statistics can be read. It stays on until the connection
	// closes (as netstat has no such switch, nothing else turns it off),
	// and the counters count from that moment. Only an elevated
	// Administrator may do it: for anyone else the first refusal is
	// remembered and the reader stops trying.
	Enable bool

	checked     bool
	unsupported error
	denied      bool
	// buffers, word-aligned for the ROD structures' 8-byte members
	rw, ros, rod [32]uint64
}

// Denied reports whether turning collection on was refused
// (ERROR_ACCESS_DENIED): the process is not elevated.
func (r *EStatsReader) Denied() bool { return r.denied }

// Read reads the blocks of want for the connection row (a MIB_TCPROW of
// TCPRowLen bytes, or with v6 a MIB_TCP6ROW of TCP6RowLen bytes) into
// dst, which it resets first. A block whose collection is off, and could
// not be turned on, is left out of dst.Has and put in the set off it
// returns. It returns Check's error, which wraps errors.ErrUnsupported,
// if iphlpapi.dll lacks the calls (Wine), ErrConnGone if the connection has
// closed, and the call's error for any other failure.
func (r *EStatsReader) Read(row []byte, v6 bool, want EStatsSet, dst *TCPEStats) (off EStatsSet, err error) {
	*dst = TCPEStats{}
	if err := r.check(); err != nil {
		return 0, err
	}
	get, set, n := getPerTcpConnectionEStats, setPerTcpConnectionEStats, TCPRowLen
	if v6 {
		get, set, n = getPerTcp6ConnectionEStats, setPerTcp6ConnectionEStats, TCP6RowLen
	}
	if len(row) != n {
		return 0, fmt.Errorf("estats: a row of %d bytes, want %d", len(row), n)
	}
	p := &row[0]
	for t := range estatsTypes {
		if !want.Has(t) {
			continue
		}
		on, err := r.read(get, p, t)
		if err == nil && !on && r.Enable && !r.denied {
			rw := EnableRW(t)
			switch err = set(p, uint32(t), &rw[0], 0, uint32(len(rw)), 0); {
			case errors.Is(err, windows.ERROR_ACCESS_DENIED):
				r.denied, err = true, nil
			case err == nil:
				on, err = r.read(get, p, t)
			}
		}
		switch {
		case errors.Is(err, windows.ERROR_NOT_FOUND):
			return 0, ErrConnGone
		case err != nil:
			name := "GetPerTcpConnectionEStats"
			if v6 {
				name = "GetPerTcp6ConnectionEStats"
			}
			return 0, fmt.Errorf("%s %s: %w", name, t, err)
		case !on:
			off = off.With(t)
			continue
		}
		if err := dst.Decode(t, r.bytes(&r.ros, ROSLen(t)), r.bytes(&r.rod, RODLen(t, wordSize)), wordSize); err != nil {
			return 0, err
		}
	}
	return off, nil
}

// read makes one Get call for block t into the reader's buffers and
// reports whether collection is on (SynOpts needs none).
func (r *EStatsReader) read(get func(*byte, uint32, *byte, uint32, uint32, *byte, uint32, uint32, *byte, uint32, uint32) error, row *byte, t EStatsType) (bool, error) {
	// Zeroed for every call: where collection is off the API may leave
	// them as it found them, and nothing of a previous call must show.
	r.rw, r.ros, r.rod = [32]uint64{}, [32]uint64{}, [32]uint64{}
	rwN, rosN, rodN := RWLen(t), ROSLen(t), RODLen(t, wordSize)
	if err := get(row, uint32(t), r.ptr(&r.rw, rwN), 0, uint32(rwN), r.ptr(&r.ros, rosN), 0, uint32(rosN),
		r.ptr(&r.rod, rodN), 0, uint32(rodN)); err != nil {
		return false, err
	}
	if rwN == 0 {
		return true, nil
	}
	return RWEnabled(t, r.bytes(&r.rw, rwN))
}

// ptr is the buffer for a structure of n bytes, nil when there is none
// (the API takes NULL with a size of 0).
func (*EStatsReader) ptr(buf *[32]uint64, n int) *byte {
	if n == 0 {
		return nil
	}
	return (*byte)(unsafe.Pointer(buf))
}

// bytes is the first n bytes of buf, nil when n is 0.
func (*EStatsReader) bytes(buf *[32]uint64, n int) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(buf)), n)
}

// Check returns an *EStatsError of reason EStatsUnsupported, which
// wraps errors.ErrUnsupported, if iphlpapi.dll lacks the calls (Wine,
// Windows before Vista); Read then returns it for every connection.
func (r *EStatsReader) Check() error { return r.check() }

// check looks for the four exports once.
func (r *EStatsReader) check() error {
	if !r.checked {
		r.checked = true
		for _, p := range [...]*windows.LazyProc{procGetPerTcpConnectionEStats, procGetPerTcp6ConnectionEStats,
			procSetPerTcpConnectionEStats, procSetPerTcp6ConnectionEStats} {
			if err := p.Find(); err != nil {
				r.unsupported = &EStatsError{Reason: EStatsUnsupported, Err: errors.New("iphlpapi.dll has no " + p.Name)}
				break
			}
		}
	}
	return r.unsupported
}
