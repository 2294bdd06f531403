package netstats

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// files are the counter files Read reads, in this order, with their parser.
var files = []struct {
	name  string
	parse func([]byte) ([]Group, error)
}{
	{"snmp", ParseSNMP},
	{"netstat", ParseSNMP},
	{"snmp6", ParseSNMP6},
	{"sockstat", ParseSockstat},
	{"sockstat6", ParseSockstat},
	{"sctp/snmp", ParseSCTP},
}

// Read returns the counters of the running system when dir is "", or those
// of the Linux counter files in dir.
//
// On Linux, Read("") reads procfs.FS.Net(). On Windows it asks the IP Helper API
// (source_windows.go) for groups Ip, Icmp, IcmpMsg, Tcp, Udp, Ip6, Icmp6,
// Tcp6 and Udp6. Elsewhere it returns an error wrapping
// errors.ErrUnsupported.
//
// From a directory, on any system, Read returns every counter of the files
// snmp, netstat, snmp6, sockstat, sockstat6 and sctp/snmp in dir, groups
// in that order, each with its Group.File. Snapshot.Time is taken just before the first file is read. A
// missing file is skipped (snmp6 and sockstat6 are absent when IPv6 is
// off, sctp/snmp until the sctp module is loaded). Any other failure, and every parse error, is joined into the error
// returned along with all the counters that could be read.
func Read(dir string) (*Snapshot, error) {
	if dir == "" {
		return readSystem()
	}
	return readFiles(dir)
}

// readFiles reads the Linux counter files in dir, as Read documents.
func readFiles(dir string) (*Snapshot, error) {
	s := &Snapshot{Time: time.Now()}
	var errs []error
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		data, err := os.ReadFile(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		groups, err := f.parse(data)
		for i := range groups {
			groups[i].File = f.name
		}
		s.Groups = append(s.Groups, groups...)
		if err != nil {
			errs = append(errs, &PathError{Path: path, Err: err})
		}
	}
	return s, errors.Join(errs...)
}

// PathError is a parse error in one counter file.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PathError) Unwrap() error { return e.Err }
