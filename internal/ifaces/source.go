package ifaces

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultDir is the /proc/net directory of the calling thread's network
// namespace. /proc/net follows the process's first thread instead, which
// differs once a thread has called setns.
const DefaultDir = "/proc/thread-self/net"

// Interfaces returns the counters of every interface in dir/dev, the
// /proc/net/dev of the network namespace whose /proc/net directory is dir
// (DefaultDir if dir is ""). It returns the *fs.PathError of a failed open
// or read (fs.ErrNotExist where there is no /proc, as on Windows), or an
// error wrapping ErrParse if the file is malformed.
func Interfaces(dir string) ([]Interface, error) {
	f, err := os.Open(filepath.Join(orDefault(dir), "dev"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseDev(f)
}

// Groups returns the multicast memberships of every interface in dir/igmp
// and then dir/igmp6, the files of the network namespace whose /proc/net
// directory is dir (DefaultDir if dir is ""). A missing igmp6, as on a
// kernel without IPv6, contributes no memberships and is not an error. It
// returns the *fs.PathError of any other failed open or read, or an error
// wrapping ErrParse if a file is malformed.
func Groups(dir string) ([]Membership, error) {
	dir = orDefault(dir)
	f, err := os.Open(filepath.Join(dir, "igmp"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := ParseIGMP(f)
	if err != nil {
		return nil, err
	}
	f6, err := os.Open(filepath.Join(dir, "igmp6"))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f6.Close()
	v6, err := ParseIGMP6(f6)
	if err != nil {
		return nil, err
	}
	return append(out, v6...), nil
}

// orDefault returns dir, or DefaultDir if dir is "".
func orDefault(dir string) string {
	if dir == "" {
		return DefaultDir
	}
	return dir
}
