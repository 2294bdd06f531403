package iostreams

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// isConsole reports whether w is a Windows console, which the Go runtime
// writes to as UTF-16 (so it must get UTF-8, never another charset).
func isConsole(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(f.Fd()), &mode) == nil
}
