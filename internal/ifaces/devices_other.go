//go:build !linux

package ifaces

import (
	"fmt"
	"runtime"
)

// ReadDevices returns an error wrapping ErrNoDevices: the interface ioctls
// net-tools uses are Linux's.
func ReadDevices(dir string) (*DeviceTable, error) {
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrNoDevices, runtime.GOOS)
}
