//go:build !linux && !windows

package sockets

// newSystemSource reports that this OS has no source yet (Linux and Windows
// have theirs): NewSystemSource returns ErrUnsupported.
func newSystemSource(SourceOptions) (Source, error) { return nil, ErrUnsupported }
