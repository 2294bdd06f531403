//go:build !windows

package iostreams

import "io"

// isConsole reports whether w is a Windows console; there is none here.
func isConsole(io.Writer) bool { return false }
