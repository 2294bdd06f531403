//go:build ignore

// capture_windows.go writes wine-forward2.bin: the MIB_IPFORWARD_TABLE2
// that GetIpForwardTable2(AF_UNSPEC) returns, byte for byte (NumEntries,
// padding, and NumEntries rows of 104 bytes). See README for how it was
// run.
package main

import (
	"log"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

func main() {
	var t *windows.MibIpForwardTable2
	if err := windows.GetIpForwardTable2(windows.AF_UNSPEC, &t); err != nil {
		log.Fatal(err)
	}
	defer windows.FreeMibTable(unsafe.Pointer(t))
	n := 8 + int(t.NumEntries)*int(unsafe.Sizeof(windows.MibIpForwardRow2{}))
	if err := os.WriteFile("wine-forward2.bin", unsafe.Slice((*byte)(unsafe.Pointer(t)), n), 0o644); err != nil {
		log.Fatal(err)
	}
}
