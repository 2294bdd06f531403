//go:build !linux && !windows

package procattr

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestAttributeUnsupported checks the stub: an error matching
// sockets.ErrUnsupported that names the OS, and socks left alone.
func TestAttributeUnsupported(t *testing.T) {
	socks := []sockets.Socket{{Inode: 1, Processes: []sockets.Process{proc(sockets.ProcessInfo{PID: 7}, 0)}}}
	res, err := Attribute(context.Background(), socks, Options{})
	if !errors.Is(err, sockets.ErrUnsupported) || !strings.Contains(err.Error(), runtime.GOOS) {
		t.Fatalf("err = %v, want one matching sockets.ErrUnsupported naming %s", err, runtime.GOOS)
	}
	if res != (Result{}) || len(socks[0].Processes) != 1 {
		t.Errorf("stub changed something: %+v, %s", res, showProcs(socks[0].Processes))
	}
}

// TestScanUnsupported checks the stub of Scan: nil Holders and an error
// matching sockets.ErrUnsupported.
func TestScanUnsupported(t *testing.T) {
	h, err := Scan(context.Background(), Options{})
	if h != nil || !errors.Is(err, sockets.ErrUnsupported) {
		t.Fatalf("Scan = %v, %v; want nil and an error matching sockets.ErrUnsupported", h, err)
	}
}
