package ifaces

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper call Interfaces makes on Windows, its table copied out and
// freed by iphlp.Table. x/sys/windows declares it (and GetIfTable2Ex) too,
// but its wrapper panics when the export is missing; this proc is checked
// with Find before the call.
//
// GetIfTable2:
// https://learn.microsoft.com/en-us/windows/win32/api/netioapi/nf-netioapi-getiftable2

//sys	getIfTable2(table **byte) (errcode error) = iphlpapi.GetIfTable2
