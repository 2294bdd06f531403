package app

import (
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/netns"
)

// namespaces finds the network namespaces of --netns and --all-netns.
func namespaces(value string, all bool) ([]netns.NetNS, []error, error) {
	if all {
		nss, warnings := netns.Discover(nil)
		return nss, warnings, nil
	}
	ns, err := netns.Resolve(value, nil)
	if err != nil {
		return nil, nil, err
	}
	return []netns.NetNS{ns}, nil, nil
}

// containerResolver names the containers of this machine from their
// runtimes' state files.
func containerResolver() *containers.Resolver { return containers.NewResolver("") }
