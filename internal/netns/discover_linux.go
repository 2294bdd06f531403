package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/procfs"
)

// Discover returns every network namespace of the machine it can see:
// those of every process (/proc/*/ns/net, by each process's main thread),
// the files in dirs (Options.Dirs), and nsfs bind mounts anywhere
// (/proc/self/mountinfo), one NetNS per namespace, ordered by inode (the
// host's first). It reads processes and mountinfo from procfs.Default().
//
// A namespace none of whose paths can be opened is not returned; it is an
// *Error in errs instead, as are processes whose namespace cannot be read
// at all (one *HiddenError for all of them). Discover never fails as a
// whole: what it could not read is in errs.
func Discover(opts *Options) (found []NetNS, errs []error) {
	fs := procfs.Default()
	b := newBuilder()

	var nsfsDev uint64
	var st unix.Stat_t
	if unix.Stat(fs.Path("self", "ns", "net"), &st) == nil {
		nsfsDev = st.Dev
	}

	mounts, merr := readMounts(fs)
	if merr != nil {
		errs = append(errs, merr)
	}
	if nsfsDev == 0 && len(mounts) > 0 {
		nsfsDev = mounts[0].Dev
	}
	byPath := make(map[string]BindMount, len(mounts))
	for _, m := range mounts {
		byPath[m.Path] = m // a later mount on the same point hides the earlier
	}
	used := make(map[string]bool, len(mounts))

	for _, d := range expandDirs(opts.dirs()) {
		names, err := readDirNames(d.Path)
		if err != nil {
			continue // a runtime that is not installed has no directory
		}
		for _, name := range names {
			p := filepath.Join(d.Path, name)
			if m, ok := byPath[p]; ok {
				used[p] = true
				b.addFile(m.Dev, m.Inode, p, d.Runtime, false)
				continue
			}
			// Not a mount we can see (another mount namespace made
			// it, or a stale file ip netns left): only an nsfs file
			// of a network namespace counts.
			if dev, ino, ok := statNetNSFile(p, nsfsDev); ok {
				b.addFile(dev, ino, p, d.Runtime, false)
			}
		}
	}
	if opts == nil || !opts.NoMounts {
		for _, m := range mounts {
			if !used[m.Path] && byPath[m.Path] == m {
				used[m.Path] = true
				b.addFile(m.Dev, m.Inode, m.Path, "", true)
			}
		}
	}

	if herr := walkProcs(fs, nsfsDev, b); herr != nil {
		errs = append(errs, herr)
	}

	all := b.finish(func(pid int32) string { return fs.Path(strconv.Itoa(int(pid)), "ns", "net") })
	found = all[:0]
	for _, n := range all {
		if fd, err := openNS(&n); err != nil {
			errs = append(errs, &Error{NS: n, Err: err})
		} else {
			unix.Close(fd)
			found = append(found, n)
		}
	}
	return found, errs
}

// readMounts returns the nsfs bind mounts of network namespaces in
// mountinfo, and an error for an unreadable file or the first malformed
// line.
func readMounts(fs procfs.FS) ([]BindMount, error) {
	data, err := os.ReadFile(fs.Path("self", "mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("bind-mounted network namespaces: %w", err)
	}
	mounts, bad := ParseMountInfo(string(data))
	if len(bad) > 0 {
		return mounts, fmt.Errorf("bind-mounted network namespaces: %w", bad[0])
	}
	return mounts, nil
}

// expandDirs expands the globs in dirs and resolves symbolic links (so that
// /var/run/netns, a link to /run/netns on most systems, is read once and
// its paths match mountinfo's), keeping the first Dir of each directory.
func expandDirs(dirs []Dir) []Dir {
	var out []Dir
	seen := make(map[string]bool)
	for _, d := range dirs {
		paths := []string{d.Path}
		if strings.Contains(d.Path, "*") {
			paths, _ = filepath.Glob(d.Path) // the only error is a bad pattern
		}
		for _, p := range paths {
			real, err := filepath.EvalSymlinks(p)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			out = append(out, Dir{Path: real, Runtime: d.Runtime})
		}
	}
	return out
}

// readDirNames returns the names in dir, sorted, so that a namespace with
// two names is always given the same one.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}

// nsGetNSType is the ioctl NS_GET_NSTYPE (linux/nsfs.h), which returns the
// CLONE_NEW* type of a namespace file.
const nsGetNSType = 0xb703

// statNetNSFile returns the device and inode of p if it is a network
// namespace file (on nsfsDev, when known).
func statNetNSFile(p string, nsfsDev uint64) (dev, ino uint64, ok bool) {
	var st unix.Stat_t
	if unix.Stat(p, &st) != nil || (nsfsDev != 0 && st.Dev != nsfsDev) {
		return 0, 0, false
	}
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		// Cannot check its kind; on the nsfs device it is a namespace,
		// and the open check after discovery will report it.
		return st.Dev, st.Ino, nsfsDev != 0
	}
	defer unix.Close(fd)
	typ, err := unix.IoctlRetInt(fd, nsGetNSType)
	if err != nil || typ != unix.CLONE_NEWNET {
		return 0, 0, false
	}
	return st.Dev, st.Ino, true
}

// walkProcs adds every process to the namespace its /proc/PID/ns/net
// names. Processes that exit meanwhile are skipped; those whose link
// cannot be read are returned as one *HiddenError.
func walkProcs(fs procfs.FS, nsfsDev uint64, b *builder) error {
	names, err := readDirNames(fs.Path())
	if err != nil {
		return fmt.Errorf("listing processes: %w", err)
	}
	var (
		hidden   []int32
		firstErr error
		buf      [64]byte
		path     = []byte(fs.Path()) // reused: root, "/", PID, "/ns/net"
	)
	path = append(path, '/')
	root := len(path)
	for _, name := range names {
		pid, err := strconv.ParseInt(name, 10, 32)
		if err != nil || pid <= 0 {
			continue
		}
		path = append(path[:root], name...)
		path = append(path, "/ns/net"...)
		n, err := unix.Readlink(string(path), buf[:])
		if err != nil {
			if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ESRCH) {
				hidden = append(hidden, int32(pid))
				if firstErr == nil {
					firstErr = &os.PathError{Op: "readlink", Path: string(path), Err: err}
				}
			}
			continue
		}
		ino, ok := ParseLink(string(buf[:n]))
		if !ok {
			continue
		}
		dev := nsfsDev
		if dev == 0 {
			var st unix.Stat_t
			if unix.Stat(string(path), &st) != nil {
				continue
			}
			dev = st.Dev
		}
		b.addPID(dev, ino, int32(pid))
	}
	if len(hidden) > 0 {
		slices.Sort(hidden)
		return &HiddenError{PIDs: hidden, Err: firstErr}
	}
	return nil
}

// dirs are the directories o names, DefaultDirs where it names none.
func (o *Options) dirs() []Dir {
	if o == nil || o.Dirs == nil {
		return DefaultDirs
	}
	return o.Dirs
}
