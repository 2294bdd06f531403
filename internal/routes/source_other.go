//go:build !linux && !windows

package routes

import (
	"context"
	"fmt"
	"runtime"
)

// List returns an error wrapping ErrUnsupported: routes are read on Linux
// (rtnetlink) and Windows (the IP Helper API) only.
func List(ctx context.Context) ([]Route, error) {
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrUnsupported, runtime.GOOS)
}
