package ssmode

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// ParseProtocols reads protocols(5) into a table of names by number: the
// first name of the first line of each number, as getprotobynumber
// returns it.
func ParseProtocols(data []byte) map[uint8]string {
	m := make(map[uint8]string)
	for _, line := range bytes.Split(data, []byte("\n")) {
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := bytes.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(string(f[1]), 10, 8)
		if err != nil {
			continue
		}
		if _, ok := m[uint8(n)]; !ok {
			m[uint8(n)] = string(f[0])
		}
	}
	return m
}

// LoadProtocols returns a Names.Protocol reading path (/etc/protocols)
// the first time it is asked.
func LoadProtocols(path string) func(p uint8) string {
	load := sync.OnceValue(func() map[uint8]string {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		return ParseProtocols(data)
	})
	return func(p uint8) string { return load()[p] }
}

// CgroupPaths returns a Names.CgroupPath for the cgroup v2 hierarchy
// mounted at mount: the path under it of the directory whose inode is the
// id ("/" for the root), found by one walk the first time it is asked.
func CgroupPaths(mount string) func(id uint64) string {
	load := sync.OnceValue(func() map[uint64]string {
		m := make(map[uint64]string)
		if mount == "" {
			return m
		}
		filepath.WalkDir(mount, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if ino, ok := inodeOf(path); ok {
				rel, _ := filepath.Rel(mount, path)
				if rel == "." {
					rel = ""
				}
				m[ino] = "/" + filepath.ToSlash(rel)
			}
			return nil
		})
		return m
	})
	return func(id uint64) string { return load()[id] }
}

// CgroupMount returns where the cgroup v2 hierarchy is mounted, from
// the mounts file (/proc/self/mounts), "" if it is not.
func CgroupMount(mounts []byte) string {
	for _, line := range bytes.Split(mounts, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) >= 3 && string(f[2]) == "cgroup2" {
			return string(f[1])
		}
	}
	return ""
}

// RawDiagLoaded reports whether the kernel's raw_diag module is loaded,
// so that ss lists raw sockets over sock_diag rather than from
// /proc/net/raw (Names.RawDiag). Ask after the listing: a sock_diag
// request for raw sockets loads the module where it can be loaded.
func RawDiagLoaded() bool {
	_, err := os.Stat("/sys/module/raw_diag")
	return err == nil
}
