package ifaces

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Interfaces returns the counters of every interface. With dir "" it reads
// the running system: on Windows GetIfTable2 (DecodeIfTable2 says how its
// rows map), elsewhere procfs.FS.Net()/dev. Otherwise, on any system, it reads
// dir/dev, the /proc/net/dev of the network namespace whose /proc/net
// directory is dir. Reading a file, it returns the *fs.PathError of a
// failed open or read (fs.ErrNotExist where there is no /proc, as on
// macOS), or an error wrapping errs.ErrMalformed if the file is malformed. Reading
// Windows, it returns an error wrapping errors.ErrUnsupported if
// iphlpapi.dll lacks GetIfTable2, the API's error if the call fails, or an
// error wrapping errs.ErrMalformed if the table is malformed.
func Interfaces(dir string) ([]Interface, error) {
	if dir == "" {
		return systemInterfaces()
	}
	return readDev(dir)
}

// readDev reads dir/dev.
func readDev(dir string) ([]Interface, error) {
	f, err := os.Open(filepath.Join(dir, "dev"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseDev(f)
}

// Groups returns the multicast memberships of every interface in dir/igmp
// and then dir/igmp6, the files of the network namespace whose /proc/net
// directory is dir; with dir "", those of procfs.FS.Net(), except on Windows,
// where it returns an error wrapping errors.ErrUnsupported (Windows netstat
// has no -g). A missing igmp6, as on a kernel without IPv6, contributes no
// memberships and is not an error. It returns the *fs.PathError of any
// other failed open or read, or an error wrapping errs.ErrMalformed if a file is
// malformed.
func Groups(dir string) ([]Membership, error) {
	if dir == "" {
		return systemGroups()
	}
	return readGroups(dir)
}

// readGroups reads dir/igmp and dir/igmp6.
func readGroups(dir string) ([]Membership, error) {
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
