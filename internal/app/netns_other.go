//go:build !linux

package app

import (
	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/netns"
)

// namespaces is nil: there are no network namespaces here, and --netns
// and --all-netns are refused.
var namespaces func(value string, all bool) ([]netns.NetNS, []error, error)

// containerResolver is nil: no containers are named here.
var containerResolver func() *containers.Resolver
