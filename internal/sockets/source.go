package sockets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// SourceOptions configures NewSystemSource.
type SourceOptions struct {
	// Kind selects the data source: "" or "auto" (the best available,
	// falling back when it fails), "netlink" (Linux sock_diag only) or
	// "proc" (Linux /proc/net files only).
	Kind string
	// ProcNet is the directory holding tcp, tcp6, udp, ... for the proc
	// source; empty means /proc/thread-self/net (so that a thread that
	// entered another network namespace reads that namespace).
	ProcNet string
	// Modules asks for what the OS reports per socket about its owner
	// beyond the PID, where it costs a call per socket: on Windows the
	// owning module, which names the service behind a socket of
	// svchost.exe (set in the holder's ProcessInfo.Unit), as netstat -b
	// shows it. Ignored where the source has no such data (Linux).
	Modules bool
	// Record, if not empty, is a directory where the source writes the raw
	// kernel data it read, for fixtures (the hidden --record flag).
	Record string
}

// SourceKinds are the values SourceOptions.Kind may take.
var SourceKinds = []string{"auto", "netlink", "proc"}

// NewSystemSource returns the Source of the running operating system. It
// returns an error wrapping ErrUnsupported where listing is not supported,
// and an error wrapping errs.ErrInvalid for an unknown Kind.
func NewSystemSource(opts SourceOptions) (Source, error) {
	if opts.Kind != "" && !slices.Contains(SourceKinds, opts.Kind) {
		return nil, fmt.Errorf("%w: unknown source %q (valid: %s)", errs.ErrInvalid, opts.Kind, strings.Join(SourceKinds, ", "))
	}
	return newSystemSource(opts)
}
