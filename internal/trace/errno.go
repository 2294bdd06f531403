package trace

import "strconv"

// errnoNames are the names of the Linux errno numbers a socket's error
// can hold: those TCP sets itself (refused, reset, timed out, aborted)
// and those an ICMP error turns into (icmp_err_convert), numbered as
// most of Linux's architectures number them (asm-generic: x86, arm,
// arm64, riscv, ppc, s390). On Linux, the running architecture's own
// names come first (MIPS, SPARC and Alpha number them otherwise).
var errnoNames = map[uint32]string{
	1:   "EPERM",
	13:  "EACCES",
	32:  "EPIPE",
	64:  "ENONET",
	71:  "EPROTO",
	90:  "EMSGSIZE",
	92:  "ENOPROTOOPT",
	95:  "EOPNOTSUPP",
	100: "ENETDOWN",
	101: "ENETUNREACH",
	103: "ECONNABORTED",
	104: "ECONNRESET",
	110: "ETIMEDOUT",
	111: "ECONNREFUSED",
	112: "EHOSTDOWN",
	113: "EHOSTUNREACH",
}

// ErrnoName returns the name of a Linux errno number ("ECONNREFUSED"
// for 111), or "errno N" for one a socket's error is not expected to
// hold.
func ErrnoName(n uint32) string {
	if s := osErrnoName(n); s != "" {
		return s
	}
	if s, ok := errnoNames[n]; ok {
		return s
	}
	return "errno " + strconv.FormatUint(uint64(n), 10)
}
