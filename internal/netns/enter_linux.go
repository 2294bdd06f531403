package netns

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// openNS opens the first of ns's paths that is still the namespace (a
// PID may have been reused, a file unmounted), and returns its fd.
func openNS(ns *NetNS) (int, error) {
	var first error
	for _, p := range ns.Paths {
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if first == nil {
				first = &os.PathError{Op: "open", Path: p, Err: err}
			}
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || st.Ino != ns.Inode || (ns.Dev != 0 && st.Dev != ns.Dev) {
			unix.Close(fd)
			if first == nil {
				first = fmt.Errorf("%s is no longer the namespace", p)
			}
			continue
		}
		return fd, nil
	}
	if first == nil {
		first = errors.New("no file or process to enter it through")
	}
	return -1, first
}

// Do runs fn with the calling goroutine locked to its OS thread and the
// thread moved into the network namespace ns (through the first of its
// Paths that still is it), and returns fn's error or that of entering.
//
// Whatever fn does that depends on the namespace (opening netlink
// sockets, reading /proc/thread-self/net) must happen on the calling
// goroutine: another goroutine runs on another thread, in the process's
// namespace. When fn returns (or panics, or calls runtime.Goexit), the
// thread goes back to the namespace it came from and is unlocked; if it
// cannot go back, it stays locked, so that the Go runtime ends the thread
// with the goroutine rather than run other goroutines in the wrong
// namespace, and Do's error includes a *StuckError.
func Do(ns *NetNS, fn func() error) error {
	fd, err := openNS(ns)
	if err != nil {
		return &Error{NS: *ns, Err: &enterError{err}}
	}
	defer unix.Close(fd)
	if err := doFD(fd, fn); err != nil {
		var enter *enterError
		if errors.As(err, &enter) {
			return &Error{NS: *ns, Err: err}
		}
		return err
	}
	return nil
}

// DoPath is Do for a namespace given by a file: a named namespace's
// /run/netns/NAME, /proc/PID/ns/net, or any nsfs bind mount.
func DoPath(path string, fn func() error) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	return doFD(fd, fn)
}

// enterError is a failure to move the thread into the namespace, as
// opposed to an error of fn.
type enterError struct{ err error }

func (e *enterError) Error() string { return e.err.Error() }
func (e *enterError) Unwrap() error { return e.err }

// doFD runs fn on the calling goroutine's thread moved into the namespace
// of the open file target.
func doFD(target int, fn func() error) (err error) {
	leave, err := enterFD(target)
	if err != nil {
		return err
	}
	defer func() {
		if lerr := leave(); lerr != nil {
			err = errors.Join(err, lerr)
		}
	}()
	return fn()
}

// EnterPath moves the calling goroutine, locked to its OS thread, into the
// network namespace of the file path (/run/netns/NAME, /proc/PID/ns/net, a
// bind mount), for code that cannot be put in a function for DoPath (ss
// -N's whole run). leave moves the thread back and unlocks it; if it
// cannot, the thread stays locked (the runtime ends it with the
// goroutine) and leave returns a *StuckError. Call leave once, on the
// same goroutine. Entering the namespace the thread is already in needs
// no privilege.
func EnterPath(path string) (leave func() error, err error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	return enterFD(fd)
}

// enterFD is EnterPath for an open namespace file.
func enterFD(target int) (leave func() error, err error) {
	runtime.LockOSThread()
	// The namespace to go back to is the thread's own, which the
	// process's /proc/self would not tell (its first thread may be
	// elsewhere).
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, &enterError{fmt.Errorf("open the thread's own network namespace: %w", err)}
	}
	if sameFile(home, target) {
		// Already there: setns would only ask for a privilege (an
		// unprivileged user lists their own namespace too).
		unix.Close(home)
		return func() error { runtime.UnlockOSThread(); return nil }, nil
	}
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		unix.Close(home)
		runtime.UnlockOSThread()
		return nil, &enterError{os.NewSyscallError("setns", err)}
	}
	return func() error {
		defer unix.Close(home)
		if err := unix.Setns(home, unix.CLONE_NEWNET); err != nil {
			return &StuckError{os.NewSyscallError("setns", err)}
		}
		runtime.UnlockOSThread()
		return nil
	}, nil
}

// sameFile reports whether the open files a and b are the same inode.
func sameFile(a, b int) bool {
	var sa, sb unix.Stat_t
	return unix.Fstat(a, &sa) == nil && unix.Fstat(b, &sb) == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// isEnterError reports whether err is Do's failure to enter a namespace
// (rather than an error of the function it runs).
func isEnterError(err error) bool {
	var e *enterError
	return errors.As(err, &e)
}
