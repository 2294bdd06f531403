package netstats

// readSystem reads the counter files of the calling thread's network
// namespace, DefaultDir.
func readSystem() (*Snapshot, error) { return readFiles(DefaultDir) }
