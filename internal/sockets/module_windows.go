package sockets

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// tcpipOwnerModuleInfoBasic is TCPIP_OWNER_MODULE_INFO_BASIC of
// TCPIP_OWNER_MODULE_INFO_CLASS (iprtrmib.h), the only class there is.
const tcpipOwnerModuleInfoBasic = 0

// ownerModules asks GetOwnerModuleFrom*Entry for the owner module of
// rows, reusing one output buffer; its lookup is a moduleResolver's.
type ownerModules struct {
	buf []uint64 // the call's output; uint64 for the pointers' alignment
}

// lookup returns the service that row's owner module names, "" if none,
// or if the call fails: the process is gone, is not ours to open without
// elevation, or iphlpapi.dll lacks the call (Wine 8 does).
func (o *ownerModules) lookup(l *mibLayout, row []byte) string {
	call := ownerModuleCall(l)
	if call == nil {
		return ""
	}
	if len(o.buf) == 0 {
		o.buf = make([]uint64, 128) // 1 KiB: two pointers and two paths
	}
	for range 3 {
		size := uint32(len(o.buf) * 8)
		err := call(&row[0], tcpipOwnerModuleInfoBasic, (*byte)(unsafe.Pointer(&o.buf[0])), &size)
		switch {
		case err == nil:
			out := unsafe.Slice((*byte)(unsafe.Pointer(&o.buf[0])), min(int(size), len(o.buf)*8))
			name, path, err := decodeOwnerModule(out, uint64(uintptr(unsafe.Pointer(&o.buf[0]))), int(unsafe.Sizeof(uintptr(0))))
			if err != nil {
				return ""
			}
			return moduleService(name, path)
		case errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) && int(size) > len(o.buf)*8:
			o.buf = make([]uint64, (int(size)+7)/8)
		default:
			return ""
		}
	}
	return ""
}

// ownerModuleCall returns the GetOwnerModuleFrom*Entry call for rows laid
// out as l, or nil if iphlpapi.dll does not export it (the generated
// wrapper would panic).
func ownerModuleCall(l *mibLayout) func(row *byte, class uint32, buf *byte, size *uint32) error {
	proc, call := procGetOwnerModuleFromTcpEntry, getOwnerModuleFromTcpEntry
	switch l {
	case &mibTCP6:
		proc, call = procGetOwnerModuleFromTcp6Entry, getOwnerModuleFromTcp6Entry
	case &mibUDP4:
		proc, call = procGetOwnerModuleFromUdpEntry, getOwnerModuleFromUdpEntry
	case &mibUDP6:
		proc, call = procGetOwnerModuleFromUdp6Entry, getOwnerModuleFromUdp6Entry
	}
	if proc.Find() != nil {
		return nil
	}
	return call
}
