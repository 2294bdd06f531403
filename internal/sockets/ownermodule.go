package sockets

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"
)

// This file decodes what GetOwnerModuleFromTcpEntry, ...Tcp6Entry,
// ...UdpEntry and ...Udp6Entry write for TCPIP_OWNER_MODULE_INFO_BASIC:
// a TCPIP_OWNER_MODULE_BASIC_INFO (iprtrmib.h,
// https://learn.microsoft.com/en-us/windows/win32/api/iprtrmib/ns-iprtrmib-tcpip_owner_module_basic_info),
//
//	0        PWCHAR pModuleName
//	ptrSize  PWCHAR pModulePath
//
// followed, in the same buffer, by the two NUL-terminated UTF-16 strings
// the pointers point to (the call's size is "the size of the structure
// plus ... the name and path strings"). Like the tables, it is decoded by
// a pure function with no build tags, so it is tested and fuzzed on every
// platform; the pointers are checked against the buffer, never followed.

// ownerModuleKernel is the module name and path of a socket the system
// kernel owns ("If the module owner is the system kernel, ... point to a
// wide character string that contains "System"").
const ownerModuleKernel = "System"

// decodeOwnerModule returns the module name and path in buf, a
// TCPIP_OWNER_MODULE_BASIC_INFO that the API filled at address base, with
// pointers of ptrSize bytes (8 on amd64 and arm64, 4 on 386). A null
// pointer gives "". It returns an error wrapping errs.ErrMalformed if buf is
// shorter than the structure, or a pointer is odd or points outside buf,
// or a string runs to the end of buf without its NUL.
func decodeOwnerModule(buf []byte, base uint64, ptrSize int) (name, path string, err error) {
	if ptrSize != 4 && ptrSize != 8 {
		return "", "", parseErrorf("TCPIP_OWNER_MODULE_BASIC_INFO: pointer size %d", ptrSize)
	}
	if len(buf) < 2*ptrSize {
		return "", "", parseErrorf("TCPIP_OWNER_MODULE_BASIC_INFO: %d bytes, need %d", len(buf), 2*ptrSize)
	}
	ptr := func(off int) uint64 {
		if ptrSize == 4 {
			return uint64(binary.LittleEndian.Uint32(buf[off:]))
		}
		return binary.LittleEndian.Uint64(buf[off:])
	}
	if name, err = wideStringAt(buf, base, ptr(0)); err != nil {
		return "", "", parseErrorf("TCPIP_OWNER_MODULE_BASIC_INFO pModuleName: %v", err)
	}
	if path, err = wideStringAt(buf, base, ptr(ptrSize)); err != nil {
		return "", "", parseErrorf("TCPIP_OWNER_MODULE_BASIC_INFO pModulePath: %v", err)
	}
	return name, path, nil
}

var (
	errPointerOutside = errors.New("points outside the buffer")
	errNoNUL          = errors.New("no NUL before the end of the buffer")
)

// wideStringAt returns the NUL-terminated UTF-16LE string at address p in
// buf, which starts at address base; p == 0 is "".
func wideStringAt(buf []byte, base, p uint64) (string, error) {
	if p == 0 {
		return "", nil
	}
	if p < base || p-base >= uint64(len(buf)) || (p-base)%2 != 0 {
		return "", errPointerOutside
	}
	b := buf[p-base:]
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(u)), nil
		}
		u = append(u, c)
	}
	return "", errNoNUL
}

// moduleService returns the service that a socket's owner module names, or
// "" if the module is a program rather than a service. Windows netstat -b
// prints such a service on a line of its own above the hosting process's
// image ("  RpcSs" over " [svchost.exe]"). A program's module is its image
// ("chrome.exe", "C:\...\chrome.exe"); a service is reported by its
// service name ("RpcSs"), which is no file name: so a module is taken to be
// a service when its name does not end in ".exe" and is not the last
// element of its path. The kernel's module ("System") is no service.
func moduleService(name, path string) string {
	if name == "" || name == ownerModuleKernel || strings.HasSuffix(strings.ToLower(name), ".exe") {
		return ""
	}
	if i := strings.LastIndexAny(path, `\/`); i >= 0 && strings.EqualFold(path[i+1:], name) {
		return "" // a program whose image is not an .exe
	}
	return name
}
