package netstats

import "github.com/sockscope/sockscope/internal/procfs"

// readSystem reads the counter files of the calling thread's network
// namespace, procfs.FS.Net().
func readSystem() (*Snapshot, error) { return readFiles(procfs.Default().Net()) }
