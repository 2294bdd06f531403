//go:build !windows

package ifaces

import "github.com/sockscope/sockscope/internal/procfs"

// systemInterfaces reads the /proc/net/dev of the calling thread's
// network namespace.
func systemInterfaces() ([]Interface, error) { return readDev(procfs.Default().Net()) }

// systemGroups reads the igmp and igmp6 files of the calling thread's
// network namespace.
func systemGroups() ([]Membership, error) { return readGroups(procfs.Default().Net()) }
