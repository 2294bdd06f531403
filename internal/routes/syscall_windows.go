package routes

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper calls List makes (GetIpForwardTable2's table is copied
// out and freed by iphlp.Table). x/sys/windows declares them too, but its
// wrappers panic when the export is missing (as it may be under Wine);
// these procs are checked with Find before each call.
//
// GetIpForwardTable2:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getipforwardtable2
// GetIpInterfaceEntry:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getipinterfaceentry

//sys	getIpForwardTable2(family uint16, table **byte) (errcode error) = iphlpapi.GetIpForwardTable2
//sys	getIpInterfaceEntry(row *windows.MibIpInterfaceRow) (errcode error) = iphlpapi.GetIpInterfaceEntry
