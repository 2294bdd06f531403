//go:build !linux && !windows

package netstats

import (
	"errors"
	"fmt"
	"runtime"
)

// readSystem reports that this OS has no counter source yet.
func readSystem() (*Snapshot, error) {
	return nil, fmt.Errorf("reading network statistics on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
