package ifaces

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper calls Interfaces makes on Windows. x/sys/windows declares
// FreeMibTable (and GetIfTable2Ex) too, but its wrappers panic when the
// export is missing; these procs are checked with Find before each call.
//
// GetIfTable2:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getiftable2
// FreeMibTable:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-freemibtable

//sys	getIfTable2(table **byte) (errcode error) = iphlpapi.GetIfTable2
//sys	freeMibTable(memory unsafe.Pointer) = iphlpapi.FreeMibTable
