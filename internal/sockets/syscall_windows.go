package sockets

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper calls x/sys/windows lacks. Each returns a Win32 error code
// (NO_ERROR, ERROR_INSUFFICIENT_BUFFER, ...), which the generated wrapper
// turns into a syscall.Errno or nil.
//
// GetExtendedTcpTable:
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getextendedtcptable
// GetExtendedUdpTable:
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getextendedudptable

//sys	getExtendedTcpTable(table *byte, size *uint32, order bool, af uint32, class uint32, reserved uint32) (errcode error) = iphlpapi.GetExtendedTcpTable
//sys	getExtendedUdpTable(table *byte, size *uint32, order bool, af uint32, class uint32, reserved uint32) (errcode error) = iphlpapi.GetExtendedUdpTable
