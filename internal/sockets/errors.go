package sockets

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// ErrUnsupported is returned by sources on operating systems where sockets
// cannot be listed yet.
var ErrUnsupported = errors.New("listing sockets is not supported on " + runtime.GOOS + " yet")

// OpError reports a failed operation of a source, such as one inet_diag
// dump, with its context.
type OpError struct {
	Op     string // "inet_diag dump", "read /proc/net/tcp", ...
	Family string // "tcp", "udp6", "unix", ...
	Err    error
}

func (e *OpError) Error() string {
	if e.Family == "" {
		return e.Op + ": " + e.Err.Error()
	}
	return e.Op + " " + e.Family + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// FeatureError reports a kernel feature that is missing, such as raw socket
// diagnostics when CONFIG_INET_RAW_DIAG is not built.
type FeatureError struct {
	Feature string
	Err     error
}

func (e *FeatureError) Error() string {
	return e.Feature + " is not available on this kernel: " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FeatureError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *FeatureError) Is(target error) bool { return target == ErrUnsupported }

// PartialError is returned with the sockets a Source did read when some
// parts of a snapshot (one protocol, one family) failed.
type PartialError struct {
	Errs []error
}

func (e *PartialError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return "incomplete listing: " + strings.Join(msgs, "; ")
}

// Unwrap returns the individual errors.
func (e *PartialError) Unwrap() []error { return e.Errs }

// parseErrorf returns an error wrapping errs.ErrMalformed.
func parseErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errs.ErrMalformed}, args...)...)
}
