// Package iphlp holds what the Windows sources share of the IP Helper
// API: copying out a table that the API allocated (GetIfTable2,
// GetIpForwardTable2) and freeing it with FreeMibTable, for routes and
// ifaces; and the extended statistics of a TCP connection
// (GetPerTcpConnectionEStats), for the sockets source's TCP internals.
// Every structure is decoded by a pure function with no build tags
// (estats.go), tested and fuzzed on every platform; the calls are in the
// _windows files.
package iphlp
