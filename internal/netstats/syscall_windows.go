package netstats

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go syscall_windows.go

// The IP Helper statistics calls x/sys/windows lacks. Each fills the
// structure stats points to for address family af (AF_INET or AF_INET6)
// and returns a Win32 error code, which the generated wrapper turns into a
// syscall.Errno or nil. The structures are decoded by mib.go.
//
// GetIpStatisticsEx (MIB_IPSTATS):
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getipstatisticsex
// GetIcmpStatisticsEx (MIB_ICMP_EX):
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-geticmpstatisticsex
// GetTcpStatisticsEx (MIB_TCPSTATS):
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-gettcpstatisticsex
// GetUdpStatisticsEx (MIB_UDPSTATS):
// https://learn.microsoft.com/en-us/windows/win32/api/iphlpapi/nf-iphlpapi-getudpstatisticsex

//sys	getIpStatisticsEx(stats *byte, af uint32) (errcode error) = iphlpapi.GetIpStatisticsEx
//sys	getIcmpStatisticsEx(stats *byte, af uint32) (errcode error) = iphlpapi.GetIcmpStatisticsEx
//sys	getTcpStatisticsEx(stats *byte, af uint32) (errcode error) = iphlpapi.GetTcpStatisticsEx
//sys	getUdpStatisticsEx(stats *byte, af uint32) (errcode error) = iphlpapi.GetUdpStatisticsEx
