package ifaces

import (
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// TestWindowsLayoutMatchesXSys checks mibif.go's offsets against the compiler's
// layout of x/sys/windows's declaration of the same structures.
func TestWindowsLayoutMatchesXSys(t *testing.T) {
	var r windows.MibIfRow2
	var tbl windows.MibIfTable2
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(MIB_IF_ROW2)", mibIfRowLen, unsafe.Sizeof(r)},
		{"Table", mibIfHeader, unsafe.Offsetof(tbl.Table)},
		{"InterfaceIndex", ifIndex, unsafe.Offsetof(r.InterfaceIndex)},
		{"Alias", ifAlias, unsafe.Offsetof(r.Alias)},
		{"Description", ifDescription, unsafe.Offsetof(r.Description)},
		{"Type", ifType, unsafe.Offsetof(r.Type)},
		{"InterfaceAndOperStatusFlags", ifFlags, unsafe.Offsetof(r.InterfaceAndOperStatusFlags)},
		{"InOctets", ifInOctets, unsafe.Offsetof(r.InOctets)},
		{"InUcastPkts", ifInUcast, unsafe.Offsetof(r.InUcastPkts)},
		{"InNUcastPkts", ifInNUcast, unsafe.Offsetof(r.InNUcastPkts)},
		{"InDiscards", ifInDiscards, unsafe.Offsetof(r.InDiscards)},
		{"InErrors", ifInErrors, unsafe.Offsetof(r.InErrors)},
		{"InUnknownProtos", ifInUnknown, unsafe.Offsetof(r.InUnknownProtos)},
		{"OutOctets", ifOutOctets, unsafe.Offsetof(r.OutOctets)},
		{"OutUcastPkts", ifOutUcast, unsafe.Offsetof(r.OutUcastPkts)},
		{"OutNUcastPkts", ifOutNUcast, unsafe.Offsetof(r.OutNUcastPkts)},
		{"OutDiscards", ifOutDiscards, unsafe.Offsetof(r.OutDiscards)},
		{"OutErrors", ifOutErrors, unsafe.Offsetof(r.OutErrors)},
	} {
		if c.got != c.want {
			t.Errorf("%s: mibif.go says %d, x/sys %d", c.name, c.got, c.want)
		}
	}
}

// TestWindowsInterfacesLive reads this machine's interfaces: it works, or the
// API is missing (errors.ErrUnsupported); Groups is unsupported.
func TestWindowsInterfacesLive(t *testing.T) {
	ifs, err := Interfaces("")
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifs {
		t.Logf("%+v", ifc)
		if !ifc.Windows || ifc.Name == "" {
			t.Errorf("interface %+v", ifc)
		}
	}
	if _, err := Groups(""); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Groups: %v, want errors.ErrUnsupported", err)
	}
}
