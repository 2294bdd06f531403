package sockets

// SetTcpEntry: the call around tcpRowDelete.

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sys/windows"
)

// Windows error codes SetTcpEntry returns (winerror.h).
const (
	errorAccessDenied  = 5    // ERROR_ACCESS_DENIED: not elevated
	errorMRMidNotFound = 317  // ERROR_MR_MID_NOT_FOUND: what it answers a process that is not elevated, in practice
	errorNotFound      = 1168 // ERROR_NOT_FOUND: no such connection
)

// tcpRowDestroyer resets IPv4 TCP connections with SetTcpEntry.
type tcpRowDestroyer struct{}

func newDestroyer() (Destroyer, error) { return tcpRowDestroyer{}, nil }

// Close does nothing: SetTcpEntry holds nothing open.
func (tcpRowDestroyer) Close() error { return nil }

// Destroy resets s if it is an IPv4 TCP connection; other sockets are
// refused without a call (DestroyProtocol). A call that answers success
// is checked against the TCP table: a connection still open there is not
// closed (errStillOpen). Under Wine, which does not implement closing,
// every failure is DestroyWine.
func (tcpRowDestroyer) Destroy(ctx context.Context, s *Socket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	row, err := tcpRowDelete(s)
	if err != nil {
		return err
	}
	err = setTcpEntry(&row)
	if err == nil {
		// Closed is what the table says, not what the call answered:
		// Wine's answers success and closes nothing.
		table, lerr := iphlpSource{}.Snapshot(ctx, Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet)}, nil)
		if lerr != nil || !stillListed(table, s) {
			return nil
		}
		err = errStillOpen
	}
	e := &DestroyError{Op: opSetTcpEntry, Reason: DestroyRefused, Proto: s.Proto, Family: s.Family, Err: err}
	var code windows.Errno
	errors.As(err, &code)
	switch {
	case underWine():
		e.Reason = DestroyWine
	case code == errorAccessDenied || code == errorMRMidNotFound:
		e.Reason = DestroyPermission
	case code == errorNotFound:
		e.Reason = DestroyGone
	}
	return e
}

// underWine reports whether the process runs under Wine, whose ntdll
// exports wine_get_version.
var underWine = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})
