// Package iphlp holds what the Windows sources of routes and ifaces share:
// copying out a table that the IP Helper API allocated (GetIfTable2,
// GetIpForwardTable2) and freeing it with FreeMibTable. Each package
// declares its own call and decodes the copy itself, with a pure decoder
// that has no build tags; elsewhere this package is empty.
package iphlp
