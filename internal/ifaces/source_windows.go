package ifaces

import (
	"errors"
	"fmt"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/iphlp"
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

// readIfTable2 returns a copy of the MIB_IF_TABLE2 of every interface
// (iphlp.Table.Copy says what it returns on failure; a NumEntries above
// mibIfMaxRows wraps errs.ErrMalformed).
func readIfTable2() ([]byte, error) {
	b, err := iphlp.Table{Name: "GetIfTable2", Proc: procGetIfTable2, Get: getIfTable2,
		HeaderLen: mibIfHeader, RowLen: mibIfRowLen, MaxRows: mibIfMaxRows, Malformed: errs.ErrMalformed}.Copy()
	if err != nil {
		return nil, fmt.Errorf("ifaces: %w", err)
	}
	return b, nil
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
