package iphlp

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go table_windows.go estats_windows.go

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// FreeMibTable frees what the *Table2 calls allocate:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-freemibtable
// x/sys/windows declares it too, but its wrapper panics where the export
// is missing; this one is checked with Find first.

//sys	freeMibTable(memory unsafe.Pointer) = iphlpapi.FreeMibTable

// A Table is a table an IP Helper call allocates: a ULONG NumEntries, then
// from HeaderLen the rows, RowLen bytes each.
type Table struct {
	Name string            // the call, for errors: "GetIfTable2"
	Proc *windows.LazyProc // its export, checked before Get runs
	// Get makes the call, which points table at the API's allocation.
	Get               func(table **byte) error
	HeaderLen, RowLen int
	// MaxRows bounds NumEntries: more is taken for a malformed table, and
	// the error wraps Malformed (errs.ErrMalformed for every caller).
	MaxRows   uint32
	Malformed error
}

// Copy makes the call and returns a copy of the table, its header and
// NumEntries rows, freeing the API's allocation before it returns. It
// returns an error wrapping errors.ErrUnsupported if iphlpapi.dll lacks
// the call or FreeMibTable (as Wine may), the call's error, or an error
// wrapping Malformed if NumEntries is above MaxRows.
func (t Table) Copy() ([]byte, error) {
	for _, p := range [...]*windows.LazyProc{t.Proc, procFreeMibTable} {
		if err := p.Find(); err != nil {
			return nil, fmt.Errorf("iphlpapi.dll has no %s: %w (%v)", p.Name, errors.ErrUnsupported, err)
		}
	}
	var tab *byte
	if err := t.Get(&tab); err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	if tab == nil {
		return nil, fmt.Errorf("%s succeeded without a table", t.Name)
	}
	defer freeMibTable(unsafe.Pointer(tab))
	n := *(*uint32)(unsafe.Pointer(tab))
	if n > t.MaxRows {
		return nil, fmt.Errorf("%w: %s: NumEntries %d above %d", t.Malformed, t.Name, n, t.MaxRows)
	}
	return append([]byte(nil), unsafe.Slice(tab, t.HeaderLen+int(n)*t.RowLen)...), nil
}
