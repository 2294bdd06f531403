//go:build !linux

package trace

import "github.com/sockscope/sockscope/internal/sockets"

// A DestroyReader reads destroyed sockets where sock_diag exists; here
// it does not.
type DestroyReader struct{}

// OpenDestroyed returns sockets.ErrUnsupported here.
func OpenDestroyed(sockets.ProtoSet) (*DestroyReader, error) { return nil, sockets.ErrUnsupported }

// Read returns sockets.ErrUnsupported here.
func (d *DestroyReader) Read() (sockets.Socket, error) {
	return sockets.Socket{}, sockets.ErrUnsupported
}

// Close does nothing here.
func (d *DestroyReader) Close() error { return nil }

// Overruns returns 0 here.
func (d *DestroyReader) Overruns() uint64 { return 0 }
