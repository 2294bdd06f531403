//go:build !linux

package trace

import (
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// DefaultBuffer is the ring buffer's size where there is one.
const DefaultBuffer = 4 << 20

// A Reader reads state changes where the kernel has eBPF; here it has
// none.
type Reader struct {
	// Drained is never called here.
	Drained func()
}

// Open returns an error wrapping sockets.ErrUnsupported: tracing needs
// Linux's eBPF.
func Open(int, bool) (*Reader, error) { return nil, sockets.ErrUnsupported }

// Read never returns an event here.
func (r *Reader) Read() (Raw, error) { return Raw{}, sockets.ErrUnsupported }

// ReadInto never returns an event here.
func (r *Reader) ReadInto(*Raw) error { return sockets.ErrUnsupported }

// Wall is the identity here.
func (r *Reader) Wall(mono uint64) time.Time { return time.Unix(0, int64(mono)) }

// Program is "" here.
func (r *Reader) Program() string { return "" }

// Lost is 0 here.
func (r *Reader) Lost() uint64 { return 0 }

// Missed is 0 here.
func (r *Reader) Missed() uint64 { return 0 }

// StartsLost is 0 here.
func (r *Reader) StartsLost() uint64 { return 0 }

// Stop does nothing here.
func (r *Reader) Stop() {}

// Pause does nothing here.
func (r *Reader) Pause() error { return nil }

// Resume does nothing here.
func (r *Reader) Resume() error { return nil }

// Close does nothing here.
func (r *Reader) Close() error { return nil }

// TraceUDP returns sockets.ErrUnsupported here.
func (r *Reader) TraceUDP() error { return sockets.ErrUnsupported }

// ExecOf knows no process here.
func (r *Reader) ExecOf(int32) (Exec, bool) { return Exec{}, false }

// CgroupPath knows no cgroup here.
func (r *Reader) CgroupPath(uint64) (string, bool) { return "", false }

// InInitialPIDNamespace is true where trace does not run.
func InInitialPIDNamespace() bool { return true }

// TraceExecs returns sockets.ErrUnsupported here.
func (r *Reader) TraceExecs() error { return sockets.ErrUnsupported }
