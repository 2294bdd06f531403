package procattr

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// decodeUnicodeString returns the text of buf, a UNICODE_STRING as
// NtQueryInformationProcess fills it for ProcessCommandLineInformation at
// address base: the structure, then the characters it points to, in the
// same buffer. UNICODE_STRING (ntdef.h,
// https://learn.microsoft.com/en-us/windows/win32/api/ntdef/ns-ntdef-_unicode_string)
// is
//
//	0        USHORT Length         bytes of text, without a NUL
//	2        USHORT MaximumLength
//	ptrSize  PWSTR  Buffer         (after padding to the pointer's alignment)
//
// with pointers of ptrSize bytes (8 on amd64 and arm64, 4 on 386). It has
// no build tags, so that it is tested and fuzzed everywhere, and never
// follows the pointer: text outside buf, an odd pointer or an odd Length
// is an error. A null Buffer with Length 0 is "".
func decodeUnicodeString(buf []byte, base uint64, ptrSize int) (string, error) {
	if ptrSize != 4 && ptrSize != 8 {
		return "", fmt.Errorf("UNICODE_STRING: pointer size %d", ptrSize)
	}
	if len(buf) < 2*ptrSize {
		return "", fmt.Errorf("UNICODE_STRING: %d bytes, need %d", len(buf), 2*ptrSize)
	}
	n := uint64(binary.LittleEndian.Uint16(buf))
	var p uint64
	if ptrSize == 4 {
		p = uint64(binary.LittleEndian.Uint32(buf[4:]))
	} else {
		p = binary.LittleEndian.Uint64(buf[8:])
	}
	switch {
	case n == 0:
		return "", nil
	case n%2 != 0 || p%2 != 0:
		return "", fmt.Errorf("UNICODE_STRING: odd Length %d or Buffer %#x", n, p)
	case p < base || p-base > uint64(len(buf)) || n > uint64(len(buf))-(p-base):
		return "", fmt.Errorf("UNICODE_STRING: %d bytes at %#x, outside the %d-byte buffer at %#x", n, p, len(buf), base)
	}
	b := buf[p-base:][:n]
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}
