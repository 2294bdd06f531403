//go:build !linux && !windows

package procattr

import (
	"context"
	"runtime"

	"github.com/sockscope/sockscope/internal/sockets"
)

// tuning is embedded in Options; there is nothing to tune here.
//
//lint:ignore U1000 embedded in Options for the Linux implementation's tests
type tuning struct{}

// attribute is not implemented here yet: it leaves socks unchanged and
// returns an error matching sockets.ErrUnsupported, so callers list the
// sockets without processes.
func attribute(context.Context, []sockets.Socket, Options) (Result, error) {
	return Result{}, unsupportedError{runtime.GOOS}
}

// scan is not implemented here yet: it returns nil and an error matching
// sockets.ErrUnsupported.
func scan(context.Context, Options) (*Holders, error) {
	return nil, unsupportedError{runtime.GOOS}
}

// unsupportedError is returned where attribution is not implemented. It
// matches sockets.ErrUnsupported under errors.Is.
type unsupportedError struct{ goos string }

func (e unsupportedError) Error() string {
	return "finding the processes that own sockets is not supported on " + e.goos + " yet"
}

// Is makes errors.Is(err, sockets.ErrUnsupported) true.
func (unsupportedError) Is(target error) bool { return target == sockets.ErrUnsupported }
