package collect

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// source lists socks (those its filter matches), or fails with err.
type source struct {
	socks []sockets.Socket
	err   error
}

func (s *source) Snapshot(_ context.Context, f sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	for i := range s.socks {
		if f.Match(&s.socks[i]) {
			dst = append(dst, s.socks[i])
		}
	}
	return dst, s.err
}

func tcp(port uint16, st sockets.State, cookie uint64) sockets.Socket {
	return sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: st, Cookie: cookie, Inode: cookie,
		Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), port), Remote: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), 443)}
}

// owners is an AttributeFunc that gives every socket with an odd port the
// process nginx, and reports unreadable processes.
func owners(err error) AttributeFunc {
	return func(ctx context.Context, details bool, listed <-chan struct{}) (func([]sockets.Socket) Attribution, error) {
		<-listed
		return func(socks []sockets.Socket) Attribution {
			for i := range socks {
				if socks[i].Local.Port()%2 == 1 {
					socks[i].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: 7, Name: "nginx"}}}
				}
			}
			return Attribution{Unattributed: 2, Unreadable: 1}
		}, err
	}
}

func TestCollect(t *testing.T) {
	src := &source{socks: []sockets.Socket{tcp(1, sockets.Established, 1), tcp(2, sockets.Listen, 2), tcp(3, sockets.TimeWait, 3), tcp(4, sockets.Established, 4)}}
	c := &Collector{Source: src, Attribute: owners(nil)}
	q := &Query{
		Kernel:      sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).With(sockets.Established).With(sockets.TimeWait)},
		AfterDump:   func(s *sockets.Socket) bool { return s.Local.Port() != 4 },
		Owners:      true,
		AfterOwners: func(s *sockets.Socket) bool { return len(s.Processes) > 0 },
	}
	snap, err := c.Collect(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ports []uint16
	for _, s := range snap.Sockets {
		ports = append(ports, s.Local.Port())
	}
	if fmt.Sprint(ports) != "[1 3]" {
		t.Errorf("ports %v, want [1 3] (states in the kernel, 4 after the dump, 2 not held)", ports)
	}
	if w := snap.Warnings; w.Unattributed != 2 || w.Unreadable != 1 || w.Attribution != nil || w.Partial != nil {
		t.Errorf("warnings %+v", w)
	}
	if snap.Time.IsZero() || snap.Duration <= 0 {
		t.Errorf("time %v, duration %v", snap.Time, snap.Duration)
	}
}

// TestCollectWarnings checks that partial failures and attribution errors
// are values, and that a system without attribution warns of nothing.
func TestCollectWarnings(t *testing.T) {
	part := errors.New("raw diag: not built")
	src := &source{socks: []sockets.Socket{tcp(1, sockets.Established, 1)}, err: &sockets.PartialError{Errs: []error{part}}}
	for _, tc := range []struct {
		attrErr error
		want    error
	}{
		{errors.New("/proc: permission denied"), errors.New("/proc: permission denied")},
		{fmt.Errorf("no /proc: %w", sockets.ErrUnsupported), nil},
	} {
		c := &Collector{Source: src, Attribute: owners(tc.attrErr)}
		snap, err := c.Collect(context.Background(), &Query{Kernel: sockets.All, Owners: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Warnings.Partial) != 1 || snap.Warnings.Partial[0] != part || len(snap.Sockets) != 1 {
			t.Errorf("partial: %+v, %d sockets", snap.Warnings.Partial, len(snap.Sockets))
		}
		if fmt.Sprint(snap.Warnings.Attribution) != fmt.Sprint(tc.want) {
			t.Errorf("attribution warning %v, want %v", snap.Warnings.Attribution, tc.want)
		}
	}
	// A failed listing is an error, and attribution is not waited for.
	c := &Collector{Source: &source{err: errors.New("netlink: EPERM")}, Attribute: owners(nil)}
	if _, err := c.Collect(context.Background(), &Query{Kernel: sockets.All, Owners: true}, nil); err == nil {
		t.Error("a failed listing is not an error")
	}
}

// TestNoOwnersNoWalk checks that attribution runs only when asked for.
func TestNoOwnersNoWalk(t *testing.T) {
	c := &Collector{Source: &source{socks: []sockets.Socket{tcp(1, sockets.Established, 1)}},
		Attribute: func(context.Context, bool, <-chan struct{}) (func([]sockets.Socket) Attribution, error) {
			t.Error("attribution ran for a query without owners")
			return nil, nil
		}}
	if _, err := c.Collect(context.Background(), &Query{Kernel: sockets.All}, nil); err != nil {
		t.Fatal(err)
	}
}
