// Package netlink is sockscope's one netlink client, shared by the socket
// source (NETLINK_SOCK_DIAG) and the route reader (NETLINK_ROUTE).
//
// # Decoding
//
// The framing (Header, Split, Dump), the attribute walker (Attrs) and the
// kernel's error messages (Error, with the extended ACK's message and
// offset) are pure functions over bytes, with no build tags: they are
// tested on captured dumps and fuzzed on every OS, never panic and never
// read past their input. Malformed data is reported with an error wrapping
// errs.ErrMalformed.
//
// # Sockets
//
// On Linux, Dial opens a socket of a netlink protocol in the network
// namespace of the calling thread. Conn.Receive waits in Go's network
// poller, not in a blocking system call, so a cancelled context interrupts
// a receive the kernel never answers and Ctrl-C stops a dump.
//
// The layouts are those of include/uapi/linux/netlink.h:
// https://github.com/torvalds/linux/blob/v6.18/include/uapi/linux/netlink.h
package netlink
