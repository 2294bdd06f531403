package ssmode

import (
	"strings"

	"github.com/sockscope/sockscope/internal/netns"
)

// netnsDir is where ip netns keeps its named network namespaces, as ss
// -N looks them up.
const netnsDir = "/var/run/netns/"

// enterNetNS moves the calling goroutine, locked to its thread, into the
// network namespace name (a name under /var/run/netns, or a path), as ss
// -N does; the sources read the namespace of the calling thread. leave
// moves it back.
func enterNetNS(name string) (leave func(), err error) {
	path := name
	if !strings.Contains(name, "/") {
		path = netnsDir + name
	}
	back, err := netns.EnterPath(path)
	if err != nil {
		return nil, err
	}
	return func() { back() }, nil
}
