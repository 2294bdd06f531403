//go:build !linux && !windows

package sockets

// newDestroyer reports that this OS cannot close sockets yet.
func newDestroyer() (Destroyer, error) { return nil, unsupportedError{"closing sockets"} }
