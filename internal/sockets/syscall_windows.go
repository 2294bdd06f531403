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

// GetOwnerModuleFromTcpEntry and its Tcp6/Udp/Udp6 siblings take a row of
// the *_OWNER_MODULE tables and fill a TCPIP_OWNER_MODULE_BASIC_INFO:
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getownermodulefromtcpentry
// (Wine 8 may not export them: callers check the proc's Find first.)

// SetTcpEntry with a MIB_TCPROW whose dwState is MIB_TCP_STATE_DELETE_TCB
// resets that IPv4 connection:
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-settcpentry

//sys	setTcpEntry(row *mibTCPRow) (errcode error) = iphlpapi.SetTcpEntry
//sys	getOwnerModuleFromTcpEntry(row *byte, class uint32, buf *byte, size *uint32) (errcode error) = iphlpapi.GetOwnerModuleFromTcpEntry
//sys	getOwnerModuleFromTcp6Entry(row *byte, class uint32, buf *byte, size *uint32) (errcode error) = iphlpapi.GetOwnerModuleFromTcp6Entry
//sys	getOwnerModuleFromUdpEntry(row *byte, class uint32, buf *byte, size *uint32) (errcode error) = iphlpapi.GetOwnerModuleFromUdpEntry
//sys	getOwnerModuleFromUdp6Entry(row *byte, class uint32, buf *byte, size *uint32) (errcode error) = iphlpapi.GetOwnerModuleFromUdp6Entry
//sys	getExtendedTcpTable(table *byte, size *uint32, order bool, af uint32, class uint32, reserved uint32) (errcode error) = iphlpapi.GetExtendedTcpTable
//sys	getExtendedUdpTable(table *byte, size *uint32, order bool, af uint32, class uint32, reserved uint32) (errcode error) = iphlpapi.GetExtendedUdpTable
