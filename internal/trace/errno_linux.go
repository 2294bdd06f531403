package trace

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// osErrnoName is the running architecture's name of errno n, "" if it
// has none.
func osErrnoName(n uint32) string { return unix.ErrnoName(syscall.Errno(n)) }
