//go:build !linux

package routes

import (
	"context"
	"fmt"
	"runtime"
)

// List returns an error wrapping ErrUnsupported: routes are only read on
// Linux for now.
func List(ctx context.Context) ([]Route, error) {
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrUnsupported, runtime.GOOS)
}
