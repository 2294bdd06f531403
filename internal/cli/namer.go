package cli

import (
	"context"
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
		for i := range socks {
			s := &socks[i]
			if s.Family == sockets.Local {
				continue
			}
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
		if len(addrs) > 0 {
			n.hosts = resolver.Resolve(ctx, addrs)
		}
		return n
	}
}

type namer struct {
	services *names.Services
	hosts    map[netip.Addr]string
}

func (n *namer) Host(a netip.Addr) string { return n.hosts[a] }

func (n *namer) Service(port uint16, p sockets.Proto) string {
	if n.services == nil || port == 0 {
		return ""
	}
	name, _ := n.services.Lookup(port, p.String())
	return name
}
