//go:build ignore

// capture_windows.go writes wine-iftable2.bin: the MIB_IF_TABLE2 that
// GetIfTable2 (GetIfTable2Ex with MibIfTableNormal) returns, byte for
// byte (NumEntries, padding, and NumEntries rows of 1352 bytes). See
// README.md for how it was run.
package main

import (
	"log"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

func main() {
	var t *windows.MibIfTable2
	if err := windows.GetIfTable2Ex(windows.MibIfTableNormal, &t); err != nil {
		log.Fatal(err)
	}
	defer windows.FreeMibTable(unsafe.Pointer(t))
	n := 8 + int(t.NumEntries)*int(unsafe.Sizeof(windows.MibIfRow2{}))
	if err := os.WriteFile("wine-iftable2.bin", unsafe.Slice((*byte)(unsafe.Pointer(t)), n), 0o644); err != nil {
		log.Fatal(err)
	}
}
