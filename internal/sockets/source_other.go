//go:build !linux

package sockets

// newSystemSource reports that this OS has no source yet (the Windows one
// comes with its own issue): NewSystemSource returns ErrUnsupported.
func newSystemSource(SourceOptions) (Source, error) { return nil, ErrUnsupported }
