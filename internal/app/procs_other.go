//go:build !linux

package app

import (
	"runtime"

	"github.com/sockscope/sockscope/internal/cli"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/summary"
)

// processes lists no process where /proc is not there to read: --pid and
// --program complete nothing.
func processes() []cli.ProcessName { return nil }

// netnsOf is nil: there are no network namespaces to explain an empty
// --pid listing with.
var netnsOf func(pid int32) (uint64, uint64, error)

// ephemeralPorts is Windows' default dynamic port range (netsh int ipv4
// show dynamicport tcp), and unknown elsewhere.
func ephemeralPorts() summary.PortRange {
	if runtime.GOOS == "windows" {
		return summary.PortRange{Low: 49152, High: 65535}
	}
	return summary.PortRange{}
}

// cgroupID is nil: there are no cgroups to filter by.
var cgroupID func(path string) (uint64, bool)

// limits knows only the dynamic port range where there is no /proc/sys.
func limits() (netstats.Limits, error) {
	return netstats.Limits{Ephemeral: ephemeralPorts(), SynCookies: netstats.NoSetting, TWReuse: netstats.NoSetting}, nil
}
