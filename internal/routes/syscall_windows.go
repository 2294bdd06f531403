package routes

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper calls List makes. x/sys/windows declares the first three
// too, but its wrappers panic when the export is missing (as it may be
// under Wine); these procs are checked with Find before each call.
//
// GetIpForwardTable2:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getipforwardtable2
// FreeMibTable:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-freemibtable
// GetIpInterfaceEntry:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getipinterfaceentry

//sys	getIpForwardTable2(family uint16, table **byte) (errcode error) = iphlpapi.GetIpForwardTable2
//sys	freeMibTable(memory unsafe.Pointer) = iphlpapi.FreeMibTable
//sys	getIpInterfaceEntry(row *windows.MibIpInterfaceRow) (errcode error) = iphlpapi.GetIpInterfaceEntry
