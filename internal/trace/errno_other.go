//go:build !linux

package trace

// osErrnoName is "" here: the events come from Linux, named by the
// table.
func osErrnoName(uint32) string { return "" }
