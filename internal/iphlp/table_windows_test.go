package iphlp

import (
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// TestWindowsCopyMissingExport: a call iphlpapi.dll does not export is
// reported as unsupported and never made (the generated wrapper would
// panic); Get does not run.
func TestWindowsCopyMissingExport(t *testing.T) {
	called := false
	_, err := Table{Name: "NoSuchCall", Proc: windows.NewLazySystemDLL("iphlpapi.dll").NewProc("NoSuchCall"),
		Get: func(**byte) error { called = true; return nil }, HeaderLen: 8, RowLen: 8, MaxRows: 1}.Copy()
	if !errors.Is(err, errors.ErrUnsupported) || called {
		t.Errorf("err = %v, Get called: %v; want errors.ErrUnsupported and no call", err, called)
	}
}

// TestWindowsCopyIfTable2 copies a real table (GetIfTable2, which Wine
// has) and checks its NumEntries against the copy's length.
func TestWindowsCopyIfTable2(t *testing.T) {
	proc := windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetIfTable2")
	get := func(tab **byte) error {
		r, _, _ := proc.Call(uintptr(unsafe.Pointer(tab)))
		if r != 0 {
			return windows.Errno(r)
		}
		return nil
	}
	const rowLen = 1352 // sizeof(MIB_IF_ROW2)
	b, err := Table{Name: "GetIfTable2", Proc: proc, Get: get, HeaderLen: 8, RowLen: rowLen, MaxRows: 1 << 16,
		Malformed: errors.New("malformed")}.Copy()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16 | int(b[3])<<24; len(b) != 8+n*rowLen || n == 0 {
		t.Errorf("%d bytes for NumEntries %d", len(b), n)
	}
	// A bound below the real count is reported as malformed.
	malformed := errors.New("malformed")
	if _, err := (Table{Name: "GetIfTable2", Proc: proc, Get: get, HeaderLen: 8, RowLen: rowLen, Malformed: malformed}).Copy(); !errors.Is(err, malformed) {
		t.Errorf("MaxRows 0: err = %v, want the Malformed error", err)
	}
}
