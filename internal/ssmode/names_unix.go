//go:build !windows

package ssmode

import "syscall"

// inodeOf returns the inode number of path.
func inodeOf(path string) (uint64, bool) {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return 0, false
	}
	return uint64(st.Ino), true
}
