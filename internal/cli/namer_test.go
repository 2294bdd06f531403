package cli

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/names"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// TestNamerInterfaces checks that the namer names a socket's zone by its
// interface, so the modern table prints "%lo" rather than "%1".
func TestNamerInterfaces(t *testing.T) {
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Skip("no interfaces to name here")
	}
	in := ifs[0]
	socks := []sockets.Socket{{Proto: sockets.UDP, Family: sockets.Inet6,
		Local: netip.MustParseAddrPort("[fe80::1]:5353"), Zone: uint32(in.Index)}}
	newNamer := NewNamer(func() *names.Services { return nil },
		&names.Resolver{Lookup: func(context.Context, string) ([]string, error) { return nil, nil }})
	n, ok := newNamer(context.Background(), socks).(render.InterfaceNamer)
	if !ok {
		t.Fatal("the namer does not name interfaces")
	}
	if got := n.Interface(uint32(in.Index)); got != in.Name {
		t.Errorf("Interface(%d) = %q, want %q", in.Index, got, in.Name)
	}
	if got := n.Interface(1 << 30); got != "" {
		t.Errorf("unknown index named %q", got)
	}
}
