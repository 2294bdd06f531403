package ifaces

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// systemInterfaces reads the interfaces of this machine with GetIfTable2,
// as readIfTable2 documents.
func systemInterfaces() ([]Interface, error) {
	b, err := readIfTable2()
	if err != nil {
		return nil, err
	}
	ifs, err := DecodeIfTable2(b)
	if err != nil {
		return nil, fmt.Errorf("ifaces: GetIfTable2: %w", err)
	}
	return ifs, nil
}

// readIfTable2 returns a copy of the MIB_IF_TABLE2 of every interface. The
// API allocates the table; its length is computed from NumEntries and the
// row size, and the table is freed before returning. It returns an error
// wrapping errors.ErrUnsupported if iphlpapi.dll lacks GetIfTable2 or
// FreeMibTable, the API's error if the call fails, and an error wrapping
// ErrParse if NumEntries is implausible.
func readIfTable2() ([]byte, error) {
	for _, p := range [...]*windows.LazyProc{procGetIfTable2, procFreeMibTable} {
		if err := p.Find(); err != nil {
			return nil, fmt.Errorf("ifaces: iphlpapi.dll has no %s: %w (%v)", p.Name, errors.ErrUnsupported, err)
		}
	}
	var t *byte
	if err := getIfTable2(&t); err != nil {
		return nil, fmt.Errorf("ifaces: GetIfTable2: %w", err)
	}
	if t == nil {
		return nil, errors.New("ifaces: GetIfTable2 succeeded without a table")
	}
	defer freeMibTable(unsafe.Pointer(t))
	n := *(*uint32)(unsafe.Pointer(t))
	if n > mibIfMaxRows {
		return nil, fmt.Errorf("%w: GetIfTable2: NumEntries %d above %d", ErrParse, n, mibIfMaxRows)
	}
	return append([]byte(nil), unsafe.Slice(t, mibIfHeader+int(n)*mibIfRowLen)...), nil
}

// systemGroups returns an error wrapping errors.ErrUnsupported: multicast
// memberships are not read on Windows (GetMulticastIpAddressTable is not
// decoded), and Windows netstat has no -g.
func systemGroups() ([]Membership, error) {
	return nil, unsupportedError("not read on windows yet")
}

// unsupportedError says what is not supported; it matches
// errors.ErrUnsupported under errors.Is.
type unsupportedError string

func (e unsupportedError) Error() string { return string(e) }

// Is makes errors.Is(err, errors.ErrUnsupported) true.
func (unsupportedError) Is(target error) bool { return target == errors.ErrUnsupported }
