package cli

import (
	"context"
	"net"
	"net/netip"

	"github.com/sockscope/sockscope/internal/names"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// NewNamer returns a Factory.Namer that names ports from services and
// addresses by reverse DNS, all looked up concurrently within the
// resolver's budget; what misses it prints numerically.
func NewNamer(services func() *names.Services, resolver *names.Resolver) func(context.Context, []sockets.Socket) render.Namer {
	return func(ctx context.Context, socks []sockets.Socket) render.Namer {
		seen := make(map[netip.Addr]struct{})
		var addrs []netip.Addr
		zones := false
		for i := range socks {
			s := &socks[i]
			if s.Family == sockets.Local {
				continue
			}
			zones = zones || s.Zone != 0
			for _, a := range [2]netip.Addr{s.Local.Addr(), s.Remote.Addr()} {
				if !a.IsValid() || a.IsUnspecified() {
					continue
				}
				if _, ok := seen[a]; !ok {
					seen[a] = struct{}{}
					addrs = append(addrs, a)
				}
			}
		}
		n := &namer{services: services()}
		if zones {
			n.ifaces = interfaceNames()
		}
		if len(addrs) > 0 {
			n.hosts = resolver.Resolve(ctx, addrs)
		}
		return n
	}
}

type namer struct {
	services *names.Services
	hosts    map[netip.Addr]string
	ifaces   map[uint32]string // index → name, read once per listing with zones
}

var _ render.InterfaceNamer = (*namer)(nil)

// Interface names a socket's zone (bound interface) for the modern table.
func (n *namer) Interface(index uint32) string { return n.ifaces[index] }

// interfaceNames maps interface indexes to names; empty if they cannot be
// listed.
func interfaceNames() map[uint32]string {
	m := make(map[uint32]string)
	ifs, err := net.Interfaces()
	if err != nil {
		return m
	}
	for _, i := range ifs {
		m[uint32(i.Index)] = i.Name
	}
	return m
}

func (n *namer) Host(a netip.Addr) string { return n.hosts[a] }

func (n *namer) Service(port uint16, p sockets.Proto) string {
	if n.services == nil || port == 0 {
		return ""
	}
	name, _ := n.services.Lookup(port, p.String())
	return name
}
