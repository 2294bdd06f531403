//go:build !linux

package app

import "github.com/sockscope/sockscope/internal/cli"

// processes lists no process where /proc is not there to read: --pid and
// --program complete nothing.
func processes() []cli.ProcessName { return nil }

// netnsOf is nil: there are no network namespaces to explain an empty
// --pid listing with.
var netnsOf func(pid int32) (uint64, uint64, error)
