// Package sockets is the portable model of a machine's sockets: the Socket,
// Process, State and Filter types, the Source interface every platform
// implements, and the decoders of kernel data.
//
// # Sources
//
// NewSystemSource returns the source of the running OS: netlink sock_diag on
// Linux, with /proc/net as the automatic fallback. On other systems it
// returns ErrUnsupported for now (Windows' IP Helper source is planned).
//
// # Decoders
//
// The decoders (inetdiag.go, unixdiag.go, procnet.go, sockstat.go, the
// first two over the netlink framing of internal/netlink) carry no build
// tags: they are pure functions over bytes, tested on captured fixtures in
// testdata/ and fuzzed, on every OS.
package sockets
