//go:build !windows

package ifaces

// systemInterfaces reads the /proc/net/dev of the calling thread's
// network namespace.
func systemInterfaces() ([]Interface, error) { return readDev(DefaultDir) }

// systemGroups reads the igmp and igmp6 files of the calling thread's
// network namespace.
func systemGroups() ([]Membership, error) { return readGroups(DefaultDir) }
